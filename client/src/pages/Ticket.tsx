/** One ticket: status, priority, timeline with system evidence, notes, and work orders. */
import { Anchor, Badge, Button, Card, Group, Select, Stack, Text, Textarea, Timeline, Title } from '@mantine/core';
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { Link } from 'wouter';
import { graphql } from '../gql/index.ts';
import type { TicketPriority, TicketStatus } from '../gql/graphql.ts';
import { useI18n } from '../i18n.tsx';
import { reportResult } from '../ui.tsx';
import { AttachButton, Attachments } from '../attachments.tsx';

const TicketDoc = graphql(`
  query TicketView($id: ID!) {
    ticket(id: $id) {
      id number subject description status priority type createdAt
      customer { id name }
      connection { id pppoeUsername }
      assignee { id name }
      timeline(first: 100) { nodes { kind body data createdAt author { name } } }
      workOrders { id number status type scheduledStart signedBy technician { name } attachments { id kind fileName url size } }
      attachments { id kind fileName url size }
    }
  }
`);

const UpdateDoc = graphql(`
  mutation UpdateTicketView($input: UpdateTicketInput!) {
    updateTicket(input: $input) { __typename ... on UpdateTicketSuccess { ticket { id status priority } } ... on Error { message } }
  }
`);

const NoteDoc = graphql(`
  mutation AddNoteView($id: ID!, $body: String!) {
    addTicketNote(ticketId: $id, body: $body) { __typename ... on Error { message } }
  }
`);

const AssigneesDoc = graphql(`query TicketAssignees { users(first: 100, role: [SUPPORT, ADMIN]) { nodes { id name } } }`);

const CreateWorkOrderDoc = graphql(`
  mutation CreateWorkOrderView($input: CreateWorkOrderInput!) {
    createWorkOrder(input: $input) { __typename ... on CreateWorkOrderSuccess { workOrder { id number } } ... on Error { message } }
  }
`);

