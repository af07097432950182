/**
 * The NOC dashboard: live counts, OLTs and PON ports coloured by what the NOC must act on
 * (with the legend), incidents going on with the customers they affect, a feed of changes,
 * sync freshness, and a browser notification (and sound) for a new incident while the tab
 * is in the background.
 *
 * Built to stay responsive with thousands of PON ports and storms of changes: the pushed
 * summary carries only counts (per network and per OLT); the PON port grid comes from a
 * query refreshed at most every 10 s while things change; each panel is its own component
 * so a feed message re-renders the feed, not the grid; ports are plain cells, not widgets.
 */
import { Anchor, Badge, Button, Card, Group, Paper, ScrollArea, SimpleGrid, Stack, Switch, Table, Text, Title } from '@mantine/core';
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import { Link, useLocation } from 'wouter';
import { graphql } from '../gql/index.ts';
import type { DashboardQuery } from '../gql/graphql.ts';
import { useI18n } from '../i18n.tsx';
import { useBrowserAlerts } from '../browserAlerts.ts';
import { IncidentKindBadge, IncidentStatusBadge } from '../incidents.tsx';
import { useResync } from '../useResync.ts';
import { StatusBadge } from '../ui.tsx';
import FirstSync from './FirstSync.tsx';

const Summary = graphql(`
  fragment DashboardSummaryFields on NetworkSummary {
    at
    sessionsUp
    openIncidents
    routersUnreachable
    onus { total online offline los powerFail unknown }
    olts { id name statusCounts { total online los powerFail offline } }
  }
`);
void Summary;

const DashboardDoc = graphql(`
  query Dashboard {
    networkSummary { ...DashboardSummaryFields olts { id ponPorts { id label health statusCounts { total online los powerFail offline badSignal } } } }
    incidents(active: true, first: 20) {
      nodes { id number kind status title openedAt acknowledgedAt planned affectedCount recoveredCount ponPort { id label } router { id name }
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
  subscription DashboardFeed { onuStatusChanged { resync onus { id serial name status { value } ponPort { label } connection { id pppoeUsername } } } }
`);

const IncidentSub = graphql(`
  subscription DashboardIncidents { incidentChanged { resync incidents { id number kind status title planned affectedCount recoveredCount } } }
`);

type Counts = { total: number; online: number; los: number; powerFail: number; offline: number };
type Olt = DashboardQuery['networkSummary']['olts'][number];
type Health = 'INCIDENT' | 'PLANNED' | 'DOWN' | 'SIGNAL' | 'OK' | 'EMPTY';

/** An OLT's badge: red when a share of it is dark, else teal (offline ONUs do not count). */
function oltColor(c: Counts): string {
  if (!c.total) return 'gray';
  return (c.los + c.powerFail) / c.total >= 0.1 ? 'red' : 'teal';
}

/** PON port cells by what the NOC must act on (server-side rule: PonPort.health). */
const CELL: Record<Health, React.CSSProperties> = {
  INCIDENT: { background: 'var(--mantine-color-red-filled)', color: 'white' },
  DOWN: { background: 'var(--mantine-color-orange-filled)', color: 'white' },
  SIGNAL: { background: 'var(--mantine-color-yellow-filled)', color: 'var(--mantine-color-black)' },
  PLANNED: { background: 'var(--mantine-color-blue-light)', color: 'var(--mantine-color-blue-light-color)' },
  OK: { background: 'var(--mantine-color-teal-light)', color: 'var(--mantine-color-teal-light-color)' },
  EMPTY: { background: 'var(--mantine-color-default-border)' },
};
const LEGEND: Health[] = ['INCIDENT', 'DOWN', 'SIGNAL', 'PLANNED', 'OK'];

