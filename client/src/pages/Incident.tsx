/**
 * One incident as a piece of work: state, cause and the evidence for it, who took it,
 * the affected customers, the timeline, linked tickets; acknowledge, assign, note,
 * resolve, close the linked tickets. Live: every change to it is pushed.
 */
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Grid,
  Group,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  Timeline,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { Link } from 'wouter';
import { graphql } from '../gql/index.ts';
import { useI18n } from '../i18n.tsx';
import { IncidentKindBadge, IncidentStatusBadge, minutes, timelineText } from '../incidents.tsx';
import { ExportLink, reportResult } from '../ui.tsx';
import { useResync } from '../useResync.ts';

const IncidentDoc = graphql(`
  query IncidentPage($id: ID!) {
    incident(id: $id) {
      id number kind status title planned openedAt classifiedAt clearedAt resolvedAt acknowledgedAt escalatedAt
      affectedCount recoveredCount timeToAcknowledgeSeconds timeToResolveSeconds
      acknowledgedBy { name } assignee { id name } resolvedBy { name }
      olt { id name } ponPort { id label } router { id name }
      maintenanceWindow { title endsAt }
      timeline(first: 100) { nodes { kind body data observedAt createdAt author { name } } }
      affected(first: 100) { totalCount nodes { subject affectedAt recoveredAt connection { id pppoeUsername customer { name phones { number } } } onu { serial } } }
      linkedTickets { automatic number subject status linkedAt }
    }
  }
`);

const PeopleDoc = graphql(`query IncidentPeople { users(first: 100) { nodes { id name role active } } }`);

const Live = graphql(`subscription IncidentPageLive { incidentChanged { resync incidents { id status affectedCount recoveredCount } } }`);

const Ack = graphql(
  `mutation IncidentAck($id: ID!, $note: String) { acknowledgeIncident(id: $id, note: $note) { __typename ... on Error { message } } }`,
);
const Assign = graphql(
  `mutation IncidentAssign($id: ID!, $to: ID) { assignIncident(id: $id, assigneeId: $to) { __typename ... on Error { message } } }`,
);
const Note = graphql(
  `mutation IncidentNote($id: ID!, $body: String!) { addIncidentNote(id: $id, body: $body) { __typename ... on Error { message } } }`,
);
const Resolve = graphql(
  `mutation IncidentResolve($id: ID!, $note: String!) { resolveIncident(id: $id, note: $note) { __typename ... on Error { message } } }`,
);
const CloseTickets = graphql(
  `mutation IncidentCloseTickets($id: ID!, $note: String!) { closeIncidentTickets(id: $id, note: $note) { __typename ... on Error { message } } }`,
);

const EVENT_COLOR: Record<string, string> = {
  SUSPECTED: 'yellow',
  CLASSIFIED: 'red',
  OPENED: 'red',
  WITHDRAWN: 'gray',
  GREW: 'orange',
  CLEARED: 'teal',
  REOPENED: 'red',
  EVIDENCE: 'blue',
  RESOLVED: 'teal',
  ESCALATED: 'orange',
};

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <div>{children}</div>
    </div>
  );
}