const STATUSES: TicketStatus[] = ['OPEN', 'IN_PROGRESS', 'PENDING', 'WAITING_INTERNAL', 'RESOLVED', 'CLOSED', 'CANCELLED'];
const PRIORITIES: TicketPriority[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

interface EvidenceData {
  evidence?: { check: string; result: string; value: string; live: boolean; source: string }[];
}

export default function TicketPage({ id }: { id: string }) {
  const { t, date } = useI18n();
  const [{ data }, refetch] = useQuery({ query: TicketDoc, variables: { id } });
  const [, update] = useMutation(UpdateDoc);
  const [, addNote] = useMutation(NoteDoc);
  const [note, setNote] = useState('');
  const [assignees] = useQuery({ query: AssigneesDoc });
  const [, createWorkOrder] = useMutation(CreateWorkOrderDoc);
  const tk = data?.ticket;
  if (!tk) return <Text c="dimmed">{t('common.loading')}</Text>;
  const change = async (input: { status?: TicketStatus; priority?: TicketPriority; assigneeId?: string; unassign?: boolean }) => {
    const res = await update({ input: { id: tk.id, ...input } });
    reportResult(res.data?.updateTicket, res.error?.message);
    refetch({ requestPolicy: 'network-only' });
  };
  return (
    <Stack>
      <Group justify="space-between">
        <div>
          <Title order={2}>
            #{tk.number} · {tk.subject}
          </Title>
          <Text c="dimmed">
            {tk.customer?.name}
            {tk.connection && (
              <>
                {' · '}
                <Anchor component={Link} href={`/connections/${encodeURIComponent(tk.connection.id)}`}>
                  {tk.connection.pppoeUsername}
                </Anchor>
              </>
            )}
          </Text>
        </div>
        <Group>
          <Select
            data={STATUSES.map((s) => ({ value: s, label: t(`ticketStatus.${s}` as never) }))}
            value={tk.status}
            onChange={(v) => v && void change({ status: v as TicketStatus })}
            w={200}
            aria-label={t('tickets.status')}
          />
          <Select
            data={PRIORITIES.map((s) => ({ value: s, label: t(`priority.${s}` as never) }))}
            value={tk.priority}
            onChange={(v) => v && void change({ priority: v as TicketPriority })}
            w={140}
            aria-label={t('tickets.priority')}
          />
          <Select
            data={(assignees.data?.users.nodes ?? []).map((u) => ({ value: u.id, label: u.name }))}
            value={tk.assignee?.id ?? null}
            onChange={(v) => void change(v ? { assigneeId: v } : { unassign: true })}
            placeholder={t('tickets.assignee')}
            clearable
            w={200}
            aria-label={t('tickets.assignee')}
          />
          <Badge variant="outline">{t(`ticketType.${tk.type}` as never)}</Badge>
        </Group>
      </Group>
      {tk.description && (
        <Card withBorder>
          <Text style={{ whiteSpace: 'pre-wrap' }}>{tk.description}</Text>
        </Card>
      )}
      <Card withBorder>
        <Title order={4} mb="md">
          {t('tickets.timeline')}
        </Title>
        <Timeline bulletSize={14} data-testid="timeline">
          {tk.timeline.nodes.map((e, i) => {
            const ev = e.kind === 'SYSTEM_EVIDENCE' ? (e.data as EvidenceData | null) : null;
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: a timeline only grows at its end, in order
              <Timeline.Item key={i} title={`${t(`event.${e.kind}` as never)} · ${e.author?.name ?? 'Emerald'}`} data-kind={e.kind}>
                <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                  {e.body}
                </Text>
                {ev?.evidence && (
                  <Group gap={4} mt={4}>
                    {ev.evidence.map((x) => (
                      <Badge
                        key={x.check}
                        size="xs"
                        variant="light"
                        color={x.result === 'OK' ? 'teal' : x.result === 'FAIL' ? 'red' : 'gray'}
                      >
                        {x.check}: {x.value}
                      </Badge>
                    ))}
                  </Group>
                )}
                <Text size="xs" c="dimmed">
                  {date(e.createdAt)}
                </Text>
              </Timeline.Item>
            );
          })}
        </Timeline>
        <Stack mt="md" gap="xs">
          <Textarea label={t('tickets.addNote')} value={note} onChange={(e) => setNote(e.currentTarget.value)} autosize minRows={2} />
          <Group>
            <Button
              disabled={!note.trim()}
              onClick={async () => {
                await addNote({ id: tk.id, body: note.trim() });
                setNote('');
                refetch({ requestPolicy: 'network-only' });
              }}
            >
              {t('tickets.save')}
            </Button>
          </Group>
        </Stack>
      </Card>
      <Card withBorder>
        <Group justify="space-between">
          <Title order={5}>{t('conn.workOrders')}</Title>
          <Button
            size="xs"
            variant="default"
            onClick={async () => {
              const res = await createWorkOrder({ input: { ticketId: tk.id, type: 'REPAIR' } });
              const r = res.data?.createWorkOrder;
              reportResult(r, res.error?.message, r?.__typename === 'CreateWorkOrderSuccess' ? `OT #${r.workOrder.number}` : undefined);
              refetch({ requestPolicy: 'network-only' });
            }}
          >
            {t('tickets.createWorkOrder')}
          </Button>
        </Group>
        {tk.workOrders.map((w) => (
          <Stack key={w.id} gap={4} mt="xs">
            <Text size="sm">
              OT #{w.number} · {t(`woStatus.${w.status}` as never)} · {w.scheduledStart ? date(w.scheduledStart) : '—'} ·{' '}
              {w.technician?.name ?? '—'}
              {w.signedBy ? ` · ${t('attachment.signedBy', { name: w.signedBy })}` : ''}
            </Text>
            <Attachments items={w.attachments} />
          </Stack>
        ))}
      </Card>
      <Card withBorder>
        <Group justify="space-between" mb="xs">
          <Title order={2} size="h5">
            {t('attachment.title')}
          </Title>
          <AttachButton owner={{ ticketId: tk.id }} onDone={() => refetch({ requestPolicy: 'network-only' })} />
        </Group>
        {tk.attachments.length ? (
          <Attachments items={tk.attachments} />
        ) : (
          <Text size="sm" c="dimmed">
            {t('attachment.none')}
          </Text>
        )}
      </Card>
    </Stack>
  );
}
