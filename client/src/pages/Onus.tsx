/**
 * ONUs, filtered by OLT / PON port / status / signal. The list is virtualised (only the
 * rows on screen exist in the DOM) and fetches the next page of 100 as you approach the
 * end, so 10,000 rows scroll smoothly. Status changes arrive by subscription and update
 * rows in place (normalised cache).
 */
import { Group, MultiSelect, Paper, Select, Stack, Text, Title } from '@mantine/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import { Link, useLocation, useSearch } from 'wouter';
import { graphql } from '../gql/index.ts';
import type { OnuStatus, SignalLevel } from '../gql/graphql.ts';
import { useI18n } from '../i18n.tsx';
import { useResync } from '../useResync.ts';
import { ExportLink, SignalBadge, StatusBadge } from '../ui.tsx';

const OltsDoc = graphql(`
  query OnuFilters { olts { id name ponPorts { id label } } }
`);

const OnusDoc = graphql(`
  query OnuList($filter: OnuFilter, $after: String) {
    onus(first: 100, after: $after, filter: $filter, orderBy: { field: PON_POSITION, direction: ASC }) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        id serial name
        status { value since }
        signal { rxPower level }
        ponPort { label }
        connection { id pppoeUsername customer { name } }
      }
    }
  }
`);

const OnuLive = graphql(`
  subscription OnuListLive { onuStatusChanged { resync onus { id status { value since } signal { rxPower level } } } }
`);

const STATUSES: OnuStatus[] = ['ONLINE', 'OFFLINE', 'LOS', 'POWER_FAIL', 'UNKNOWN'];
const LEVELS: SignalLevel[] = ['GOOD', 'WARNING', 'CRITICAL', 'OVERLOAD', 'UNKNOWN'];
const ROW = 40;