function Legend() {
  const { t } = useI18n();
  return (
    <Group gap="md" mt="sm" data-testid="port-legend" aria-label={t('dash.legend')}>
      {LEGEND.map((h) => (
        <Group key={h} gap={4} wrap="nowrap">
          <span style={{ ...CELL[h], display: 'inline-block', width: 14, height: 14, borderRadius: 3 }} />
          <Text size="xs">{t(`health.${h}` as never)}</Text>
        </Group>
      ))}
    </Group>
  );
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

/** Every OLT with its PON ports as small coloured cells (hover: counts; click: its ONUs). */
const OltGrid = memo(function OltGrid({ olts, live }: { olts: Olt[]; live: Map<string, Counts> }) {
  const { t } = useI18n();
  const [, navigate] = useLocation();
  return (
    <Stack gap="sm">
      {olts.map((olt) => {
        const counts = live.get(olt.id) ?? olt.statusCounts;
        return (
          <div key={olt.id}>
            <Group gap="xs" mb={4}>
              <Text fw={600} size="sm">
                {olt.name}
              </Text>
              <Badge size="sm" color={oltColor(counts)} variant="light">
                {counts.online}/{counts.total}
              </Badge>
            </Group>
            <div style={{ display: 'flex', flexWrap: 'wrap', gap: 3 }}>
              {olt.ponPorts.map((p) => {
                const h = p.health as Health;
                return (
                  <a
                    key={p.id}
                    href={`/onus?ponPortId=${encodeURIComponent(p.id)}`}
                    data-testid="pon-port"
                    data-health={h}
                    title={`${p.label} · ${t(`health.${h}` as never)}: ${p.statusCounts.online} online · ${p.statusCounts.los} LOS · ${p.statusCounts.powerFail} ${t('status.POWER_FAIL')} · ${p.statusCounts.offline} offline · ${p.statusCounts.badSignal} ${t('signal.CRITICAL')}`}
                    onClick={(e) => {
                      e.preventDefault();
                      navigate(`/onus?ponPortId=${encodeURIComponent(p.id)}`);
                    }}
                    style={{
                      ...CELL[h],
                      cursor: 'pointer',
                      borderRadius: 3,
                      fontSize: 10,
                      lineHeight: '16px',
                      padding: '0 4px',
                      minWidth: 30,
                      textAlign: 'center',
                      textDecoration: 'none',
                    }}
                  >
                    {p.label.split(' ').pop()}
                  </a>
                );
              })}
            </div>
          </div>
        );
      })}
    </Stack>
  );
});

interface FeedItem {
  key: string;
  at: string;
  serial: string;
  status: string;
  port: string | null;
  connectionId: string | null;
  username: string | null;
}

const FEED_ROWS = 60;

/** The live feed keeps its own state: its messages re-render only itself. */
function LiveFeed({ onResync }: { onResync(): void }) {
  const { t, date } = useI18n();
  const [feed, setFeed] = useState<FeedItem[]>([]);
  useSubscription({ query: FeedSub }, (_prev, res) => {
    const batch = res.onuStatusChanged;
    if (batch.resync) onResync();
    const now = new Date().toISOString();
    const items = batch.onus.slice(0, FEED_ROWS).map((o) => ({
      key: `${o.id}-${now}`,
      at: now,
      serial: o.serial,
      status: o.status.value,
      port: o.ponPort?.label ?? null,
      connectionId: o.connection?.id ?? null,
      username: o.connection?.pppoeUsername ?? o.name ?? null,
    }));
    setFeed((old) => [...items, ...old].slice(0, FEED_ROWS));
    return res;
  });
  return (
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
                  <Table.Td>
                    {f.connectionId ? (
                      <Link href={`/connections/${encodeURIComponent(f.connectionId)}`}>{f.username ?? f.serial}</Link>
                    ) : (
                      (f.username ?? f.serial)
                    )}
                  </Table.Td>
                  <Table.Td c="dimmed">{f.serial}</Table.Td>
                  <Table.Td c="dimmed">{f.port}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </ScrollArea>
    </Card>
  );
}

function Incidents({ incidents }: { incidents: DashboardQuery['incidents']['nodes'] }) {
  const { t, ago } = useI18n();
  return (
    <Card withBorder>
      <Group justify="space-between" mb="sm">
        <Title order={4}>{t('dash.incidents')}</Title>
        <Anchor component={Link} href="/incidents" size="sm">
          {t('incidents.all')}
        </Anchor>
      </Group>
      <Stack gap="sm" data-testid="incidents">
        {incidents.length === 0 && <Text c="dimmed">{t('dash.noIncidents')}</Text>}
        {incidents.map((i) => (
          <Paper key={i.id} withBorder p="sm" data-testid="incident" data-incident-status={i.status}>
            <Group justify="space-between" wrap="nowrap">
              <Anchor component={Link} href={`/incidents/${encodeURIComponent(i.id)}`} fw={600} size="sm">
                {i.title}
              </Anchor>
              <Group gap={4} wrap="nowrap" style={{ flexShrink: 0 }}>
                <IncidentKindBadge kind={i.kind} status={i.status} />
                {i.status === 'SUSPECTED' && <IncidentStatusBadge status={i.status} />}
              </Group>
            </Group>
            <Text size="xs" c="dimmed">
              {ago(i.openedAt)} · {t('dash.affected', { n: i.affectedCount })} · {t('dash.recovered', { n: i.recoveredCount })}
              {i.status === 'SUSPECTED' ? ` · ${t('dash.suspected')}` : ''}
            </Text>
            {!i.acknowledgedAt && !i.planned && (
              <Badge size="xs" color="red" variant="outline" mt={4}>
                {t('dash.unacknowledged')}
              </Badge>
            )}
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
  );
}

/** Allow browser notifications, and turn the sound on or off. */
function AlertControls({ alerts }: { alerts: ReturnType<typeof useBrowserAlerts> }) {
  const { t } = useI18n();
  return (
    <Group gap="sm">
      {alerts.permission === 'granted' ? (
        <Badge variant="light" color="teal" data-testid="browser-alerts">
          {t('dash.browserAlertsOn')}
        </Badge>
      ) : alerts.permission === 'denied' ? (
        <Badge variant="light" color="gray" data-testid="browser-alerts">
          {t('dash.browserAlertsDenied')}
        </Badge>
      ) : alerts.permission === 'default' ? (
        <Button size="xs" variant="default" onClick={() => void alerts.request()} data-testid="browser-alerts">
          {t('dash.browserAlerts')}
        </Button>
      ) : null}
      <Switch size="xs" label={t('dash.sound')} checked={alerts.sound} onChange={(e) => alerts.setSound(e.currentTarget.checked)} />
    </Group>
  );
}

function Freshness({ data }: { data: DashboardQuery }) {
  const { t, ago, number } = useI18n();
  const bySource = useMemo(() => {
    const out = new Map<string, { last: string | null; failing: boolean; error: string | null }>();
    for (const f of data.sourceFreshness) {
      if (f.kind !== 'INVENTORY' && f.kind !== 'ONU_STATUS' && f.kind !== 'SESSIONS') continue;
      const cur = out.get(f.source) ?? { last: null, failing: false, error: null };
      if (f.lastSuccessAt && (!cur.last || f.lastSuccessAt > cur.last)) cur.last = f.lastSuccessAt;
      if (f.failing) {
        cur.failing = true;
        cur.error = f.lastError ?? cur.error;
      }
      out.set(f.source, cur);
    }
    return out;
  }, [data.sourceFreshness]);
  return (
    <Card withBorder>
      <Title order={4} mb="sm">
        {t('dash.freshness')}
      </Title>
      <Table>
        <Table.Tbody>
          {['ISPCUBE', 'ROUTEROS', 'SMARTOLT'].map((s) => {
            const f = bySource.get(s);
            return (
              <Table.Tr key={s}>
                <Table.Td>{s}</Table.Td>
                <Table.Td>
                  <Text size="sm" c={f?.failing ? 'red' : undefined}>
                    {f?.last ? ago(f.last) : t('fresh.never')}
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
          <Table.Tr>
            <Table.Td>{t('dash.budget')}</Table.Td>
            <Table.Td>
              {t('dash.budgetLeft', { left: number(data.smartoltBudget.remaining), limit: number(data.smartoltBudget.limit) })}
            </Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
    </Card>
  );
}

const TopTalkersDoc = graphql(`
  query TopTalkers {
    topTalkers(limit: 8) { at downBps upBps router { name } connection { id pppoeUsername customer { name } } }
  }
`);

/** The heaviest users in the last sampled five minutes (refreshed every five minutes). */
function TopTalkers() {
  const { locale, number } = useI18n();
  const [{ data }, refetch] = useQuery({ query: TopTalkersDoc });
  useEffect(() => {
    const timer = setInterval(() => refetch({ requestPolicy: 'network-only' }), 300_000);
    return () => clearInterval(timer);
  }, [refetch]);
  const rows = data?.topTalkers ?? [];
  return (
    <Card withBorder data-testid="top-talkers">
      <Title order={4} mb="sm">
        {locale === 'es' ? 'Mayor consumo (últimos 5 min)' : 'Top talkers (last 5 min)'}
      </Title>
      {rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          {locale === 'es' ? 'Todavía sin muestras de tráfico' : 'No traffic samples yet'}
        </Text>
      ) : (
        <Table>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={`${r.router?.name}-${r.connection?.id}`}>
                <Table.Td>
                  {r.connection ? (
                    <Anchor component={Link} href={`/connections/${encodeURIComponent(r.connection.id)}`}>
                      {r.connection.customer.name}
                    </Anchor>
                  ) : (
                    '—'
                  )}
                </Table.Td>
                <Table.Td>{r.router?.name}</Table.Td>
                <Table.Td>
                  ↓ {number(Math.round(r.downBps / 1e5) / 10)} ↑ {number(Math.round(r.upBps / 1e5) / 10)} Mbps
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}

export default function Dashboard() {
  const { t, number, date } = useI18n();
  const [, navigate] = useLocation();
  const [{ data, error }, refetch] = useQuery({ query: DashboardDoc });
  const alerts = useBrowserAlerts((id) => navigate(`/incidents/${encodeURIComponent(id)}`));
  // Incidents already known (on screen, or announced): only a new one is announced.
  const known = useRef<Set<string> | null>(null);
  if (known.current === null && data) known.current = new Set(data.incidents.nodes.map((i) => i.id));
  const refetchNow = useMemo(() => () => refetch({ requestPolicy: 'network-only' }), [refetch]);
  useResync(refetchNow);
  // The PON port grid is refreshed at most every 10 s while the network changes.
  const lastRefresh = useRef(Date.now());
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  const refreshSoon = useMemo(
    () => () => {
      if (pending.current) return;
      const wait = Math.max(0, lastRefresh.current + 10_000 - Date.now());
      pending.current = setTimeout(() => {
        pending.current = null;
        lastRefresh.current = Date.now();
        refetchNow();
      }, wait);
    },
    [refetchNow],
  );
  useEffect(() => () => void (pending.current && clearTimeout(pending.current)), []);
  const [summaryLive] = useSubscription({ query: SummarySub }, (_p, res) => {
    refreshSoon();
    return res;
  });
  useSubscription({ query: IncidentSub }, (_p, res) => {
    // A new or cleared incident: its card needs the affected customers now.
    refetchNow();
    for (const i of res.incidentChanged.incidents) {
      if (!known.current || known.current.has(i.id) || i.planned || (i.status !== 'SUSPECTED' && i.status !== 'OPEN')) continue;
      known.current.add(i.id);
      alerts.announce({
        id: i.id,
        title: `${t('incident.newTitle')}: ${t(`incident.${i.kind}` as never)} · ${t(`incidentStatus.${i.status}` as never)}`,
        body: `${i.title} — ${t('dash.affected', { n: i.affectedCount })}`,
      });
    }
    return res;
  });

  const summary = summaryLive.data?.networkSummary ?? data?.networkSummary;
  const liveOltCounts = useMemo(
    () => new Map((summaryLive.data?.networkSummary.olts ?? []).map((o) => [o.id, o.statusCounts])),
    [summaryLive.data],
  );
  if (error && !data) return <Text c="red">{t('common.error', { message: error.message })}</Text>;
  if (!summary || !data) return <Text c="dimmed">{t('common.loading')}</Text>;
  const c = summary.onus;
  return (
    <Stack>
      {c.total === 0 && <FirstSync />}
      <Group justify="space-between">
        <Title order={2}>{t('dash.title')}</Title>
        <Group gap="lg">
          <AlertControls alerts={alerts} />
          <Text size="sm" c="dimmed" data-testid="summary-at">
            {t('dash.asOf', { time: date(summary.at, 'time') })}
          </Text>
        </Group>
      </Group>
      <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }}>
        <Stat label={t('status.ONLINE')} value={number(c.online)} color="teal" testId="count-online" />
        <Stat label={t('status.LOS')} value={number(c.los)} color={c.los ? 'red' : undefined} testId="count-los" />
        <Stat
          label={t('status.POWER_FAIL')}
          value={number(c.powerFail)}
          color={c.powerFail ? 'orange' : undefined}
          testId="count-powerfail"
        />
        <Stat label={t('status.OFFLINE')} value={number(c.offline)} testId="count-offline" />
        <Stat label={t('dash.sessionsUp')} value={number(summary.sessionsUp)} testId="count-sessions" />
        <Stat
          label={t('dash.incidents')}
          value={number(summary.openIncidents)}
          color={summary.openIncidents ? 'red' : undefined}
          testId="count-incidents"
        />
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, lg: 3 }}>
        <Card withBorder style={{ gridColumn: 'span 2' }}>
          <Title order={4} mb="sm">
            {t('dash.olts')}
          </Title>
          <ScrollArea.Autosize mah={520}>
            <OltGrid olts={data.networkSummary.olts} live={liveOltCounts} />
          </ScrollArea.Autosize>
          <Legend />
        </Card>
        <Stack>
          <Incidents incidents={data.incidents.nodes} />
          <TopTalkers />
          <Freshness data={data} />
        </Stack>
      </SimpleGrid>
      <LiveFeed onResync={refetchNow} />
    </Stack>
  );
}
