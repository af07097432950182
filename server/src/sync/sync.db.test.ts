/**
 * Syncs end to end: the real vendor clients against the simulators, the real Graphile
 * Worker, a real database. Faults at every layer; nothing lost, nothing duplicated.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { drainJobs } from '../../../test/jobs.ts';
import { servicesFor, startVendorWorld, type VendorWorld } from '../../../test/vendorWorld.ts';
import { createVendors } from '../vendors/factory.ts';
import { IspcubeClient, databaseTokenStore } from '../vendors/ispcube.ts';
import type { Services } from '../services.ts';
import { runSync } from './run.ts';
import type { SyncContext } from './steps.ts';
import { enqueueSync } from './enqueue.ts';
import { holdLinks, linkAll } from '../mirror/link.ts';
import { applySecrets, mapRouterosSecret } from '../mirror/routeros.ts';

let vw: VendorWorld;
beforeAll(async () => {
  vw = await startVendorWorld({ seed: 5, subscribers: 600 });
});

const ctxOf = (s: Services): SyncContext => ({ db: s.db, log: s.log, config: s.config, vendors: s.vendors, jobs: s.jobs });

/** Queue the ISPCube inventory (a chained run also queues every router's and OLT's). */
const queueIspcube = (services: Services, chain = false) =>
  enqueueSync(services.db, services.jobs, { source: 'ISPCUBE', kind: 'INVENTORY', scope: 'ALL', trigger: 'test', chain });
const queueSweep = (services: Services) =>
  enqueueSync(services.db, services.jobs, { source: 'ROUTEROS', kind: 'SESSIONS', scope: 'ALL', trigger: 'test' });

async function fullSync(services: Services): Promise<void> {
  await queueIspcube(services, true);
  await drainJobs(services);
  await queueSweep(services);
  await drainJobs(services);
}

async function mirrorDigest(database: TestDatabase): Promise<string> {
  const h = createHash('sha256');
  for (const q of [
    'SELECT external_id, name, doc_number, status, raw FROM customers ORDER BY external_id',
    'SELECT c.external_id, c.pppoe_username, cu.external_id FROM connections c JOIN customers cu ON cu.id = c.customer_id ORDER BY 1',
    'SELECT r.external_id, s.name, s.profile, s.disabled, c.external_id AS conn FROM ppp_secrets s JOIN routers r ON r.id = s.router_id LEFT JOIN connections c ON c.id = s.connection_id ORDER BY 1, 2',
    'SELECT o.serial, o.status, o.name, c.external_id AS conn FROM onus o LEFT JOIN connections c ON c.id = o.connection_id ORDER BY 1',
    'SELECT r.external_id, s.session_key, s.name FROM ppp_sessions s JOIN routers r ON r.id = s.router_id ORDER BY 1, 2',
  ])
    h.update(JSON.stringify((await database.db.pool.query(q)).rows));
  return h.digest('hex');
}

const count = async (t: TestDatabase, sql: string): Promise<number> => Number((await t.db.pool.query(sql)).rows[0].n);

/** A copy of the row `where` selects, with `set` in place of its key (and `cleared` columns left to their defaults). */
async function copyRow(t: TestDatabase, table: string, set: Record<string, string>, cleared: string[], where: string): Promise<void> {
  const skip = ['id', ...Object.keys(set), ...cleared];
  const columns = (
    await t.db.pool.query<{ c: string }>('SELECT column_name AS c FROM information_schema.columns WHERE table_name = $1', [table])
  ).rows
    .map((r) => r.c)
    .filter((c) => !skip.includes(c));
  await t.db.pool.query(
    `INSERT INTO ${table} (${[...Object.keys(set), ...columns].join(', ')})
     SELECT ${[...Object.keys(set).map((_, i) => `$${i + 1}`), ...columns].join(', ')} FROM ${table} WHERE ${where}`,
    Object.values(set),
  );
}

/** A list's records made under another version are not used; the next run records it under the current one. */
async function ignoresOtherVersions(t: TestDatabase, list: string, run: () => ReturnType<typeof runSync>): Promise<void> {
  expect((await t.db.pool.query(`UPDATE sync_pages SET mapping = 'an-older-version' WHERE list = $1`, [list])).rowCount).toBe(1);
  const first = await run();
  expect(first.details?.pages).toEqual({ skipped: 0, unrecorded: 0 });
  expect(first.counts).toMatchObject({ inserted: 0, updated: 0, removed: 0 });
  expect((await run()).details?.pages).toEqual({ skipped: 1, unrecorded: 0 });
}

