/**
 * Prometheus metrics (prom-client). Two kinds:
 *   - measured in this process as things happen: HTTP requests, GraphQL operations,
 *     event-bus batches;
 *   - read at scrape time, from this process (WebSocket connections and subscriptions) or
 *     from PostgreSQL, so that they are right however many API and worker processes run:
 *     job queue, sync runs, SmartOLT budget, incidents going on, worker heartbeats.
 * Every name starts with `emerald_`; docs/grafana/emerald.json charts them.
 */
import client from 'prom-client';
import type { Db } from '../db/client.ts';

export interface RealtimeStats {
  sockets: number;
  subscriptions: number;
}

export interface Metrics {
  registry: client.Registry;
  /** One finished HTTP request; `route` is a fixed set (graphql, graphiql, app, healthz, …). */
  httpRequest(route: string, method: string, status: number, seconds: number): void;
  /** One executed GraphQL operation. */
  graphqlOperation(name: string | null, type: string, seconds: number, errors: boolean): void;
  /** One event-bus batch delivered: seconds from its first NOTIFY received to delivery. */
  busBatch(seconds: number): void;
  /** A subscription whose client reads too slowly skipped messages (it will be told to resync). */
  subscriptionFellBehind(): void;
  /** Where WebSocket numbers come from (set once the WebSocket server exists). */
  setRealtime(stats: () => RealtimeStats): void;
  render(): Promise<string>;
  contentType: string;
}

const MAX_OPERATION_NAMES = 300;
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,79}$/;