export default function Onus() {
  const { t, date } = useI18n();
  const [location, navigate] = useLocation();
  const params = new URLSearchParams(useSearch());
  const oltId = params.get('oltId');
  const ponPortId = params.get('ponPortId');
  const status = (params.get('status')?.split(',').filter(Boolean) ?? []) as OnuStatus[];
  const signal = (params.get('signal')?.split(',').filter(Boolean) ?? []) as SignalLevel[];
  const setParam = (key: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    if (key === 'oltId') next.delete('ponPortId');
    navigate(`${location}?${next.toString()}`, { replace: true });
  };
  // Keyed on the filter's values (arrays by content), so a re-render with equal values keeps the query.
  // biome-ignore lint/correctness/useExhaustiveDependencies: see above
  const filter = useMemo(
    () => ({
      ...(oltId ? { oltId } : {}),
      ...(ponPortId ? { ponPortId } : {}),
      ...(status.length ? { status } : {}),
      ...(signal.length ? { signalLevel: signal } : {}),
    }),
    [oltId, ponPortId, status.join(), signal.join()],
  );
  const [olts] = useQuery({ query: OltsDoc });
  // Graphcache's relayPagination merges the pages: moving `after` forward extends the list.
  const [after, setAfter] = useState<string | null>(null);
  // A new filter starts again from the first page.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the filter is the trigger, not an input
  useEffect(() => setAfter(null), [filter]);
  const [{ data, fetching }, fetchPage] = useQuery({ query: OnusDoc, variables: { filter, after } });
  useResync(() => fetchPage({ requestPolicy: 'network-only' }));
  useSubscription({ query: OnuLive }, (_p, res) => {
    if (res.onuStatusChanged.resync) fetchPage({ requestPolicy: 'network-only' });
    return res;
  });

  const rows = data?.onus.nodes ?? [];
  const parentRef = useRef<HTMLElement>(null);
  const headerRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => parentRef.current,
    estimateSize: () => ROW,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const last = items.at(-1)?.index ?? 0;
  useEffect(() => {
    const page = data?.onus.pageInfo;
    if (page?.hasNextPage && !fetching && last >= rows.length - 30 && page.endCursor !== after) setAfter(page.endCursor ?? null);
  }, [last, rows.length, data?.onus.pageInfo, fetching, after]);

  const oltOptions = (olts.data?.olts ?? []).map((o) => ({ value: o.id, label: o.name }));
  const portOptions = (olts.data?.olts ?? [])
    .filter((o) => !oltId || o.id === oltId)
    .flatMap((o) => o.ponPorts.map((p) => ({ value: p.id, label: p.label })));
  const cols = '150px 1fr 130px 130px 110px 1fr';

  return (
    <Stack h="calc(100vh - 100px)">
      <Group justify="space-between">
        <Title order={2}>{t('onus.title')}</Title>
        <Group>
          <Text c="dimmed" data-testid="onu-count">
            {t('onus.count', { shown: rows.length, total: data?.onus.totalCount ?? '…' })}
          </Text>
          <ExportLink kind="onus" variables={{ filter }} />
        </Group>
      </Group>
      <Group align="end">
        <Select
          label={t('onus.filterOlt')}
          data={oltOptions}
          value={oltId}
          onChange={(v) => setParam('oltId', v)}
          clearable
          searchable
          placeholder={t('common.all')}
          w={200}
        />
        <Select
          label={t('onus.filterPort')}
          data={portOptions}
          value={ponPortId}
          onChange={(v) => setParam('ponPortId', v)}
          clearable
          searchable
          placeholder={t('common.all')}
          w={220}
        />
        <MultiSelect
          label={t('onus.filterStatus')}
          data={STATUSES.map((s) => ({ value: s, label: t(`status.${s}` as never) }))}
          value={status}
          onChange={(v) => setParam('status', v.join(','))}
          placeholder={status.length ? undefined : t('common.all')}
          w={260}
          data-testid="status-filter"
        />
        <MultiSelect
          label={t('onus.filterSignal')}
          data={LEVELS.map((s) => ({ value: s, label: t(`signal.${s}` as never) }))}
          value={signal}
          onChange={(v) => setParam('signal', v.join(','))}
          placeholder={signal.length ? undefined : t('common.all')}
          w={240}
        />
      </Group>
      <Paper withBorder style={{ flex: 1, minHeight: 0, display: 'flex', flexDirection: 'column' }}>
        {/* The header follows the list's horizontal scroll (narrow screens). */}
        <div ref={headerRef} style={{ flex: 'none', overflow: 'hidden' }}>
          <div
            style={{
              minWidth: 800,
              display: 'grid',
              gridTemplateColumns: cols,
              padding: '8px 12px',
              fontWeight: 600,
              fontSize: 14,
              borderBottom: '1px solid var(--mantine-color-default-border)',
            }}
          >
            <span>{t('onus.serial')}</span>
            <span>{t('onus.name')}</span>
            <span>{t('onus.port')}</span>
            <span>{t('onus.status')}</span>
            <span>{t('onus.signal')}</span>
            <span>{t('onus.customer')}</span>
          </div>
        </div>
        {/* Scrolls on its own: reachable by keyboard. */}
        <section
          ref={parentRef}
          style={{ flex: 1, overflow: 'auto' }}
          data-testid="onu-list"
          // A scrollable region must be focusable to be scrolled without a mouse.
          // biome-ignore lint/a11y/noNoninteractiveTabindex: see above
          tabIndex={0}
          aria-label="ONUs"
          onScroll={(e) => {
            if (headerRef.current) headerRef.current.scrollLeft = e.currentTarget.scrollLeft;
          }}
        >
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative', minWidth: 800 }}>
            {items.map((v) => {
              const o = rows[v.index]!;
              return (
                <div
                  key={o.id}
                  data-testid="onu-row"
                  style={{
                    position: 'absolute',
                    top: 0,
                    left: 0,
                    right: 0,
                    height: ROW,
                    transform: `translateY(${v.start}px)`,
                    display: 'grid',
                    gridTemplateColumns: cols,
                    alignItems: 'center',
                    padding: '0 12px',
                    fontSize: 14,
                    borderBottom: '1px solid var(--mantine-color-default-border)',
                  }}
                >
                  <Text size="sm" ff="monospace">
                    {o.serial}
                  </Text>
                  <Text size="sm" truncate>
                    {o.connection ? (
                      <Link href={`/connections/${encodeURIComponent(o.connection.id)}`}>{o.connection.pppoeUsername ?? o.name}</Link>
                    ) : (
                      (o.name ?? '—')
                    )}
                  </Text>
                  <Text size="sm">{o.ponPort?.label ?? '—'}</Text>
                  <span title={o.status.since ? date(o.status.since) : undefined}>
                    <StatusBadge status={o.status.value} />
                  </span>
                  <span>
                    <SignalBadge level={o.signal.level} rx={o.signal.rxPower} />
                  </span>
                  <Text size="sm" truncate>
                    {o.connection?.customer.name ?? '—'}
                  </Text>
                </div>
              );
            })}
          </div>
        </section>
      </Paper>
    </Stack>
  );
}
