/** Tickets: filters and text search, newest first. */
import { Anchor, Button, Checkbox, Group, MultiSelect, Paper, Stack, Switch, Table, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { Link } from 'wouter';
import { graphql } from '../gql/index.ts';
import type { TicketPriority, TicketStatus } from '../gql/graphql.ts';
import { useI18n } from '../i18n.tsx';
import { useResync } from '../useResync.ts';
import type { Me } from '../me.ts';
import { ExportLink, PriorityBadge, reportResult } from '../ui.tsx';

const TicketsDoc = graphql(`
  query TicketList($filter: TicketFilter) {
    tickets(first: 50, filter: $filter) {
      totalCount
      nodes { id number subject status priority type createdAt customer { name } assignee { name } connection { id pppoeUsername } }
    }
  }
`);

const BulkDoc = graphql(`
  mutation BulkUpdateTickets($input: BulkUpdateTicketsInput!) {
    bulkUpdateTickets(input: $input) {
      __typename
      ... on BulkUpdateTicketsSuccess { tickets { id status assignee { name } } }
      ... on Error { message }
    }
  }
`);

const STATUSES: TicketStatus[] = ['OPEN', 'IN_PROGRESS', 'PENDING', 'WAITING_INTERNAL', 'RESOLVED', 'CLOSED', 'CANCELLED'];
const PRIORITIES: TicketPriority[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

export default function Tickets({ me }: { me?: Me }) {
  const { t, date, locale } = useI18n();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [bulk, runBulk] = useMutation(BulkDoc);
  const mayBulk = me?.role === 'ADMIN' || me?.role === 'SUPPORT';
  const [text, setText] = useState('');
  const [q] = useDebouncedValue(text.trim(), 250);
  const [status, setStatus] = useState<TicketStatus[]>([]);
  const [priority, setPriority] = useState<TicketPriority[]>([]);
  const [openOnly, setOpenOnly] = useState(true);
  const filter = {
    ...(q.length >= 2 ? { text: q } : {}),
    ...(status.length ? { status } : {}),
    ...(priority.length ? { priority } : {}),
    ...(openOnly && !status.length ? { open: true } : {}),
  };
  const [{ data, fetching }, refetch] = useQuery({ query: TicketsDoc, variables: { filter } });
  useResync(() => refetch({ requestPolicy: 'network-only' }));
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('tickets.title')}</Title>
        <Group>
          <Text c="dimmed">{data ? `${data.tickets.totalCount}` : ''}</Text>
          <ExportLink kind="tickets" variables={{ filter }} />
        </Group>
      </Group>
      <Group align="end">
        <TextInput label={t('tickets.search')} value={text} onChange={(e) => setText(e.currentTarget.value)} w={260} />
        <MultiSelect
          label={t('tickets.status')}
          data={STATUSES.map((s) => ({ value: s, label: t(`ticketStatus.${s}` as never) }))}
          value={status}
          onChange={(v) => setStatus(v as TicketStatus[])}
          w={260}
        />
        <MultiSelect
          label={t('tickets.priority')}
          data={PRIORITIES.map((s) => ({ value: s, label: t(`priority.${s}` as never) }))}
          value={priority}
          onChange={(v) => setPriority(v as TicketPriority[])}
          w={220}
        />
        <Switch label={t('ticketStatus.OPEN')} checked={openOnly} onChange={(e) => setOpenOnly(e.currentTarget.checked)} />
      </Group>
      {mayBulk && selected.size > 0 && (
        <Group data-testid="bulk-bar">
          <Text fw={600}>{locale === 'es' ? `${selected.size} seleccionados` : `${selected.size} selected`}</Text>
          {(
            [
              ['assign', { assigneeId: me!.id }, locale === 'es' ? 'Asignarme' : 'Assign to me'],
              ['resolve', { status: 'RESOLVED' }, locale === 'es' ? 'Resolver' : 'Resolve'],
            ] as const
          ).map(([key, change, label]) => (
            <Button
              key={key}
              size="xs"
              loading={bulk.fetching}
              data-testid={`bulk-${key}`}
              onClick={async () => {
                const res = await runBulk({ input: { ids: [...selected], ...change } });
                const r = res.data?.bulkUpdateTickets;
                if (r?.__typename === 'BulkUpdateTicketsSuccess') {
                  notifications.show({
                    color: 'teal',
                    message: locale === 'es' ? `${r.tickets.length} tickets actualizados` : `${r.tickets.length} tickets updated`,
                  });
                  setSelected(new Set());
                  refetch({ requestPolicy: 'network-only' });
                } else reportResult(r, res.error?.message);
              }}
            >
              {label}
            </Button>
          ))}
        </Group>
      )}
      <Paper withBorder>
        <Table striped highlightOnHover data-testid="ticket-list">
          <Table.Thead>
            <Table.Tr>
              {mayBulk && <Table.Th w={32} />}
              <Table.Th>#</Table.Th>
              <Table.Th>{t('tickets.subject')}</Table.Th>
              <Table.Th>{t('tickets.customer')}</Table.Th>
              <Table.Th>{t('tickets.status')}</Table.Th>
              <Table.Th>{t('tickets.priority')}</Table.Th>
              <Table.Th>{t('tickets.assignee')}</Table.Th>
              <Table.Th>{t('tickets.created')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(data?.tickets.nodes ?? []).map((tk) => (
              <Table.Tr key={tk.id} data-testid="ticket-row">
                {mayBulk && (
                  <Table.Td>
                    <Checkbox
                      aria-label={`#${tk.number}`}
                      checked={selected.has(tk.id)}
                      onChange={(e) => {
                        const next = new Set(selected);
                        if (e.currentTarget.checked) next.add(tk.id);
                        else next.delete(tk.id);
                        setSelected(next);
                      }}
                    />
                  </Table.Td>
                )}
                <Table.Td>
                  <Anchor component={Link} href={`/tickets/${encodeURIComponent(tk.id)}`}>
                    {tk.number}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Anchor component={Link} href={`/tickets/${encodeURIComponent(tk.id)}`} c="inherit">
                    {tk.subject}
                  </Anchor>
                </Table.Td>
                <Table.Td>{tk.customer?.name ?? '—'}</Table.Td>
                <Table.Td>{t(`ticketStatus.${tk.status}` as never)}</Table.Td>
                <Table.Td>
                  <PriorityBadge priority={tk.priority} />
                </Table.Td>
                <Table.Td>{tk.assignee?.name ?? '—'}</Table.Td>
                <Table.Td>{date(tk.createdAt)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        {!fetching && data?.tickets.nodes.length === 0 && (
          <Text c="dimmed" p="md">
            {t('tickets.none')}
          </Text>
        )}
      </Paper>
    </Stack>
  );
}