describe('full sync from the simulators', () => {
  let t: TestDatabase;
  let services: Services;
  beforeAll(async () => {
    t = await createTestDatabase();
    services = servicesFor(t, vw);
    await fullSync(services);
  });

  it('mirrors every customer, connection, secret, session, OLT and ONU, linked on the PPPoE username', async () => {
    const w = vw.world.data;
    expect(await count(t, 'SELECT count(*) AS n FROM customers')).toBe(w.customers.length);
    expect(await count(t, 'SELECT count(*) AS n FROM connections')).toBe(w.connections.length);
    expect(await count(t, 'SELECT count(*) AS n FROM ppp_secrets')).toBe(w.secrets.length);
    expect(await count(t, 'SELECT count(*) AS n FROM ppp_sessions')).toBe(
      vw.world.data.routers.reduce((n, r) => n + vw.world.sessions(r.id).length, 0),
    );
    expect(await count(t, 'SELECT count(*) AS n FROM olts')).toBe(w.olts.length);
    expect(await count(t, 'SELECT count(*) AS n FROM onus')).toBe(new Set(w.onus.map((o) => o.sn)).size);
    expect(await count(t, 'SELECT count(*) AS n FROM ppp_secrets WHERE connection_id IS NULL')).toBe(
      w.secrets.filter((s) => s.connectionId === null).length,
    );
    expect(await count(t, 'SELECT count(*) AS n FROM onus WHERE connection_id IS NULL')).toBe(
      w.onus.filter((o) => o.connectionId === null).length,
    );
    // Passwords were never fetched.
    expect(await count(t, `SELECT count(*) AS n FROM ppp_secrets WHERE raw ? 'password'`)).toBe(0);
    const runs = (
      await t.db.pool.query(`SELECT source, kind, scope, status, count(*)::int AS n FROM sync_runs GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3`)
    ).rows;
    expect(runs.every((r) => r.status === 'SUCCEEDED')).toBe(true);
    expect(runs).toContainEqual({ source: 'ROUTEROS', kind: 'INVENTORY', scope: 'ROUTER', status: 'SUCCEEDED', n: w.routers.length });
    expect(runs).toContainEqual({ source: 'SMARTOLT', kind: 'INVENTORY', scope: 'OLT', status: 'SUCCEEDED', n: w.olts.length });
    expect(await count(t, `SELECT count(*) AS n FROM source_freshness WHERE last_success_at IS NOT NULL AND source = 'ISPCUBE'`)).toBe(1);
    expect(await count(t, 'SELECT count(*) AS n FROM routers WHERE reachable AND identity IS NOT NULL')).toBe(w.routers.length);
  });

  it('writes nothing when synced again with no changes', async () => {
    const xid = Number((await t.db.pool.query('SELECT txid_current() AS x')).rows[0].x);
    await fullSync(services);
    for (const table of [
      'customers',
      'customer_phones',
      'customer_emails',
      'connections',
      'ppp_secrets',
      'ppp_sessions',
      'onus',
      'onu_status_events',
      'onu_signal_samples',
      'plans',
      'routers',
      'olts',
    ]) {
      const changed = await count(t, `SELECT count(*) AS n FROM ${table} WHERE xmin::text::bigint > ${xid % 2 ** 32}`);
      expect({ table, changed }).toEqual({ table, changed: 0 });
    }
    const lastRuns = await t.db.pool.query(
      `SELECT sum(inserted + updated + removed)::int AS n FROM sync_runs WHERE id > (SELECT max(id) / 2 FROM sync_runs) AND scope <> 'ALL'`,
    );
    expect(lastRuns.rows[0].n).toBe(0);
    // No connection changed: ISPCube's run skipped the relink pass (secrets and ONUs link themselves).
    const ispcube = await t.db.pool.query(`SELECT details FROM sync_runs WHERE source = 'ISPCUBE' ORDER BY id DESC LIMIT 1`);
    expect(ispcube.rows[0].details.relinked).toBeNull();
  });

  it('relinks when a connection changes: its old secret and ONU let go, and link again when it changes back', async () => {
    const w = vw.world.data;
    const conn = w.connections.find((c) => w.secrets.some((s) => s.connectionId === c.id) && w.onus.some((o) => o.connectionId === c.id))!;
    const user = conn.user;
    const linked = async () =>
      (
        await t.db.pool.query<{ secrets: number; onus: number }>(
          `SELECT (SELECT count(*)::int FROM ppp_secrets s WHERE s.connection_id = c.id) AS secrets,
                  (SELECT count(*)::int FROM onus o WHERE o.connection_id = c.id) AS onus
             FROM connections c WHERE c.external_id = $1`,
          [String(conn.id)],
        )
      ).rows[0];
    const ispcube = () => runSync(ctxOf(services), { source: 'ISPCUBE', kind: 'INVENTORY', scope: 'ALL', trigger: 'test' });
    expect(await linked()).toEqual({ secrets: 1, onus: 1 });
    conn.user = 'renamed-in-ispcube';
    try {
      const run = await ispcube();
      expect(run.details?.connections).toMatchObject({ updated: 1 });
      expect(run.details?.relinked).toMatchObject({ secrets: 1, onus: 1 });
      expect(await linked()).toEqual({ secrets: 0, onus: 0 });
    } finally {
      conn.user = user;
    }
    await ispcube();
    expect(await linked()).toEqual({ secrets: 1, onus: 1 });
  });

  it('maps again only the payloads that changed, and every row hashed under another mapping version', async () => {
    const w = vw.world.data;
    const [edited, older] = [w.customers[3]!, w.customers[4]!];
    const address = edited.address;
    edited.address = 'Avenida Nueva 123';
    await t.db.pool.query(`UPDATE customers SET row_hash = 'an-older-mapping' WHERE external_id = $1`, [String(older.id)]);
    const ispcube = () => runSync(ctxOf(services), { source: 'ISPCUBE', kind: 'INVENTORY', scope: 'ALL', trigger: 'test' });
    try {
      const run = await ispcube();
      expect(run.details?.customers).toEqual({
        seen: w.customers.length,
        inserted: 0,
        updated: 2,
        unchanged: w.customers.length - 2,
        removed: 0,
      });
      expect(run.details?.connections).toMatchObject({ seen: w.connections.length, inserted: 0, updated: 0 });
      const rows = await t.db.pool.query(`SELECT external_id, address, row_hash FROM customers WHERE external_id = ANY($1) ORDER BY id`, [
        [String(edited.id), String(older.id)],
      ]);
      expect(rows.rows.map((r) => r.address)).toEqual(['Avenida Nueva 123', older.address]);
      expect(rows.rows.every((r) => r.row_hash.length > 20 && r.row_hash !== 'an-older-mapping')).toBe(true);
    } finally {
      edited.address = address;
      expect((await ispcube()).counts.updated).toBe(1);
    }
  });

  it('never throws away the fresh ISPCube token another worker just stored when its own is refused', async () => {
    const store = databaseTokenStore(t.db.pool);
    const a = new IspcubeClient(vw.endpoints.ispcube!, store);
    await a.plans();
    const first = (await store.get())!;
    // The token expires; worker A is refused, logs in again and stores a fresh one.
    vw.ispcube.expireTokens();
    await a.plans();
    const fresh = (await store.get())!;
    expect(fresh).not.toBe(first);
    // Worker B read the old token just before that: its call is refused in turn. It must
    // take the fresh token from the store — not delete it and log in once more.
    let reads = 0;
    const bStore = { ...store, get: async () => (reads++ === 0 ? first : store.get()) };
    const b = new IspcubeClient(vw.endpoints.ispcube!, bStore);
    const logins = vw.ispcube.logins();
    expect((await b.plans()).length).toBe(vw.world.data.plans.length);
    expect(vw.ispcube.logins()).toBe(logins);
    expect(await store.get()).toBe(fresh);
    // Only the refused token is ever cleared.
    await store.clear(first);
    expect(await store.get()).toBe(fresh);
    await store.clear(fresh);
    expect(await store.get()).toBeNull();
    await store.set(fresh); // as the next worker would find it
  });

  it('shares the SmartOLT call budget and the ISPCube token between processes through the database', async () => {
    const budget = async () =>
      Number((await t.db.pool.query(`SELECT coalesce(sum(calls), 0) AS n FROM vendor_call_budget WHERE source = 'SMARTOLT'`)).rows[0].n);
    const [a, b] = [createVendors(t.db, vw.endpoints), createVendors(t.db, vw.endpoints)];
    try {
      const spent = await budget();
      const simCalls = vw.smartolt.calls.length;
      await a.smartolt().olts();
      await b.smartolt().olts();
      expect(await budget()).toBe(spent + 2);
      expect(vw.smartolt.calls.length).toBe(simCalls + 2);
      // The token of the first sync is reused by both: no new login.
      const logins = vw.ispcube.logins();
      await a.ispcube().plans();
      await b.ispcube().plans();
      expect(vw.ispcube.logins()).toBe(logins);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('records a real change once: an ONU going LOS writes one status event', async () => {
    const onu = vw.world.data.onus.find((o) => o.status === 'Online' && o.connectionId !== null)!;
    vw.world.setOnuStatus(onu.sn, 'LOS');
    const olt = (await t.db.pool.query('SELECT id FROM olts WHERE external_id = $1', [String(onu.oltId)])).rows[0].id;
    const first = await runSync(ctxOf(services), {
      source: 'SMARTOLT',
      kind: 'ONU_STATUS',
      scope: 'OLT',
      scopeRef: String(olt),
      trigger: 'test',
    });
    const again = await runSync(ctxOf(services), {
      source: 'SMARTOLT',
      kind: 'ONU_STATUS',
      scope: 'OLT',
      scopeRef: String(olt),
      trigger: 'test',
    });
    expect(first.counts.updated).toBe(1);
    expect(again.counts.updated).toBe(0);
    const events = (
      await t.db.pool.query(
        `SELECT e.status::text, e.previous_status::text FROM onu_status_events e JOIN onus o ON o.id = e.onu_id WHERE o.serial = $1`,
        [onu.sn],
      )
    ).rows;
    expect(events).toEqual([{ status: 'LOS', previous_status: 'ONLINE' }]);
    vw.world.setOnuStatus(onu.sn, 'Online');
  });
});

describe('faults', () => {
  let t: TestDatabase;
  let services: Services;
  let ctx: SyncContext;
  beforeAll(async () => {
    t = await createTestDatabase();
    services = servicesFor(t, vw);
    ctx = ctxOf(services);
    await fullSync(services);
  });

  it('logs in again when the ISPCube token expires mid-paging', async () => {
    const before = vw.ispcube.logins();
    const orig = vw.world.data.customers;
    const pageCalls = () => vw.ispcube.calls.filter((c) => c.path === '/api/customers/customers_list').length;
    const start = pageCalls();
    // Expire the token as soon as the first page has been served.
    const stop = setInterval(() => {
      if (pageCalls() === start + 1) vw.ispcube.expireTokens();
    }, 1);
    const r = await runSync(ctx, { source: 'ISPCUBE', kind: 'INVENTORY', scope: 'ALL', trigger: 'test' });
    clearInterval(stop);
    expect(r.status).toBe('SUCCEEDED');
    expect(r.counts.seen).toBeGreaterThan(orig.length);
    expect(vw.ispcube.logins() - before).toBeGreaterThanOrEqual(1);
  });

  it('rejects a partial snapshot and keeps the last good data', async () => {
    const gone = await count(t, 'SELECT count(*) AS n FROM customers WHERE gone_at IS NOT NULL');
    const before = await mirrorDigest(t);
    // The truncated page also carries real changes (renamed customers in the 40 rows that
    // arrive): none of them may land, since the snapshot as a whole is not trusted.
    const renamed = vw.world.data.customers.slice(0, 10);
    const names = renamed.map((c) => c.name);
    for (const c of renamed) c.name = `${c.name} (renombrado)`;
    vw.ispcube.faults.truncateNextPage = 40;
    let r: Awaited<ReturnType<typeof runSync>>;
    try {
      r = await runSync(ctx, { source: 'ISPCUBE', kind: 'INVENTORY', scope: 'ALL', trigger: 'test' });
    } finally {
      for (const [i, c] of renamed.entries()) c.name = names[i]!;
    }
    expect(r.status).toBe('REJECTED');
    expect(r.error?.message).toMatch(/customers_list: 40 rows where the mirror has 600; not applied/);
    expect(await mirrorDigest(t)).toBe(before);
    expect(await count(t, `SELECT count(*) AS n FROM customers WHERE name LIKE '%(renombrado)'`)).toBe(0);
    expect((await t.db.pool.query('SELECT status::text FROM sync_runs WHERE id = $1', [r.runId])).rows[0].status).toBe('REJECTED');
    expect(await count(t, 'SELECT count(*) AS n FROM customers WHERE gone_at IS NOT NULL')).toBe(gone);
    const f = (
      await t.db.pool.query(`SELECT last_error, last_error_at > last_success_at AS failing FROM source_freshness WHERE source = 'ISPCUBE'`)
    ).rows[0];
    expect(f).toMatchObject({ failing: true });
    expect(f.last_error).toMatch(/^PARTIAL_SNAPSHOT/);
  });

  it('rejects a snapshot whose rows it cannot read, with the reasons, and keeps the last good data', async () => {
    const before = await mirrorDigest(t);
    vw.ispcube.faults.namelessCustomers = true;
    try {
      const r = await runSync(ctx, { source: 'ISPCUBE', kind: 'INVENTORY', scope: 'ALL', trigger: 'test' });
      expect(r.status).toBe('REJECTED');
      expect(r.error?.message).toMatch(
        /customers_list: 600 of \d+ rows could not be read .*not applied\. First reasons: ISPCube customer: name /,
      );
    } finally {
      vw.ispcube.faults.namelessCustomers = false;
    }
    expect(await mirrorDigest(t)).toBe(before);
  });

  it('refuses to report success over an empty mirror when every row of the first sync was unreadable', async () => {
    const empty = await createTestDatabase();
    vw.ispcube.faults.namelessCustomers = true;
    try {
      const r = await runSync(ctxOf(servicesFor(empty, vw)), { source: 'ISPCUBE', kind: 'INVENTORY', scope: 'ALL', trigger: 'test' });
      expect(r).toMatchObject({ status: 'REJECTED', error: { code: 'PARTIAL_SNAPSHOT' } });
    } finally {
      vw.ispcube.faults.namelessCustomers = false;
    }
    expect(await count(empty, 'SELECT count(*) AS n FROM customers')).toBe(0);
    expect((await empty.db.pool.query(`SELECT status::text FROM sync_runs`)).rows).toEqual([{ status: 'REJECTED' }]);
  });

  it('retries a SmartOLT 429 storm and a "try again" status:false (transient), and fails fast on a refusal (permanent)', async () => {
    const olt = (await t.db.pool.query('SELECT id FROM olts ORDER BY id LIMIT 1')).rows[0].id as number;
    const remainingBefore = await services.vendors.smartolt().budget.remaining();
    const callsBefore = vw.smartolt.calls.length;
    vw.smartolt.faults.rateLimitStorm = true;
    try {
      await expect(
        runSync(ctx, { source: 'SMARTOLT', kind: 'ONU_STATUS', scope: 'OLT', scopeRef: String(olt), trigger: 'test' }),
      ).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    } finally {
      vw.smartolt.faults.rateLimitStorm = false;
    }
    await services.db.pool.query('UPDATE vendor_call_budget SET rate_limited_until = NULL');
    vw.smartolt.faults.statusFalseNext = 1;
    await expect(
      runSync(ctx, { source: 'SMARTOLT', kind: 'ONU_STATUS', scope: 'OLT', scopeRef: String(olt), trigger: 'test' }),
    ).rejects.toMatchObject({ code: 'TEMPORARY' });
    vw.smartolt.faults.refuseNext = 1;
    const r = await runSync(ctx, { source: 'SMARTOLT', kind: 'ONU_STATUS', scope: 'OLT', scopeRef: String(olt), trigger: 'test' });
    expect(r).toMatchObject({ status: 'FAILED', error: { code: 'BAD_RESPONSE' } });
    const runs = (
      await t.db.pool.query(`SELECT status::text, error_code FROM sync_runs WHERE kind = 'ONU_STATUS' ORDER BY id DESC LIMIT 3`)
    ).rows;
    expect(runs).toEqual([
      { status: 'FAILED', error_code: 'BAD_RESPONSE' },
      { status: 'FAILED', error_code: 'TEMPORARY' },
      { status: 'FAILED', error_code: 'RATE_LIMITED' },
    ]);
    // Every call SmartOLT received, refused ones included, was counted against the shared budget.
    const received = vw.smartolt.calls.length - callsBefore;
    expect(received).toBeGreaterThanOrEqual(3);
    expect(await services.vendors.smartolt().budget.remaining()).toBe(remainingBefore - received);
  });

  it('keeps the mirror when a router stops answering, replies garbage or !fatal', async () => {
    const router = (await t.db.pool.query('SELECT id FROM routers ORDER BY id LIMIT 1')).rows[0].id as number;
    const sim = vw.routers.get(1)!;
    const before = await mirrorDigest(t);
    for (const fault of ['hang', 'garbageNext', 'fatalNext'] as const) {
      (sim.faults as unknown as Record<string, boolean>)[fault] = true;
      // A manual sync tries at once, whatever the backoff after the previous failure.
      const attempt = runSync(ctx, { source: 'ROUTEROS', kind: 'INVENTORY', scope: 'ROUTER', scopeRef: String(router), trigger: 'manual' });
      const outcome = await attempt.then(
        (r) => r,
        (e: unknown) => e,
      );
      sim.faults.hang = false;
      const code = (outcome as { code?: string; error?: { code?: string } }).code ?? (outcome as { error?: { code?: string } }).error?.code;
      expect({ fault, code }).toMatchObject({ fault, code: expect.stringMatching(/TIMEOUT|BAD_RESPONSE|UNREACHABLE/) });
      expect(await mirrorDigest(t)).toBe(before);
    }
    expect((await t.db.pool.query('SELECT reachable, last_error FROM routers WHERE id = $1', [router])).rows[0].reachable).toBe(false);
    const ok = await runSync(ctx, { source: 'ROUTEROS', kind: 'INVENTORY', scope: 'ROUTER', scopeRef: String(router), trigger: 'manual' });
    expect(ok.status).toBe('SUCCEEDED');
  });

  it('ends every session when a router answers !empty to /ppp/active (RouterOS 7.18+)', async () => {
    const router = vw.world.data.routers[0]!;
    router.version = '7.19.4 (stable)';
    const sim = vw.routers.get(router.id)!;
    expect(sim).toBeDefined();
    const dropped = vw.world.massDisconnect(router.id);
    expect(dropped).toBeGreaterThan(0);
    const routerId = (await t.db.pool.query('SELECT id FROM routers WHERE external_id = $1', [String(router.id)])).rows[0].id as number;
    const r = await runSync(ctx, { source: 'ROUTEROS', kind: 'SESSIONS', scope: 'ROUTER', scopeRef: String(routerId), trigger: 'manual' });
    expect(r.status).toBe('SUCCEEDED');
    expect(r.counts).toMatchObject({ seen: 0, removed: dropped });
    expect(await count(t, `SELECT count(*) AS n FROM ppp_sessions WHERE router_id = ${routerId}`)).toBe(0);
    expect(await count(t, `SELECT count(*) AS n FROM ppp_session_history WHERE router_id = ${routerId}`)).toBeGreaterThanOrEqual(dropped);
    vw.world.reconnectAll(router.id);
  });
});

describe('device inventories beside the ISPCube inventory', () => {
  it('run beside a re-sync, and after ISPCube on a first sync (which lists the routers)', async () => {
    const t = await createTestDatabase();
    const services = servicesFor(t, vw);
    await fullSync(services);
    await fullSync(services);
    const runs = await t.db.pool.query(`SELECT details->>'devices' AS devices FROM sync_runs WHERE source = 'ISPCUBE' ORDER BY id`);
    expect(runs.rows).toEqual([{ devices: 'after' }, { devices: 'alongside' }]);
    const inventories = await t.db.pool.query(
      `SELECT source, count(*)::int AS n FROM sync_runs WHERE kind = 'INVENTORY' AND scope <> 'ALL' AND status = 'SUCCEEDED' GROUP BY 1 ORDER BY 1`,
    );
    expect(inventories.rows).toEqual([
      { source: 'ROUTEROS', n: 2 * vw.world.data.routers.length },
      { source: 'SMARTOLT', n: 2 * vw.world.data.olts.length },
    ]);
  });

  it('queues the inventory of a router ISPCube changed during a re-sync (the fan-out beside it started before)', async () => {
    const t = await createTestDatabase();
    const services = servicesFor(t, vw);
    await fullSync(services);
    const router = vw.world.data.routers[0]!;
    const name = router.name;
    router.name = `${name} (renamed)`;
    try {
      // No worker runs here: what the chained run queues stays queued.
      const run = await runSync(ctxOf(services), { source: 'ISPCUBE', kind: 'INVENTORY', scope: 'ALL', trigger: 'test', chain: true });
      expect(run.details?.devices).toBe('alongside');
      const queued = await t.db.pool.query(
        `SELECT s.source, s.scope, r.external_id FROM sync_runs s LEFT JOIN routers r ON s.scope = 'ROUTER' AND r.id = s.scope_ref::int
          WHERE s.status = 'QUEUED' AND s.kind = 'INVENTORY' ORDER BY s.id`,
      );
      expect(queued.rows).toEqual([
        { source: 'ROUTEROS', scope: 'ALL', external_id: null },
        { source: 'SMARTOLT', scope: 'ALL', external_id: null },
        { source: 'ROUTEROS', scope: 'ROUTER', external_id: String(router.id) },
      ]);
      await drainJobs(services);
      const renamed = await t.db.pool.query('SELECT name FROM routers WHERE external_id = $1', [String(router.id)]);
      expect(renamed.rows).toEqual([{ name: `${name} (renamed)` }]);
    } finally {
      router.name = name;
    }
  });

  it('links a secret to the connection it names when both arrive in the same cycle, in two transactions', async () => {
    const t = await createTestDatabase();
    const services = servicesFor(t, vw);
    await fullSync(services);
    // ISPCube gains a customer and a connection for PPPoE user "same.cycle"…
    const w = vw.world.data;
    const base = w.customers[1]!;
    const baseConnection = w.connections.find((c) => c.customerId === base.id)!;
    w.customers.push({ ...base, id: 990_001, code: 'C990001', docNumber: '27990001', name: 'Same Cycle' });
    w.connections.push({ ...baseConnection, id: 990_001, customerId: 990_001, user: 'same.cycle' });
    const device = await t.db.pool.connect();
    try {
      // …while a router's inventory, in its own transaction, writes the secret of that user.
      // It cannot link it: ISPCube's connection is not committed yet.
      const routerId = (await t.db.pool.query('SELECT id FROM routers ORDER BY id LIMIT 1')).rows[0].id as number;
      await device.query('BEGIN');
      await holdLinks(device, 'shared');
      await applySecrets(
        device,
        routerId,
        [mapRouterosSecret({ '.id': '*FFFF1', name: 'same.cycle', service: 'pppoe', profile: 'default' })],
        false,
      );
      await linkAll(device, { routerId });
      let finished = false;
      const ispcube = runSync(ctxOf(services), { source: 'ISPCUBE', kind: 'INVENTORY', scope: 'ALL', trigger: 'test' }).finally(
        () => (finished = true),
      );
      // ISPCube reaches its link step and waits for the router's transaction to end (without
      // the link lock it would link and commit now, and the secret would stay unlinked)…
      const waiting = () =>
        count(
          t,
          `SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        );
      await expect.poll(async () => finished || (await waiting()) === 1, { timeout: 30_000, interval: 50 }).toBe(true);
      await device.query('COMMIT');
      // …then links against the committed secret.
      expect((await ispcube).status).toBe('SUCCEEDED');
      const linked = await t.db.pool.query(
        `SELECT c.external_id FROM ppp_secrets s JOIN connections c ON c.id = s.connection_id WHERE s.name = 'same.cycle'`,
      );
      expect(linked.rows).toEqual([{ external_id: '990001' }]);
    } finally {
      await device.query('ROLLBACK').catch(() => {});
      device.release();
      w.customers.splice(
        w.customers.findIndex((c) => c.id === 990_001),
        1,
      );
      w.connections.splice(
        w.connections.findIndex((c) => c.id === 990_001),
        1,
      );
    }
  });
});

describe('ISPCube pages read before (sync_pages)', () => {
  let t: TestDatabase;
  let services: Services;
  const ispcube = () => runSync(ctxOf(services), { source: 'ISPCUBE', kind: 'INVENTORY', scope: 'ALL', trigger: 'test' });
  const records = async () =>
    (
      await t.db.pool.query<{ list: string; digest: string; mapping: string; n: number }>(
        `SELECT list, digest, mapping, cardinality(keys)::int AS n FROM sync_pages WHERE list LIKE 'ispcube.%' ORDER BY list, n DESC, digest`,
      )
    ).rows;
  const pagesOf = (run: Awaited<ReturnType<typeof runSync>>) =>
    run.details?.pages as Record<'customers' | 'connections', { skipped: number; unrecorded: number }>;
  const everyPageSkipped = { customers: { skipped: 2, unrecorded: 0 }, connections: { skipped: 1, unrecorded: 0 } };
  beforeAll(async () => {
    t = await createTestDatabase();
    services = servicesFor(t, vw);
    await fullSync(services);
  });

  it('records every page of the first sync, and skips them all when nothing changed, counting every row as unchanged', async () => {
    const w = vw.world.data;
    expect(w.customers).toHaveLength(600); // two pages of customers_list: 500 and 100 rows
    const recorded = await records();
    expect(recorded.map(({ list, n }) => ({ list, n }))).toEqual([
      { list: 'ispcube.connections_list', n: w.connections.length },
      { list: 'ispcube.customers_list', n: 500 },
      { list: 'ispcube.customers_list', n: 100 },
    ]);
    const run = await ispcube();
    expect(run.status).toBe('SUCCEEDED');
    expect(pagesOf(run)).toEqual(everyPageSkipped);
    expect(run.details?.customers).toEqual({ seen: 600, inserted: 0, updated: 0, unchanged: 600, removed: 0 });
    expect(run.details?.connections).toMatchObject({ seen: w.connections.length, unchanged: w.connections.length, removed: 0 });
    expect(await records()).toEqual(recorded);
  });

  it('reads again only the page that changed, applies the change and records that page anew', async () => {
    const w = vw.world.data;
    const before = await records();
    const edited = w.customers[3]!;
    const address = edited.address;
    edited.address = 'Calle Cambiada 742';
    try {
      const run = await ispcube();
      expect(pagesOf(run)).toEqual({ ...everyPageSkipped, customers: { skipped: 1, unrecorded: 0 } });
      expect(run.details?.customers).toMatchObject({ seen: 600, updated: 1, unchanged: 599 });
      expect((await t.db.pool.query('SELECT address FROM customers WHERE external_id = $1', [String(edited.id)])).rows[0].address).toBe(
        'Calle Cambiada 742',
      );
      const after = await records();
      expect(after.filter((r) => !before.some((b) => b.digest === r.digest)).map((r) => r.n)).toEqual([500]);
      expect(after).toHaveLength(3);
    } finally {
      edited.address = address;
    }
    const back = await ispcube();
    expect(back.details?.customers).toMatchObject({ updated: 1 });
    expect(pagesOf(await ispcube())).toEqual(everyPageSkipped);
  });

  it('reads a page again when the mirror no longer holds its rows as recorded (row rewritten, row gone), and mends them', async () => {
    const w = vw.world.data;
    const customer = w.customers[550]!; // on the second page
    const connection = w.connections[10]!;
    await t.db.pool.query(`UPDATE customers SET name = 'edited behind the sync', row_hash = 'stale' WHERE external_id = $1`, [
      String(customer.id),
    ]);
    await t.db.pool.query('UPDATE connections SET gone_at = now() WHERE external_id = $1', [String(connection.id)]);
    const run = await ispcube();
    expect(pagesOf(run)).toEqual({ customers: { skipped: 1, unrecorded: 0 }, connections: { skipped: 0, unrecorded: 0 } });
    expect(run.details?.customers).toMatchObject({ updated: 1 });
    expect(run.details?.connections).toMatchObject({ updated: 1 });
    expect((await t.db.pool.query('SELECT name FROM customers WHERE external_id = $1', [String(customer.id)])).rows[0].name).toBe(
      customer.name,
    );
    expect(await count(t, `SELECT count(*) AS n FROM connections WHERE gone_at IS NOT NULL`)).toBe(0);
    expect(pagesOf(await ispcube())).toEqual(everyPageSkipped);
  });

  it('reads every page when a customer added at the start shifts them, losing and doubling nothing', async () => {
    const w = vw.world.data;
    const id = Math.max(...w.customers.map((c) => c.id)) + 1 + (w.customers.length % 7 === 0 ? 1 : 0);
    const added = { ...w.customers[0]!, id: id % 7 === 0 ? id + 1 : id, code: 'C-NEW', docNumber: '40111222', name: 'Cliente Nuevo' };
    w.customers.unshift(added);
    try {
      const run = await ispcube();
      expect(pagesOf(run)).toEqual({ ...everyPageSkipped, customers: { skipped: 0, unrecorded: 0 } });
      expect(run.details?.customers).toMatchObject({ seen: 601, inserted: 1, updated: 0, unchanged: 600 });
      expect(await count(t, 'SELECT count(*) AS n FROM customers WHERE gone_at IS NULL')).toBe(601);
      expect((await records()).filter((r) => r.list === 'ispcube.customers_list').map((r) => r.n)).toEqual([500, 101]);
    } finally {
      w.customers.shift();
    }
    const back = await ispcube();
    expect(pagesOf(back).customers.skipped).toBe(0);
    expect(back.details?.customers).toMatchObject({ seen: 600, removed: 1, unchanged: 600 });
    expect(await count(t, 'SELECT count(*) AS n FROM customers WHERE gone_at IS NULL')).toBe(600);
    expect(pagesOf(await ispcube())).toEqual(everyPageSkipped);
  });

  it('keeps the records of the last committed sync when a run is rolled back', async () => {
    const before = await records();
    const renamed = vw.world.data.customers[1]!;
    const name = renamed.name;
    renamed.name = `${name} (renombrado)`;
    // The first page changed and is read (and would be recorded); it is also truncated, so
    // the snapshot is judged partial and the whole run rolled back.
    vw.ispcube.faults.truncateNextPage = 40;
    let run: Awaited<ReturnType<typeof runSync>>;
    try {
      run = await ispcube();
    } finally {
      renamed.name = name;
      vw.ispcube.faults.truncateNextPage = null;
    }
    expect(run.status).toBe('REJECTED');
    expect(await records()).toEqual(before);
    expect(pagesOf(await ispcube())).toEqual(everyPageSkipped);
  });

  it('uses no record made under another mapping version, and records the pages again under the current one', async () => {
    await t.db.pool.query(`UPDATE sync_pages SET mapping = 'ispcube.customer:older' WHERE list = 'ispcube.customers_list'`);
    const run = await ispcube();
    expect(pagesOf(run)).toEqual({ ...everyPageSkipped, customers: { skipped: 0, unrecorded: 0 } });
    expect(run.details?.customers).toMatchObject({ seen: 600, unchanged: 600 });
    const current = await records();
    expect(current.filter((r) => r.list === 'ispcube.customers_list').every((r) => r.mapping !== 'ispcube.customer:older')).toBe(true);
    expect(current).toHaveLength(3);
    expect(pagesOf(await ispcube())).toEqual(everyPageSkipped);
  });

  it('records no page holding a customer listed twice, or a connection it could not keep (unknown customer)', async () => {
    const w = vw.world.data;
    w.customers.push(w.customers[0]!); // listed again on the last page, as offset paging does when rows move
    const orphan = { ...w.connections[0]!, id: Math.max(...w.connections.map((c) => c.id)) + 1, customerId: 987_654, user: 'orphan-user' };
    w.connections.push(orphan);
    try {
      const run = await ispcube();
      expect(run.status).toBe('SUCCEEDED');
      expect(pagesOf(run).connections).toEqual({ skipped: 0, unrecorded: 1 });
      expect(run.details?.connections).toMatchObject({ orphans: 1 });
      expect((await records()).map((r) => r.list)).toEqual([]);
      const again = await ispcube();
      expect(pagesOf(again)).toEqual({ customers: { skipped: 0, unrecorded: 0 }, connections: { skipped: 0, unrecorded: 1 } });
    } finally {
      w.customers.pop();
      w.connections.pop();
    }
    await ispcube();
    expect(pagesOf(await ispcube())).toEqual(everyPageSkipped);
  });
});

describe('SmartOLT inventories read before (sync_pages)', () => {
  let t: TestDatabase;
  let services: Services;
  let olt: { id: number; ext: string; onus: number };
  const inventory = () =>
    runSync(ctxOf(services), { source: 'SMARTOLT', kind: 'INVENTORY', scope: 'OLT', scopeRef: String(olt.id), trigger: 'test' });
  const pagesOf = (run: Awaited<ReturnType<typeof runSync>>) => run.details?.pages as { skipped: number; unrecorded: number };
  const onu = async (serial: string) =>
    (await t.db.pool.query('SELECT status::text, rx_power, olt_id, gone_at FROM onus WHERE serial = $1', [serial])).rows[0] as {
      status: string;
      rx_power: number | null;
      olt_id: number;
      gone_at: Date | null;
    };
  beforeAll(async () => {
    t = await createTestDatabase();
    services = servicesFor(t, vw);
    await fullSync(services);
    const row = (
      await t.db.pool.query<{ id: number; ext: string; onus: number }>(
        `SELECT o.id, o.external_id AS ext, (SELECT count(*)::int FROM onus n WHERE n.olt_id = o.id AND n.gone_at IS NULL) AS onus
           FROM olts o ORDER BY o.id LIMIT 1`,
      )
    ).rows[0]!;
    olt = row;
  });

  it('skips an OLT whose inventory reads the same, writing nothing and still confirming its statuses and signals', async () => {
    expect(olt.onus).toBeGreaterThan(10);
    const before = Number((await t.db.pool.query('SELECT txid_current() AS x')).rows[0].x);
    const confirmed = async () =>
      (
        await t.db.pool.query(
          `SELECT kind::text, last_success_at FROM source_freshness WHERE scope_key = $1 AND kind IN ('ONU_STATUS', 'ONU_SIGNAL') ORDER BY kind`,
          [`olt:${olt.id}`],
        )
      ).rows;
    const earlier = await confirmed();
    const run = await inventory();
    expect(run.status).toBe('SUCCEEDED');
    expect(pagesOf(run)).toEqual({ skipped: 1, unrecorded: 0 });
    expect(run.counts).toEqual({ seen: olt.onus, inserted: 0, updated: 0, unchanged: olt.onus, removed: 0 });
    expect(await count(t, `SELECT count(*) AS n FROM onus WHERE xmin::text::bigint > ${before % 2 ** 32}`)).toBe(0);
    const now = await confirmed();
    expect(now.map((r) => r.kind)).toEqual(['ONU_STATUS', 'ONU_SIGNAL'].sort());
    for (const [i, r] of now.entries()) expect(r.last_success_at.getTime()).toBeGreaterThan(earlier[i]!.last_success_at.getTime());
  });

  it('reads an OLT again when an ONU changed at SmartOLT, records the change once, and skips it again after', async () => {
    const changed = vw.world.data.onus.find((o) => String(o.oltId) === olt.ext && o.status === 'Online')!;
    vw.world.setOnuStatus(changed.sn, 'LOS');
    try {
      const run = await inventory();
      expect(pagesOf(run)).toEqual({ skipped: 0, unrecorded: 0 });
      expect(run.details?.statusChanges).toBe(1);
      expect((await onu(changed.sn)).status).toBe('LOS');
      expect(pagesOf(await inventory())).toEqual({ skipped: 1, unrecorded: 0 });
    } finally {
      vw.world.setOnuStatus(changed.sn, 'Online');
    }
    const back = await inventory();
    expect(back.details?.statusChanges).toBe(1);
    expect((await onu(changed.sn)).status).toBe('ONLINE');
  });

  it('reads an OLT again when the mirror no longer holds its ONUs as recorded: a status, a signal, an ONU that is not its own', async () => {
    const mine = (
      await t.db.pool.query<{ serial: string }>(
        'SELECT serial FROM onus WHERE olt_id = $1 AND rx_power IS NOT NULL ORDER BY serial LIMIT 2',
        [olt.id],
      )
    ).rows;
    const [a, b] = [mine[0]!.serial, mine[1]!.serial];
    const signal = (await onu(b)).rx_power!;
    // A status poll saw LOS (SmartOLT's inventory still says Online): the inventory's reading is applied again.
    await t.db.pool.query(`UPDATE onus SET status = 'LOS' WHERE serial = $1`, [a]);
    let run = await inventory();
    expect(pagesOf(run)).toEqual({ skipped: 0, unrecorded: 0 });
    expect(run.details?.statusChanges).toBe(1);
    expect((await onu(a)).status).toBe('ONLINE');
    // A signal moved by more than a sample's threshold.
    await t.db.pool.query('UPDATE onus SET rx_power = rx_power - 5 WHERE serial = $1', [b]);
    run = await inventory();
    expect(pagesOf(run).skipped).toBe(0);
    expect((await onu(b)).rx_power).toBeCloseTo(signal, 5);
    // An ONU the mirror has on this OLT that SmartOLT does not list there (no other OLT here to move one from).
    await copyRow(t, 'onus', { serial: 'ZTEGSTRANGER1' }, ['external_id', 'connection_id'], `serial = '${a}'`);
    run = await inventory();
    expect(pagesOf(run).skipped).toBe(0);
    expect(run.counts.removed).toBe(1);
    expect((await onu('ZTEGSTRANGER1')).gone_at).not.toBeNull();
    expect(pagesOf(await inventory())).toEqual({ skipped: 1, unrecorded: 0 });
  });

  it('uses no record made by another version of the code that maps and applies ONUs', async () => {
    await ignoresOtherVersions(t, `smartolt.onus:${olt.id}`, inventory);
  });
});

describe('RouterOS session sweeps read before (sync_pages)', () => {
  let t: TestDatabase;
  let services: Services;
  let router: { id: number; ext: number };
  const sweep = () =>
    runSync(ctxOf(services), { source: 'ROUTEROS', kind: 'SESSIONS', scope: 'ROUTER', scopeRef: String(router.id), trigger: 'test' });
  const pagesOf = (run: Awaited<ReturnType<typeof runSync>>) => run.details?.pages as { skipped: number; unrecorded: number };
  const live = () => count(t, `SELECT count(*) AS n FROM ppp_sessions WHERE router_id = ${router.id}`);
  beforeAll(async () => {
    t = await createTestDatabase();
    services = servicesFor(t, vw);
    await fullSync(services);
    const ext = vw.world.data.routers[0]!.id;
    router = { id: (await t.db.pool.query('SELECT id FROM routers WHERE external_id = $1', [String(ext)])).rows[0].id as number, ext };
  });

  it('skips a sweep that finds the same sessions (uptime aside), writing nothing', async () => {
    const sessions = vw.world.sessions(router.ext).length;
    expect(sessions).toBeGreaterThan(5);
    const xid = Number((await t.db.pool.query('SELECT txid_current() AS x')).rows[0].x);
    const run = await sweep();
    expect(run.status).toBe('SUCCEEDED');
    expect(pagesOf(run)).toEqual({ skipped: 1, unrecorded: 0 });
    expect(run.counts).toEqual({ seen: sessions, inserted: 0, updated: 0, unchanged: sessions, removed: 0 });
    expect(await count(t, `SELECT count(*) AS n FROM ppp_sessions WHERE xmin::text::bigint > ${xid % 2 ** 32}`)).toBe(0);
    expect(await count(t, `SELECT count(*) AS n FROM ppp_session_history WHERE xmin::text::bigint > ${xid % 2 ** 32}`)).toBe(0);
  });

  it('reads a sweep again when a session ended or started at the router, and skips the next one', async () => {
    const [session] = vw.world.sessions(router.ext);
    const secret = vw.world.secrets(router.ext).find((s) => s.name === session!.name)!;
    expect(vw.world.logout(router.ext, session!.name)).toBe(true);
    let run = await sweep();
    expect(pagesOf(run)).toEqual({ skipped: 0, unrecorded: 0 });
    expect(run.details).toMatchObject({ started: 0, ended: 1 });
    expect(pagesOf(await sweep()).skipped).toBe(1);
    expect(vw.world.login(secret)).not.toBeNull();
    run = await sweep();
    expect(pagesOf(run).skipped).toBe(0);
    expect(run.details).toMatchObject({ started: 1, ended: 0 });
    expect(pagesOf(await sweep()).skipped).toBe(1);
    expect(await live()).toBe(vw.world.sessions(router.ext).length);
  });

  it('reads a sweep again when the mirror lacks a session the router has, or holds one it no longer has, and mends both', async () => {
    const sessions = vw.world.sessions(router.ext).length;
    // A session the mirror lost (the live stream reported an end that did not happen).
    await t.db.pool.query(`DELETE FROM ppp_sessions WHERE id = (SELECT min(id) FROM ppp_sessions WHERE router_id = $1)`, [router.id]);
    let run = await sweep();
    expect(pagesOf(run).skipped).toBe(0);
    expect(run.details).toMatchObject({ started: 1, ended: 0 });
    // A session the mirror kept after the router dropped it (an end the live stream missed).
    await copyRow(
      t,
      'ppp_sessions',
      { session_key: '*GHOST' },
      [],
      `id = (SELECT min(id) FROM ppp_sessions WHERE router_id = ${router.id})`,
    );
    run = await sweep();
    expect(pagesOf(run).skipped).toBe(0);
    expect(run.details).toMatchObject({ started: 0, ended: 1 });
    expect(await live()).toBe(sessions);
    // A session whose address changed in the mirror alone.
    await t.db.pool.query(
      `UPDATE ppp_sessions SET address = '192.0.2.1' WHERE id = (SELECT max(id) FROM ppp_sessions WHERE router_id = $1)`,
      [router.id],
    );
    run = await sweep();
    expect(pagesOf(run).skipped).toBe(0);
    expect(run.counts.updated).toBe(1);
    expect(await count(t, `SELECT count(*) AS n FROM ppp_sessions WHERE address = '192.0.2.1'`)).toBe(0);
    expect(pagesOf(await sweep())).toEqual({ skipped: 1, unrecorded: 0 });
  });

  it('uses no record made by another version of the code that maps and applies sessions', async () => {
    await ignoresOtherVersions(t, `routeros.sessions:${router.id}`, sweep);
  });
});

describe('workers', () => {
  it('two workers on one database do every job once', async () => {
    const t = await createTestDatabase();
    const services = servicesFor(t, vw);
    await queueIspcube(services, true);
    await Promise.all([drainJobs(services, { concurrency: 2 }), drainJobs({ ...services }, { concurrency: 2 })]);
    const dupes = await t.db.pool.query(
      `SELECT source, kind, scope, scope_ref, count(*)::int AS n FROM sync_runs GROUP BY 1, 2, 3, 4 HAVING count(*) > 1`,
    );
    expect(dupes.rows).toEqual([]);
    expect(await count(t, `SELECT count(*) AS n FROM sync_runs WHERE status <> 'SUCCEEDED'`)).toBe(0);
    expect(await count(t, 'SELECT count(*) AS n FROM graphile_worker.jobs')).toBe(0);
  });

  it('keeps scheduled polls at their interval: each books the next one interval after it started', async () => {
    const t = await createTestDatabase();
    const services = servicesFor(t, vw, { SMARTOLT_STATUS_INTERVAL_SECONDS: '45' });
    await fullSync(services);
    const olt = (await t.db.pool.query('SELECT id FROM olts ORDER BY id LIMIT 1')).rows[0].id as number;
    const before = Date.now();
    await services.jobs.add('sync_smartolt', { kind: 'ONU_STATUS', scope: 'OLT', scopeRef: String(olt), trigger: 'schedule' });
    await drainJobs(services);
    const next = (
      await t.db.pool.query(`SELECT run_at, payload FROM graphile_worker._private_jobs WHERE key = $1`, [
        `sync:SMARTOLT:ONU_STATUS:OLT:${olt}:next`,
      ])
    ).rows;
    expect(next).toHaveLength(1);
    expect(next[0].payload).toEqual({ kind: 'ONU_STATUS', scope: 'OLT', scopeRef: String(olt), trigger: 'schedule' });
    const due = new Date(next[0].run_at).getTime();
    expect(due).toBeGreaterThanOrEqual(before + 45_000);
    expect(due).toBeLessThanOrEqual(Date.now() + 45_000);
    // poll_due sees the OLT polled just now and queues nothing more for it.
    await services.jobs.add('poll_due', {});
    await drainJobs(services);
    expect(await count(t, `SELECT count(*) AS n FROM sync_runs WHERE kind = 'ONU_STATUS' AND scope_ref = '${olt}'`)).toBe(1);
  });

  it('never takes a live worker for a dead one: a job running longer than WORKER_DEAD_AFTER_SECONDS runs once', async () => {
    const t = await createTestDatabase();
    const services = servicesFor(t, vw, { WORKER_DEAD_AFTER_SECONDS: '3' });
    // A slow connections_list keeps the run going well past the dead-after period.
    vw.ispcube.faults.connectionsLatencyMs = 7_000;
    try {
      const { runId } = await queueIspcube(services);
      const calls = vw.ispcube.calls.length;
      await drainJobs(services);
      expect((await t.db.pool.query('SELECT status, attempt FROM sync_runs WHERE id = $1', [runId])).rows[0]).toEqual({
        status: 'SUCCEEDED',
        attempt: 1,
      });
      // Fetched once: no second execution started beside the first.
      expect(vw.ispcube.calls.slice(calls).filter((c) => c.path.endsWith('/connections_list'))).toHaveLength(1);
    } finally {
      vw.ispcube.faults.connectionsLatencyMs = 0;
    }
  });

  it('stops a worker on SIGTERM within seconds, even while its routers have stopped answering', async () => {
    const t = await createTestDatabase();
    const services = servicesFor(t, vw);
    await fullSync(services);
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
      cwd: path.resolve(import.meta.dirname, '../../..'),
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        DATABASE_URL: t.url,
        EMERALD_PROCESSES: 'worker',
        LOG_LEVEL: 'info',
        ...vw.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      // Its live session streams are up…
      await expect.poll(() => out.includes('listening to PPPoE sessions'), { timeout: 20_000 }).toBe(true);
      // …and then every router stops answering (a /cancel will never be acknowledged).
      for (const sim of vw.routers.values()) sim.faults.hang = true;
      child.kill('SIGTERM');
      // A clean stop: held up by the routers, it would end by the 30 s force exit, status 1.
      expect(await exited).toBe(0);
    } finally {
      for (const sim of vw.routers.values()) sim.faults.hang = false;
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('retries the job of a worker killed with SIGKILL mid-sync; the mirror ends the same as after an uninterrupted run', async () => {
    const control = await createTestDatabase();
    await fullSync(servicesFor(control, vw));

    const t = await createTestDatabase();
    const services = servicesFor(t, vw);
    const survivor = servicesFor(t, vw, { WORKER_DEAD_AFTER_SECONDS: '3' });
    const emptyDigest = await mirrorDigest(t);
    // A slow connections_list keeps the ISPCube run in flight long enough to kill its worker.
    vw.ispcube.faults.connectionsLatencyMs = 20_000;
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
      cwd: path.resolve(import.meta.dirname, '../../..'),
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        DATABASE_URL: t.url,
        EMERALD_PROCESSES: 'worker',
        LOG_LEVEL: 'warn',
        // Production's timeout-based reaping, shortened so the test takes seconds, not a minute.
        WORKER_DEAD_AFTER_SECONDS: '3',
        ...vw.env,
      },
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
    try {
      const { runId } = await queueIspcube(services, true);
      await expect
        .poll(async () => (await t.db.pool.query('SELECT status, progress_done FROM sync_runs WHERE id = $1', [runId])).rows[0], {
          timeout: 30_000,
          interval: 100,
        })
        .toMatchObject({ status: 'RUNNING', progress_done: vw.world.data.customers.length });
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      // Right after the kill, before any retry: nothing of the interrupted run is in the
      // mirror (it had read every customer; they were never committed).
      expect(await mirrorDigest(t)).toBe(emptyDigest);
      expect(await count(t, 'SELECT count(*) AS n FROM customers')).toBe(0);
      // The job is still locked by the dead worker. A surviving worker takes it over once
      // the dead one's heartbeat is older than WORKER_DEAD_AFTER_SECONDS (its own reaper).
      expect(await count(t, 'SELECT count(*) AS n FROM graphile_worker.jobs WHERE locked_by IS NOT NULL')).toBe(1);
      vw.ispcube.faults.connectionsLatencyMs = 0;
      await drainJobs(survivor);
      await queueSweep(services);
      await drainJobs(services);
      expect((await t.db.pool.query('SELECT status, attempt FROM sync_runs WHERE id = $1', [runId])).rows[0]).toEqual({
        status: 'SUCCEEDED',
        attempt: 2,
      });
      expect(await mirrorDigest(t)).toBe(await mirrorDigest(control));
      expect(await count(t, 'SELECT count(*) AS n FROM graphile_worker.jobs')).toBe(0);
    } finally {
      vw.ispcube.faults.connectionsLatencyMs = 0;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