export default function IncidentPage({ id }: { id: string }) {
  const i18n = useI18n();
  const { t, date, number } = i18n;
  const [{ data, error }, refetch] = useQuery({ query: IncidentDoc, variables: { id } });
  const [{ data: people }] = useQuery({ query: PeopleDoc });
  const again = () => refetch({ requestPolicy: 'network-only' });
  useResync(again);
  useSubscription({ query: Live }, (_p, res) => {
    if (res.incidentChanged.resync || res.incidentChanged.incidents.some((i) => i.id === id)) again();
    return res;
  });
  const [ack, doAck] = useMutation(Ack);
  const [, doAssign] = useMutation(Assign);
  const [noting, doNote] = useMutation(Note);
  const [resolving, doResolve] = useMutation(Resolve);
  const [closing, doClose] = useMutation(CloseTickets);
  const [note, setNote] = useState('');
  const [resolution, setResolution] = useState('');
  const [closeNote, setCloseNote] = useState('');

  if (error && !data) return <Text c="red">{t('common.error', { message: error.message })}</Text>;
  if (!data) return <Text c="dimmed">{t('common.loading')}</Text>;
  const i = data.incident;
  if (!i) return <Text c="dimmed">{t('incidents.none')}</Text>;
  const active = i.status === 'SUSPECTED' || i.status === 'OPEN';
  const after = (ok: string) => (r: { data?: object | null; error?: { message: string } }) => {
    const result = r.data ? (Object.values(r.data)[0] as object) : null;
    const done = reportResult(result, r.error?.message, ok);
    again();
    return done;
  };
  const noc = (people?.users.nodes ?? []).filter((u) => u.active && (u.role === 'NOC' || u.role === 'ADMIN'));
  const place = i.ponPort ? `${i.olt?.name ?? ''} ${i.ponPort.label}` : (i.router?.name ?? '—');

  return (
    <Stack data-testid="incident-page">
      <Group justify="space-between" align="start">
        <div>
          <Text size="sm" c="dimmed">
            {t('incident.number', { n: i.number })}
          </Text>
          <Title order={2}>{i.title}</Title>
          <ExportLink kind="incident-customers" variables={{ incident: id }} />
        </div>
        <Group gap="xs">
          <IncidentKindBadge kind={i.kind} status={i.status} />
          <IncidentStatusBadge status={i.status} />
          {i.escalatedAt && <Badge color="orange">{t('incident.escalated', { when: date(i.escalatedAt, 'hm') })}</Badge>}
        </Group>
      </Group>
      {i.planned && i.maintenanceWindow && <Alert color="blue">{t('incident.planned', { title: i.maintenanceWindow.title })}</Alert>}
      {i.status === 'SUSPECTED' && <Alert color="yellow">{t('dash.suspected')}</Alert>}

      <Card withBorder>
        <SimpleGrid cols={{ base: 2, md: 4 }}>
          <Fact label={t('incident.cause')}>
            {t(`incident.${i.kind}` as never)}
            {i.status === 'SUSPECTED' ? ` (${t('incident.likely')})` : ''}
          </Fact>
          <Fact label={t('incident.place')}>{place}</Fact>
          <Fact label={t('incident.opened')}>{date(i.openedAt, 'long')}</Fact>
          <Fact label={t('incident.classified')}>{date(i.classifiedAt, 'long')}</Fact>
          <Fact label={t('incident.affected')}>
            <span data-testid="incident-affected">
              {t('incident.affectedCount', { n: number(i.affectedCount), r: number(i.recoveredCount) })}
            </span>
          </Fact>
          <Fact label={t('incident.cleared')}>{date(i.clearedAt, 'long')}</Fact>
          <Fact label={t('incident.tta')}>{minutes(i.timeToAcknowledgeSeconds)}</Fact>
          <Fact label={t('incident.ttr')}>{minutes(i.timeToResolveSeconds)}</Fact>
        </SimpleGrid>
      </Card>

      <Card withBorder>
        <Stack gap="sm">
          <Group justify="space-between">
            <Text data-testid="incident-owner">
              {i.acknowledgedBy && i.acknowledgedAt
                ? t('incident.acknowledgedBy', { name: i.acknowledgedBy.name, when: date(i.acknowledgedAt, 'hm') })
                : t('incident.notAcknowledged')}
            </Text>
            <Group gap="xs">
              {active && !i.acknowledgedAt && (
                <Button
                  color="red"
                  loading={ack.fetching}
                  data-testid="incident-ack"
                  onClick={async () => after(t('incident.acknowledged'))(await doAck({ id: i.id, note: note.trim() || null }))}
                >
                  {t('incident.acknowledge')}
                </Button>
              )}
              <Select
                aria-label={t('incident.assignee')}
                placeholder={t('incident.unassigned')}
                data={noc.map((u) => ({ value: u.id, label: u.name }))}
                value={i.assignee?.id ?? null}
                clearable
                w={220}
                onChange={async (v) => after(t('alerts.saved'))(await doAssign({ id: i.id, to: v }))}
              />
            </Group>
          </Group>
          <Textarea
            label={t('incident.note')}
            value={note}
            onChange={(e) => setNote(e.currentTarget.value)}
            autosize
            minRows={2}
            data-testid="incident-note"
          />
          <Group>
            <Button
              variant="default"
              disabled={!note.trim()}
              loading={noting.fetching}
              onClick={async () => {
                if (after(t('alerts.saved'))(await doNote({ id: i.id, body: note }))) setNote('');
              }}
            >
              {t('incident.addNote')}
            </Button>
          </Group>
          {!i.resolvedAt && i.status !== 'WITHDRAWN' && (
            <Group align="end">
              <Textarea
                label={t('incident.resolveNote')}
                value={resolution}
                onChange={(e) => setResolution(e.currentTarget.value)}
                autosize
                style={{ flex: 1 }}
                data-testid="incident-resolution"
              />
              <Button
                color="teal"
                disabled={!resolution.trim()}
                loading={resolving.fetching}
                data-testid="incident-resolve"
                onClick={async () => {
                  if (after(t('incident.resolvedOk'))(await doResolve({ id: i.id, note: resolution }))) setResolution('');
                }}
              >
                {t('incident.resolve')}
              </Button>
            </Group>
          )}
          {i.resolvedAt && i.resolvedBy && (
            <Text c="teal" data-testid="incident-resolved">
              {t('incident.resolved')}: {i.resolvedBy.name} · {date(i.resolvedAt, 'long')}
            </Text>
          )}
        </Stack>
      </Card>

      <Grid>
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <Card withBorder>
            <Title order={4} mb="sm">
              {t('incident.affected')} ({number(i.affected.totalCount)})
            </Title>
            <Table striped data-testid="incident-affected-list">
              <Table.Tbody>
                {i.affected.nodes.map((a) => (
                  <Table.Tr key={a.subject}>
                    <Table.Td>
                      {a.connection ? (
                        <Anchor component={Link} href={`/connections/${encodeURIComponent(a.connection.id)}`}>
                          {a.connection.customer?.name ?? a.connection.pppoeUsername}
                        </Anchor>
                      ) : (
                        a.subject
                      )}
                    </Table.Td>
                    <Table.Td c="dimmed">{a.connection?.customer?.phones[0]?.number ?? ''}</Table.Td>
                    <Table.Td c="dimmed">{a.onu?.serial ?? a.connection?.pppoeUsername ?? ''}</Table.Td>
                    <Table.Td w={110}>
                      <Badge size="sm" color={a.recoveredAt ? 'teal' : 'red'} variant="light" style={{ overflow: 'visible' }} miw={80}>
                        {a.recoveredAt ? t('incident.back') : t('incident.down')}
                      </Badge>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <Stack>
            <Card withBorder>
              <Title order={4} mb="sm">
                {t('incident.timeline')}
              </Title>
              <Timeline bulletSize={14} lineWidth={2} data-testid="incident-timeline">
                {i.timeline.nodes.map((e, n) => (
                  <Timeline.Item
                    // biome-ignore lint/suspicious/noArrayIndexKey: entries have no id; the list only grows at the end
                    key={n}
                    color={EVENT_COLOR[e.kind] ?? 'gray'}
                    title={t(`ievent.${e.kind}` as never)}
                    data-kind={e.kind}
                  >
                    <Text size="sm">{timelineText(e, i18n)}</Text>
                    <Text size="xs" c="dimmed">
                      {date(e.observedAt, 'time')}
                      {e.author ? ` · ${e.author.name}` : ''}
                      {e.observedAt !== e.createdAt && (e.kind === 'CLASSIFIED' || e.kind === 'EVIDENCE')
                        ? ` · ${t('incident.observed', { when: date(e.observedAt, 'time') })}`
                        : ''}
                    </Text>
                  </Timeline.Item>
                ))}
              </Timeline>
            </Card>
            <Card withBorder>
              <Title order={4} mb="sm">
                {t('incident.tickets')}
              </Title>
              {i.linkedTickets.length === 0 ? (
                <Text c="dimmed">{t('incident.noTickets')}</Text>
              ) : (
                <Table data-testid="incident-tickets">
                  <Table.Tbody>
                    {i.linkedTickets.map((l) => (
                      <Table.Tr key={l.number}>
                        <Table.Td>#{l.number}</Table.Td>
                        <Table.Td>{l.subject}</Table.Td>
                        <Table.Td>
                          <Badge variant="light" color={l.status === 'CLOSED' ? 'gray' : 'blue'}>
                            {t(`ticketStatus.${l.status}` as never)}
                          </Badge>
                        </Table.Td>
                        <Table.Td c="dimmed">{l.automatic ? t('incident.auto') : ''}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
              {!active && i.linkedTickets.some((l) => l.status !== 'CLOSED' && l.status !== 'CANCELLED') && (
                <Stack gap="xs" mt="sm">
                  <Textarea
                    label={t('incident.closeNote')}
                    value={closeNote}
                    onChange={(e) => setCloseNote(e.currentTarget.value)}
                    autosize
                  />
                  <Button
                    disabled={!closeNote.trim()}
                    loading={closing.fetching}
                    data-testid="incident-close-tickets"
                    onClick={async () => {
                      if (after(t('incident.ticketsClosed'))(await doClose({ id: i.id, note: closeNote }))) setCloseNote('');
                    }}
                  >
                    {t('incident.closeTickets')}
                  </Button>
                </Stack>
              )}
            </Card>
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