export function createMetrics(db: Db): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'emerald_' });

  const http = new client.Histogram({
    name: 'emerald_http_request_duration_seconds',
    help: 'HTTP requests by route, method and status code.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const graphql = new client.Histogram({
    name: 'emerald_graphql_operation_duration_seconds',
    help: 'GraphQL operations (queries and mutations over HTTP) by operation name and type.',
    labelNames: ['operation', 'type'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const graphqlErrors = new client.Counter({
    name: 'emerald_graphql_operation_errors_total',
    help: 'GraphQL operations that answered with errors, by operation name.',
    labelNames: ['operation'] as const,
    registers: [registry],
  });
  const bus = new client.Histogram({
    name: 'emerald_event_bus_delay_seconds',
    help: 'Event bus lag: from a change notification received to its subscribers served.',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  const fellBehind = new client.Counter({
    name: 'emerald_websocket_fell_behind_total',
    help: 'Subscriptions whose client read too slowly (over 1 MB unsent): messages skipped, then a resync.',
    registers: [registry],
  });

  let realtime: () => RealtimeStats = () => ({ sockets: 0, subscriptions: 0 });
  new client.Gauge({
    name: 'emerald_websocket_connections',
    help: 'Open WebSocket (graphql-ws) connections to this process.',
    registers: [registry],
    collect() {
      this.set(realtime().sockets);
    },
  });
  new client.Gauge({
    name: 'emerald_websocket_subscriptions',
    help: 'Active GraphQL subscriptions on this process.',
    registers: [registry],
    collect() {
      this.set(realtime().subscriptions);
    },
  });

  // ── from PostgreSQL, at scrape time ──
  const jobs = new client.Gauge({
    name: 'emerald_jobs',
    help: 'Jobs in the queue by task and state (waiting, running, retrying after an error, failed for good).',
    labelNames: ['task', 'state'] as const,
    registers: [registry],
    async collect() {
      const { rows } = await db.pool.query<{ task: string; waiting: number; running: number; retrying: number; failed: number }>(
        `SELECT task_identifier AS task,
                count(*) FILTER (WHERE locked_at IS NULL AND attempts < max_attempts AND last_error IS NULL)::int AS waiting,
                count(*) FILTER (WHERE locked_at IS NOT NULL)::int AS running,
                count(*) FILTER (WHERE locked_at IS NULL AND attempts < max_attempts AND last_error IS NOT NULL)::int AS retrying,
                count(*) FILTER (WHERE attempts >= max_attempts)::int AS failed
         FROM graphile_worker.jobs GROUP BY 1`,
      );
      jobs.reset();
      for (const r of rows)
        for (const state of ['waiting', 'running', 'retrying', 'failed'] as const) jobs.set({ task: r.task, state }, r[state]);
    },
  });
  const syncRuns = new client.Gauge({
    name: 'emerald_sync_runs',
    help: 'Sync runs of the last 24 hours by source, kind and status.',
    labelNames: ['source', 'kind', 'status'] as const,
    registers: [registry],
    async collect() {
      const { rows } = await db.pool.query<{ source: string; kind: string; status: string; n: number }>(
        `SELECT source::text, kind::text, status::text, count(*)::int AS n FROM sync_runs
         WHERE queued_at > now() - interval '24 hours' GROUP BY 1, 2, 3`,
      );
      syncRuns.reset();
      for (const r of rows) syncRuns.set({ source: r.source, kind: r.kind, status: r.status }, r.n);
    },
  });
  const syncDuration = new client.Gauge({
    name: 'emerald_sync_run_duration_seconds',
    help: 'Sync run durations of the last 24 hours by source and kind (last, average and maximum).',
    labelNames: ['source', 'kind', 'stat'] as const,
    registers: [registry],
    async collect() {
      const { rows } = await db.pool.query<{ source: string; kind: string; last: number; avg: number; max: number }>(
        `SELECT source::text, kind::text,
                (array_agg(extract(epoch FROM finished_at - started_at) ORDER BY finished_at DESC))[1]::float8 AS last,
                avg(extract(epoch FROM finished_at - started_at))::float8 AS avg,
                max(extract(epoch FROM finished_at - started_at))::float8 AS max
         FROM sync_runs WHERE finished_at > now() - interval '24 hours' AND started_at IS NOT NULL GROUP BY 1, 2`,
      );
      syncDuration.reset();
      for (const r of rows)
        for (const stat of ['last', 'avg', 'max'] as const) syncDuration.set({ source: r.source, kind: r.kind, stat }, r[stat]);
    },
  });
  const freshness = new client.Gauge({
    name: 'emerald_sync_last_success_age_seconds',
    help: 'Seconds since the oldest target of each source and kind last synced successfully.',
    labelNames: ['source', 'kind'] as const,
    registers: [registry],
    async collect() {
      const { rows } = await db.pool.query<{ source: string; kind: string; age: number }>(
        `SELECT source::text, kind::text, extract(epoch FROM now() - min(last_success_at))::float8 AS age
         FROM source_freshness WHERE last_success_at IS NOT NULL GROUP BY 1, 2`,
      );
      freshness.reset();
      for (const r of rows) freshness.set({ source: r.source, kind: r.kind }, r.age);
    },
  });
  const budget = new client.Gauge({
    name: 'emerald_smartolt_budget_calls',
    help: 'SmartOLT calls of the current hour: used, limit and remaining.',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const { rows } = await db.pool.query<{ calls: number; call_limit: number }>(
        `SELECT calls, call_limit FROM vendor_call_budget WHERE source = 'SMARTOLT' AND window_start = date_trunc('hour', now())`,
      );
      const row = rows[0];
      budget.reset();
      if (!row) return;
      budget.set({ state: 'used' }, row.calls);
      budget.set({ state: 'limit' }, row.call_limit);
      budget.set({ state: 'remaining' }, Math.max(0, row.call_limit - row.calls));
    },
  });
  const incidents = new client.Gauge({
    name: 'emerald_incidents_open',
    help: 'Incidents going on (suspected or open) by kind and status.',
    labelNames: ['kind', 'status'] as const,
    registers: [registry],
    async collect() {
      const { rows } = await db.pool.query<{ kind: string; status: string; n: number }>(
        `SELECT kind::text, status::text, count(*)::int AS n FROM incidents WHERE status IN ('SUSPECTED', 'OPEN') GROUP BY 1, 2`,
      );
      incidents.reset();
      for (const r of rows) incidents.set({ kind: r.kind, status: r.status }, r.n);
    },
  });
  const workers = new client.Gauge({
    name: 'emerald_worker_heartbeat_age_seconds',
    help: 'Seconds since the freshest worker heartbeat (any process); absent when no worker ever ran.',
    registers: [registry],
    async collect() {
      const { rows } = await db.pool.query<{ age: number | null }>(
        'SELECT extract(epoch FROM now() - max(last_seen_at))::float8 AS age FROM worker_heartbeats',
      );
      workers.reset();
      if (rows[0]?.age !== null && rows[0]?.age !== undefined) workers.set(rows[0].age);
    },
  });

  const operationNames = new Set<string>();
  const operationLabel = (name: string | null): string => {
    if (!name) return 'anonymous';
    if (!OPERATION_NAME.test(name)) return 'invalid';
    // Clients choose operation names: a cap keeps a flood of names from exhausting memory.
    if (!operationNames.has(name) && operationNames.size >= MAX_OPERATION_NAMES) return 'other';
    operationNames.add(name);
    return name;
  };

  return {
    registry,
    httpRequest: (route, method, status, seconds) => http.observe({ route, method, status: String(status) }, seconds),
    graphqlOperation(name, type, seconds, errors) {
      const operation = operationLabel(name);
      graphql.observe({ operation, type }, seconds);
      if (errors) graphqlErrors.inc({ operation });
    },
    busBatch: (seconds) => bus.observe(seconds),
    subscriptionFellBehind: () => fellBehind.inc(),
    setRealtime(stats) {
      realtime = stats;
    },
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
