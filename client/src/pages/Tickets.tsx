/** Tickets: filters and text search, newest first. */
import { Anchor, Group, MultiSelect, Paper, Stack, Switch, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { useQuery } from 'urql';
import { Link } from 'wouter';
import { graphql } from '../gql/index.ts';
import type { TicketPriority, TicketStatus } from '../gql/graphql.ts';
import { useI18n } from '../i18n.tsx';
import { useResync } from '../useResync.ts';
import { ExportLink, PriorityBadge } from '../ui.tsx';

const TicketsDoc = graphql(`
  query TicketList($filter: TicketFilter) {
    tickets(first: 50, filter: $filter) {
      totalCount
      nodes { id number subject status priority type createdAt customer { name } assignee { name } connection { id pppoeUsername } }
    }
  }
`);

const STATUSES: TicketStatus[] = ['OPEN', 'IN_PROGRESS', 'PENDING', 'WAITING_INTERNAL', 'RESOLVED', 'CLOSED', 'CANCELLED'];
const PRIORITIES: TicketPriority[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

export default function Tickets() {
  const { t, date } = useI18n();
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
      <Paper withBorder>
        <Table striped highlightOnHover data-testid="ticket-list">
          <Table.Thead>
            <Table.Tr>
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
