/** Incidents: those going on first, then history; MTTA and MTTR of the last 30 days. */
import { Anchor, Card, Group, SegmentedControl, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useMemo, useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import { Link } from 'wouter';
import { graphql } from '../gql/index.ts';
import { useI18n } from '../i18n.tsx';
import { IncidentKindBadge, IncidentStatusBadge, minutes } from '../incidents.tsx';
import { useResync } from '../useResync.ts';

const IncidentsDoc = graphql(`
  query IncidentsPage($active: Boolean, $from: DateTime!, $to: DateTime!) {
    incidents(active: $active, first: 100) {
      totalCount
      nodes { id number kind status title planned openedAt clearedAt affectedCount recoveredCount acknowledgedAt
        assignee { name } timeToAcknowledgeSeconds timeToResolveSeconds }
    }
    incidentStats(from: $from, to: $to) { count acknowledged resolved mttaSeconds mttrSeconds medianTtaSeconds medianTtrSeconds }
  }
`);

const Changes = graphql(`subscription IncidentsPageLive { incidentChanged { resync incidents { id status } } }`);

export default function Incidents() {
  const { t, date, number } = useI18n();
  const [scope, setScope] = useState<'active' | 'all'>('active');
  // The 30-day window is fixed for the life of the page (a new one would refetch forever).
  const period = useMemo(
    () => ({ from: new Date(Date.now() - 30 * 86_400_000).toISOString(), to: new Date(Date.now() + 86_400_000).toISOString() }),
    [],
  );
  const [{ data, error }, refetch] = useQuery({ query: IncidentsDoc, variables: { active: scope === 'active' ? true : null, ...period } });
  const again = () => refetch({ requestPolicy: 'network-only' });
  useResync(again);
  useSubscription({ query: Changes }, (_p, res) => {
    again();
    return res;
  });
  const stats = data?.incidentStats;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('incidents.title')}</Title>
        <SegmentedControl
          value={scope}
          onChange={(v) => setScope(v as 'active' | 'all')}
          data={[
            { value: 'active', label: t('incidents.active') },
            { value: 'all', label: t('incidents.all') },
          ]}
        />
      </Group>
      {stats && (
        <SimpleGrid cols={{ base: 2, md: 4 }}>
          <Card withBorder>
            <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
              {t('incidents.stats')}
            </Text>
            <Text fz={24} fw={700}>
              {t('incidents.count', { n: number(stats.count) })}
            </Text>
          </Card>
          <Card withBorder>
            <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
              {t('incidents.mtta')}
            </Text>
            <Text fz={24} fw={700} data-testid="mtta">
              {minutes(stats.mttaSeconds)}
            </Text>
            <Text size="xs" c="dimmed">
              p50 {minutes(stats.medianTtaSeconds)}
            </Text>
          </Card>
          <Card withBorder>
            <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
              {t('incidents.mttr')}
            </Text>
            <Text fz={24} fw={700} data-testid="mttr">
              {minutes(stats.mttrSeconds)}
            </Text>
            <Text size="xs" c="dimmed">
              p50 {minutes(stats.medianTtrSeconds)}
            </Text>
          </Card>
        </SimpleGrid>
      )}
      {error && !data && <Text c="red">{t('common.error', { message: error.message })}</Text>}
      <Card withBorder>
        <Table striped highlightOnHover data-testid="incident-list">
          <Table.Tbody>
            {(data?.incidents.nodes ?? []).map((i) => (
              <Table.Tr key={i.id}>
                <Table.Td w={150}>{date(i.openedAt)}</Table.Td>
                <Table.Td>
                  <Anchor component={Link} href={`/incidents/${encodeURIComponent(i.id)}`}>
                    #{i.number} {i.title}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Group gap={4} wrap="nowrap">
                    <IncidentKindBadge kind={i.kind} status={i.status} />
                    <IncidentStatusBadge status={i.status} />
                  </Group>
                </Table.Td>
                <Table.Td>{t('incident.affectedCount', { n: i.affectedCount, r: i.recoveredCount })}</Table.Td>
                <Table.Td>{i.assignee?.name ?? (i.acknowledgedAt ? '' : t('dash.unacknowledged'))}</Table.Td>
                <Table.Td>
                  <Text size="xs" c="dimmed">
                    {t('incidents.mtta')} {minutes(i.timeToAcknowledgeSeconds)} · {t('incidents.mttr')} {minutes(i.timeToResolveSeconds)}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        {data && data.incidents.nodes.length === 0 && <Text c="dimmed">{t('incidents.none')}</Text>}
      </Card>
    </Stack>
  );
}
