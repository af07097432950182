/**
 * The NOC dashboard: live counts, OLTs and PON ports coloured by health, open incidents
 * with the customers they affect, a feed of changes, and sync freshness. Everything moves
 * by subscription; a resync (or a reconnection) refetches.
 */
import { Badge, Card, Group, Paper, ScrollArea, SimpleGrid, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import { Link } from 'wouter';
import { graphql } from '../gql/index.ts';
import type { DashboardQuery, DashboardSummarySubscription } from '../gql/graphql.ts';
import { useI18n } from '../i18n.tsx';
import { useResync } from '../live.ts';
import { StatusBadge } from '../ui.tsx';

const Summary = graphql(`
  fragment DashboardSummaryFields on NetworkSummary {
    at
    sessionsUp
    openIncidents
    routersUnreachable
    onus { total online offline los powerFail unknown }
    olts { id name statusCounts { total online los powerFail offline } ponPorts { id label statusCounts { total online los powerFail offline } } }
  }
`);
void Summary;

const DashboardDoc = graphql(`
  query Dashboard {
    networkSummary { ...DashboardSummaryFields }
    incidents(status: OPEN, first: 20) {
      nodes { id kind title openedAt affectedCount recoveredCount ponPort { id label } router { id name }
        affected(first: 5) { nodes { subject connection { id pppoeUsername customer { name } } } } }
    }
    sourceFreshness { source kind scopeKey lastSuccessAt lastError failing ageSeconds }
    smartoltBudget { calls limit remaining rateLimitedUntil }
  }
`);

const SummarySub = graphql(`
  subscription DashboardSummary { networkSummary { ...DashboardSummaryFields } }
`);

const FeedSub = graphql(`
  subscription DashboardFeed { onuStatusChanged { resync onus { id serial name status { value since } ponPort { label } connection { id pppoeUsername } } } }
`);

const IncidentSub = graphql(`
  subscription DashboardIncidents { incidentChanged { resync incidents { id status affectedCount recoveredCount } } }
`);

type Counts = { total: number; online: number; los: number; powerFail: number; offline: number };

function health(c: Counts): { color: string; label: string } {
  if (!c.total) return { color: 'gray', label: '—' };
  const down = c.los + c.powerFail;
  if (down / c.total >= 0.3) return { color: 'red', label: `${down}/${c.total}` };
  if (down > 0) return { color: 'orange', label: `${down}/${c.total}` };
  return { color: 'teal', label: `${c.online}/${c.total}` };
}

function Stat({ label, value, color, testId }: { label: string; value: string; color?: string; testId: string }) {
  return (
    <Paper withBorder p="md" radius="md">
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      <Text fz={28} fw={700} c={color} data-testid={testId}>
        {value}
      </Text>
    </Paper>
  );
}

interface FeedItem {
  key: string;
  at: string;
  serial: string;
  status: string;
  port: string | null;
  connectionId: string | null;
  username: string | null;
}

export default function Dashboard() {
  const { t, number, date, ago } = useI18n();
  const [{ data, error }, refetch] = useQuery({ query: DashboardDoc });
  useResync(() => refetch({ requestPolicy: 'network-only' }));
  const [summaryLive] = useSubscription({ query: SummarySub });
  const [feed, setFeed] = useState<FeedItem[]>([]);
  useSubscription({ query: FeedSub }, (_prev, res) => {
    const batch = res.onuStatusChanged;
    if (batch.resync) refetch({ requestPolicy: 'network-only' });
    const now = new Date().toISOString();
    setFeed((old) =>
      [
        ...batch.onus.map((o) => ({
          key: `${o.id}-${now}`,
          at: now,
          serial: o.serial,
          status: o.status.value,
          port: o.ponPort?.label ?? null,
          connectionId: o.connection?.id ?? null,
          username: o.connection?.pppoeUsername ?? o.name ?? null,
        })),
        ...old,
      ].slice(0, 100),
    );
    return res;
  });
  useSubscription({ query: IncidentSub }, (_p, res) => {
    // New incidents need their affected customers: refetch the list.
    refetch({ requestPolicy: 'network-only' });
    return res;
  });
  const [, tick] = useState(0);
  useEffect(() => {
    const i = setInterval(() => tick((n) => n + 1), 15_000);
    return () => clearInterval(i);
  }, []);

  const summary: DashboardSummarySubscription['networkSummary'] | DashboardQuery['networkSummary'] | undefined = summaryLive.data?.networkSummary ?? data?.networkSummary;
  const freshness = useMemo(() => {
    const bySource = new Map<string, { last: string | null; failing: boolean; error: string | null }>();
    for (const f of data?.sourceFreshness ?? []) {
      if (f.kind !== 'INVENTORY' && f.kind !== 'ONU_STATUS' && f.kind !== 'SESSIONS') continue;
      const cur = bySource.get(f.source) ?? { last: null, failing: false, error: null };
      if (f.lastSuccessAt && (!cur.last || f.lastSuccessAt > cur.last)) cur.last = f.lastSuccessAt;
      if (f.failing) {
        cur.failing = true;
        cur.error = f.lastError ?? cur.error;
      }
      bySource.set(f.source, cur);
    }
    return bySource;
  }, [data?.sourceFreshness]);

  if (error && !data) return <Text c="red">{t('common.error', { message: error.message })}</Text>;
  if (!summary) return <Text c="dimmed">{t('common.loading')}</Text>;
  const c = summary.onus;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('dash.title')}</Title>
        <Text size="sm" c="dimmed" data-testid="summary-at">
          {t('dash.asOf', { time: date(summary.at, 'time') })}
        </Text>
      </Group>
      <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }}>
        <Stat label={t('status.ONLINE')} value={number(c.online)} color="teal" testId="count-online" />
        <Stat label={t('status.LOS')} value={number(c.los)} color={c.los ? 'red' : undefined} testId="count-los" />
        <Stat label={t('status.POWER_FAIL')} value={number(c.powerFail)} color={c.powerFail ? 'orange' : undefined} testId="count-powerfail" />
        <Stat label={t('status.OFFLINE')} value={number(c.offline)} testId="count-offline" />
        <Stat label={t('dash.sessionsUp')} value={number(summary.sessionsUp)} testId="count-sessions" />
        <Stat label={t('dash.incidents')} value={number(summary.openIncidents)} color={summary.openIncidents ? 'red' : undefined} testId="count-incidents" />
      </SimpleGrid>

      <SimpleGrid cols={{ base: 1, lg: 3 }}>
        <Card withBorder style={{ gridColumn: 'span 2' }}>
          <Title order={4} mb="sm">
            {t('dash.olts')}
          </Title>
          <Stack gap="sm">
            {summary.olts.map((olt) => (
              <div key={olt.id}>
                <Group gap="xs" mb={4}>
                  <Text fw={600} size="sm">
                    {olt.name}
                  </Text>
                  <Badge size="sm" color={health(olt.statusCounts).color} variant="light">
                    {health(olt.statusCounts).label}
                  </Badge>
                </Group>
                <Group gap={4}>
                  {olt.ponPorts.map((p) => {
                    const h = health(p.statusCounts);
                    return (
                      <Tooltip key={p.id} label={`${p.label}: ${p.statusCounts.online} online · ${p.statusCounts.los} LOS · ${p.statusCounts.powerFail} ${t('status.POWER_FAIL')}`}>
                        <Badge component={Link} href={`/onus?ponPortId=${encodeURIComponent(p.id)}`} color={h.color} variant={h.color === 'teal' ? 'light' : 'filled'} radius="sm" size="sm" style={{ cursor: 'pointer' }} data-testid="pon-port" data-health={h.color}>
                          {p.label.split(' ').pop()}
                        </Badge>
                      </Tooltip>
                    );
                  })}
                </Group>
              </div>
            ))}
          </Stack>
        </Card>
        <Stack>
          <Card withBorder>
            <Title order={4} mb="sm">
              {t('dash.incidents')}
            </Title>
            <Stack gap="sm" data-testid="incidents">
              {(data?.incidents.nodes ?? []).length === 0 && <Text c="dimmed">{t('dash.noIncidents')}</Text>}
              {(data?.incidents.nodes ?? []).map((i) => (
                <Paper key={i.id} withBorder p="sm" data-testid="incident">
                  <Group justify="space-between" wrap="nowrap">
                    <Text fw={600} size="sm">
                      {i.title}
                    </Text>
                    <Badge color={i.kind === 'POWER_OUTAGE' ? 'orange' : 'red'} style={{ flexShrink: 0 }}>
                      {t(`incident.${i.kind}` as never)}
                    </Badge>
                  </Group>
                  <Text size="xs" c="dimmed">
                    {ago(i.openedAt)} · {t('dash.affected', { n: i.affectedCount })} · {t('dash.recovered', { n: i.recoveredCount })}
                  </Text>
                  <Text size="xs" mt={4}>
                    {i.affected.nodes
                      .map((a) => a.connection?.customer?.name ?? a.subject)
                      .slice(0, 5)
                      .join(', ')}
                    {i.affectedCount > 5 ? '…' : ''}
                  </Text>
                </Paper>
              ))}
            </Stack>
          </Card>
          <Card withBorder>
            <Title order={4} mb="sm">
              {t('dash.freshness')}
            </Title>
            <Table>
              <Table.Tbody>
                {['ISPCUBE', 'ROUTEROS', 'SMARTOLT'].map((s) => {
                  const f = freshness.get(s);
                  return (
                    <Table.Tr key={s}>
                      <Table.Td>{s}</Table.Td>
                      <Table.Td>
                        <Text size="sm" c={f?.failing ? 'red' : undefined}>
                          {f?.last ? t('fresh.ago', { age: ago(f.last).replace(/^hace |ago$/, '').trim() }) : t('fresh.never')}
                        </Text>
                        {f?.failing && f.error && (
                          <Text size="xs" c="red" lineClamp={2}>
                            {t('fresh.error', { error: f.error })}
                          </Text>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
                {data?.smartoltBudget && (
                  <Table.Tr>
                    <Table.Td>{t('dash.budget')}</Table.Td>
                    <Table.Td>{t('dash.budgetLeft', { left: number(data.smartoltBudget.remaining), limit: number(data.smartoltBudget.limit) })}</Table.Td>
                  </Table.Tr>
                )}
              </Table.Tbody>
            </Table>
          </Card>
        </Stack>
      </SimpleGrid>

      <Card withBorder>
        <Title order={4} mb="sm">
          {t('dash.feed')}
        </Title>
        <ScrollArea h={260}>
          {feed.length === 0 ? (
            <Text c="dimmed">{t('dash.feedEmpty')}</Text>
          ) : (
            <Table striped data-testid="feed">
              <Table.Tbody>
                {feed.map((f) => (
                  <Table.Tr key={f.key}>
                    <Table.Td w={90}>{date(f.at, 'time')}</Table.Td>
                    <Table.Td w={130}>
                      <StatusBadge status={f.status} />
                    </Table.Td>
                    <Table.Td>{f.connectionId ? <Link href={`/connections/${encodeURIComponent(f.connectionId)}`}>{f.username ?? f.serial}</Link> : (f.username ?? f.serial)}</Table.Td>
                    <Table.Td c="dimmed">{f.serial}</Table.Td>
                    <Table.Td c="dimmed">{f.port}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </ScrollArea>
      </Card>
    </Stack>
  );
}
