/**
 * What an ISP's monitoring sees: /healthz, /readyz (database, migrations, worker heartbeat),
 * /metrics in Prometheus format behind a token or on its own port, and request ids on
 * responses and on every log line written while a request is handled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../../test/api.ts';
import { collect, until, wsClient } from '../../../test/ws.ts';
import { buildApp, type RunningApp } from '../http/app.ts';
import { freePort } from '../db/embedded.ts';
import { createEventBus } from '../realtime/bus.ts';
import { createMetrics } from './metrics.ts';
import { logContext } from '../logger.ts';

const TOKEN = 'metrics-token-0123456789';
let api: TestApi;
let app: RunningApp;
let metricsPort: number;

beforeAll(async () => {
  metricsPort = await freePort();
  api = await createTestApi({ subscribers: 30, env: { METRICS_TOKEN: TOKEN, METRICS_PORT: String(metricsPort) } });
  const metrics = createMetrics(api.db);
  const bus = createEventBus(api.db, api.url, api.services.log, { onBatch: metrics.busBatch, minIntervalMs: 0 });
  await bus.ready();
  app = await buildApp({ ...api.services, metrics, bus }, { clientDir: null }).start(0);
  afterAll(async () => {
    await app.stop();
    await bus.stop();
  });
});

const beat = (secondsAgo: number) =>
  api.db.pool.query(
    `INSERT INTO worker_heartbeats (worker_id, process_id, host, pid, last_seen_at) VALUES ('w1', 'p1', 'test', 1, now() - make_interval(secs => $1))
     ON CONFLICT (worker_id) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at`,
    [secondsAgo],
  );
const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers });

describe('/healthz and /readyz', () => {
  it('is ready with the database up, every migration applied and a recent worker heartbeat; says which check fails otherwise', async () => {
    expect((await get(`${app.url}/healthz`)).status).toBe(200);

    await beat(3);
    const ready = await get(`${app.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { ok: boolean; checks: Record<string, { ok: boolean; detail: string }> };
    expect(body.ok).toBe(true);
    expect(Object.values(body.checks).every((c) => c.ok)).toBe(true);

    // No worker for a minute: syncs, polls and alerts have stopped.
    await beat(60);
    const stale = await get(`${app.url}/readyz`);
    expect(stale.status).toBe(503);
    const staleBody = (await stale.json()) as { checks: Record<string, { ok: boolean; detail: string }> };
    expect(staleBody.checks.worker).toEqual({ ok: false, detail: 'last worker heartbeat 60 s ago' });
    expect(staleBody.checks.migrations!.ok).toBe(true);

    // A migration this code ships is not applied.
    await beat(1);
    const row = await api.db.pool.query(`DELETE FROM _prisma_migrations WHERE migration_name LIKE '%reference_data_admin' RETURNING *`);
    try {
      const pending = await get(`${app.url}/readyz`);
      expect(pending.status).toBe(503);
      const pendingBody = (await pending.json()) as { checks: Record<string, { ok: boolean; detail: string }> };
      expect(pendingBody.checks.migrations!.detail).toMatch(/^1 pending: \d+_reference_data_admin$/);
    } finally {
      const r = row.rows[0];
      await api.db.pool.query(
        `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [r.id, r.checksum, r.finished_at, r.migration_name, r.logs, r.rolled_back_at, r.started_at, r.applied_steps_count],
      );
    }
    expect((await get(`${app.url}/readyz`)).status).toBe(200);
  });
});

describe('/metrics', () => {
  it('needs the token on the main port', async () => {
    expect((await get(`${app.url}/metrics`)).status).toBe(401);
    expect((await get(`${app.url}/metrics`, { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    expect((await get(`${app.url}/metrics`, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  });

  it('exports request and operation latency, WebSockets, bus lag, jobs, syncs, SmartOLT budget and incidents', async () => {
    const noc = await api.as('noc');
    const named = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${noc.token}` },
      body: JSON.stringify({ query: 'query NocOverview { networkSummary { sessionsUp } }' }),
    });
    expect(named.status).toBe(200);
    // A live subscriber, and a change it is told about (the bus delivers a batch).
    const client = wsClient(app.url, noc.token);
    const feed = collect(client, 'subscription { onuStatusChanged { onus { id } } }');
    await until('socket counted', async () => /emerald_websocket_subscriptions 1\b/.test(await scrape()));
    const onu = (await api.db.pool.query('SELECT id FROM onus ORDER BY id LIMIT 1')).rows[0].id;
    await api.db.pool.query(`SELECT pg_notify('emerald_events', $1)`, [JSON.stringify({ t: 'onu', ids: [onu] })]);
    await until('delivered', () => feed.messages.length > 0);
    await api.db.pool.query(`INSERT INTO vendor_call_budget (source, window_start, calls, call_limit) VALUES ('SMARTOLT', date_trunc('hour', now()), 7, 1000)
      ON CONFLICT (source, window_start) DO UPDATE SET calls = 7, call_limit = 1000`);

    const text = await scrape();
    feed.stop();
    await client.dispose();
    expect(text).toMatch(/emerald_http_request_duration_seconds_count\{route="graphql",method="POST",status="200"\} [1-9]/);
    expect(text).toMatch(/emerald_graphql_operation_duration_seconds_count\{operation="NocOverview",type="query"\} 1\b/);
    expect(text).toMatch(/emerald_websocket_connections 1\b/);
    expect(text).toMatch(/emerald_websocket_subscriptions 1\b/);
    expect(text).toMatch(/emerald_event_bus_delay_seconds_count [1-9]/);
    expect(text).toMatch(/emerald_sync_runs\{source="ISPCUBE",kind="INVENTORY",status="SUCCEEDED"\} 1\b/);
    expect(text).toMatch(/emerald_sync_last_success_age_seconds\{source="SMARTOLT",kind="ONU_STATUS"\} \d/);
    expect(text).toMatch(/emerald_smartolt_budget_calls\{state="remaining"\} 993\b/);
    expect(text).toMatch(/# TYPE emerald_incidents_open gauge/);
    expect(text).toMatch(/# TYPE emerald_jobs gauge/);
    expect(text).toMatch(/emerald_process_resident_memory_bytes \d/);
  });

  it('counts a flood of made-up operation names under one label instead of growing without bound', async () => {
    const metrics = createMetrics(api.db);
    for (let i = 0; i < 1000; i++) metrics.graphqlOperation(`Op${i}`, 'query', 0.001, false);
    metrics.graphqlOperation('bad name!', 'query', 0.001, false);
    metrics.subscriptionFellBehind();
    const text = await metrics.render();
    expect(text).toMatch(/emerald_websocket_fell_behind_total 1\b/);
    const names = new Set([...text.matchAll(/emerald_graphql_operation_duration_seconds_count\{operation="([^"]+)"/g)].map((m) => m[1]));
    expect(names.size).toBe(302); // 300 names, "other", "invalid"
    expect(text).toMatch(/operation="other",type="query"\} 700\b/);
  });

  it('serves /metrics, /healthz and /readyz on METRICS_PORT, and nothing else there', async () => {
    const base = `http://127.0.0.1:${metricsPort}`;
    expect((await get(`${base}/metrics`)).status).toBe(401);
    expect((await get(`${base}/metrics`, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await get(`${base}/healthz`)).status).toBe(200);
    expect((await get(`${base}/graphql`)).status).toBe(404);
  });

  async function scrape(): Promise<string> {
    const res = await get(`${app.url}/metrics`, { authorization: `Bearer ${TOKEN}` });
    return res.text();
  }
});

describe('request ids and log lines', () => {
  it('answers with an X-Request-Id and puts it, with an ISO timestamp, on the lines the request wrote', async () => {
    const own = await get(`${app.url}/healthz`);
    expect(own.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    // A refused scrape is logged (4xx at info) with the caller's id.
    const res = await get(`${app.url}/metrics`, { 'x-request-id': 'support-case-4711' });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-request-id')).toBe('support-case-4711');
    await until('logged', () => api.logs.some((l) => l.requestId === 'support-case-4711'));
    const line = api.logs.find((l) => l.requestId === 'support-case-4711')!;
    expect(line).toMatchObject({ msg: 'request', method: 'GET', path: '/metrics', status: 401 });
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // Any logger, not only the request's own child, stamps the id while the request runs.
    logContext.run({ requestId: 'inside-a-request' }, () => api.services.log.warn('written by a vendor client'));
    expect(api.logs.find((l) => l.msg === 'written by a vendor client')).toMatchObject({ requestId: 'inside-a-request' });
    // A made-up id that could forge log lines is replaced.
    const forged = await get(`${app.url}/healthz`, { 'x-request-id': 'x" {"level":60}' });
    expect(forged.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
