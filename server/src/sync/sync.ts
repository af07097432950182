/**
 * Inventory syncs and status polls, per source and scope. Each run:
 *   fetch the snapshot → refuse it if it looks partial → map → apply in one transaction
 *   (idempotent upserts keyed on vendor ids, vanished rows marked gone) → record counts
 *   and freshness → announce changes.
 * "All" scopes fan out: one job per router / OLT, deduplicated by job key.
 * Transient vendor errors are rethrown so Graphile Worker retries with backoff;
 * permanent ones (credentials, bad replies) fail the run at once and stay visible.
 */
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { snapshotLooksPartial } from '../domain/snapshot.ts';
import type { JobQueue } from '../graphql/context.ts';
import type { Logger } from '../logger.ts';
import {
  addCounts,
  markGone,
  applyConnections,
  applyCustomers,
  applyOlts,
  applyOnuSignals,
  applyOnuStatuses,
  applyOnus,
  applyPlans,
  applyRouters,
  applySecrets,
  applySessions,
  emptyCounts,
  type ApplyCounts,
  type OnuStatusChange,
  type SessionChange,
} from '../mirror/apply.ts';
import { linkAll } from '../mirror/link.ts';
import {
  MappingError,
  mapIspcubeConnection,
  mapIspcubeCustomer,
  mapIspcubeNode,
  mapIspcubePlan,
  mapRouterosActive,
  mapRouterosSecret,
  mapSmartoltOlt,
  mapSmartoltOnu,
  mapSmartoltSignal,
  mapSmartoltStatus,
} from '../mirror/map.ts';
import { SEARCHABLE_TABLES, settleSearchIndexes, withTransaction, type Queryable } from '../mirror/sql.ts';
import { VendorError } from '../vendors/errors.ts';
import { ADD_JOB_SQL } from '../../../workers/queue.ts';
import { notify, type EmeraldEvent } from './events.ts';
import { beginRun, finishRun, freshnessKey, reportProgress, type Run, type RunSpec, type SyncKindValue, type SyncSource } from './runs.ts';
import type { Vendors } from './vendors.ts';

export interface SyncContext {
  db: Db;
  log: Logger;
  config: Config;
  vendors: Vendors;
  jobs: JobQueue;
  /** Called with ONU status changes and ended sessions after they are committed (outage correlation). */
  onChanges?: (changes: { onus: OnuStatusChange[]; sessions: SessionChange[] }) => Promise<void>;
}

export interface SyncResult {
  runId: number;
  status: 'SUCCEEDED' | 'FAILED' | 'REJECTED';
  counts: ApplyCounts;
  error?: VendorError | Error;
  details?: Record<string, unknown>;
}

class PartialSnapshot extends Error {
  override readonly name = 'PartialSnapshot';
}

export const TASK_OF: Record<SyncSource, string> = { ISPCUBE: 'sync_ispcube', ROUTEROS: 'sync_routeros', SMARTOLT: 'sync_smartolt' };

export function jobKeyOf(spec: Pick<RunSpec, 'source' | 'kind' | 'scope' | 'scopeRef'>): string {
  return `sync:${spec.source}:${spec.kind}:${spec.scope}:${spec.scopeRef ?? 'all'}`;
}

/**
 * Queue a sync: a QUEUED run and its job, in one transaction. If the same sync is already
 * queued or running, nothing new is queued and that run's id is returned.
 */
export async function enqueueSync(
  db: Db,
  jobs: JobQueue,
  spec: Omit<RunSpec, 'runId'> & { requestedById?: number | null; chain?: boolean },
): Promise<{ runId: number; queued: boolean }> {
  await jobs.ready();
  return withTransaction(db.pool, async (tx) => {
    const key = jobKeyOf(spec);
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
    const existing = await tx.query<{ id: number }>(
      `SELECT id FROM sync_runs WHERE source = $1 AND kind = $2 AND scope = $3 AND scope_ref IS NOT DISTINCT FROM $4 AND status IN ('QUEUED', 'RUNNING')
       ORDER BY id DESC LIMIT 1`,
      [spec.source, spec.kind, spec.scope, spec.scopeRef ?? null],
    );
    if (existing.rows[0]) return { runId: existing.rows[0].id, queued: false };
    const run = await tx.query<{ id: number }>(
      `INSERT INTO sync_runs (source, kind, scope, scope_ref, status, trigger, requested_by_id) VALUES ($1, $2, $3, $4, 'QUEUED', $5, $6) RETURNING id`,
      [spec.source, spec.kind, spec.scope, spec.scopeRef ?? null, spec.trigger, spec.requestedById ?? null],
    );
    const runId = run.rows[0]!.id;
    await tx.query(ADD_JOB_SQL, [TASK_OF[spec.source], JSON.stringify({ runId, kind: spec.kind, scope: spec.scope, scopeRef: spec.scopeRef ?? null, trigger: spec.trigger, ...(spec.chain ? { chain: true } : {}) }), key]);
    await notify(tx, { t: 'sync_run', id: runId });
    return { runId, queued: true };
  });
}

/** Run one sync and record it. Transient failures are rethrown (the job retries). */
export async function runSync(ctx: SyncContext, spec: RunSpec & { chain?: boolean }): Promise<SyncResult> {
  const run = await beginRun(ctx.db.pool, spec);
  const log = ctx.log.child({ runId: run.id, source: spec.source, kind: spec.kind, scope: spec.scope, scopeRef: spec.scopeRef });
  const started = Date.now();
  try {
    const { counts, details } = await execute(ctx, run, spec);
    await finishRun(ctx.db.pool, run, { status: 'SUCCEEDED', counts, details: { ...details, ms: Date.now() - started } });
    log.info({ ...counts, ms: Date.now() - started }, 'sync succeeded');
    return { runId: run.id, status: 'SUCCEEDED', counts, details };
  } catch (error) {
    const partial = error instanceof PartialSnapshot;
    const status = partial ? 'REJECTED' : 'FAILED';
    const reported = partial ? new VendorError(spec.source, 'PARTIAL_SNAPSHOT', error.message) : error;
    await finishRun(ctx.db.pool, run, { status, error: reported }).catch((e: unknown) => log.error({ err: e }, 'could not record the failed run'));
    log.warn({ err: reported, ms: Date.now() - started }, partial ? 'sync rejected a partial snapshot' : 'sync failed');
    if (error instanceof VendorError && error.transient) throw error;
    return { runId: run.id, status, counts: emptyCounts(), error: reported as Error };
  }
}

async function execute(ctx: SyncContext, run: Run, spec: RunSpec & { chain?: boolean }): Promise<{ counts: ApplyCounts; details?: Record<string, unknown> }> {
  const key = `${spec.source}/${spec.kind}/${spec.scope}`;
  switch (key) {
    case 'ISPCUBE/INVENTORY/ALL':
      return syncIspcube(ctx, run, spec.chain === true);
    case 'ISPCUBE/INVENTORY/CUSTOMER':
      return syncIspcubeCustomer(ctx, run, spec.scopeRef ?? '');
    case 'ROUTEROS/INVENTORY/ALL':
    case 'ROUTEROS/SESSIONS/ALL':
      return fanOutRouters(ctx, spec.kind, spec.trigger);
    case 'ROUTEROS/INVENTORY/ROUTER':
      return syncRouterSecrets(ctx, run, Number(spec.scopeRef));
    case 'ROUTEROS/SESSIONS/ROUTER':
      return syncRouterSessions(ctx, run, Number(spec.scopeRef));
    case 'SMARTOLT/INVENTORY/ALL':
      return syncOltsAndFanOut(ctx, run, spec.trigger);
    case 'SMARTOLT/ONU_STATUS/ALL':
    case 'SMARTOLT/ONU_SIGNAL/ALL':
      return fanOutOlts(ctx, spec.kind, spec.trigger);
    case 'SMARTOLT/INVENTORY/OLT':
      return syncOltOnus(ctx, run, Number(spec.scopeRef));
    case 'SMARTOLT/ONU_STATUS/OLT':
      return pollOltStatuses(ctx, run, Number(spec.scopeRef));
    case 'SMARTOLT/ONU_SIGNAL/OLT':
      return pollOltSignals(ctx, run, Number(spec.scopeRef));
    default:
      throw new VendorError(spec.source, 'BAD_RESPONSE', `no such sync: ${key}`);
  }
}

/** What the mirror holds now for a snapshot's scope: the yardstick for a partial snapshot. */
const MIRROR_COUNT: Record<string, string> = {
  customers: 'SELECT count(*)::int AS n FROM customers WHERE gone_at IS NULL',
  connections: 'SELECT count(*)::int AS n FROM connections WHERE gone_at IS NULL',
  secrets: 'SELECT count(*)::int AS n FROM ppp_secrets WHERE gone_at IS NULL AND router_id = $1',
  olts: 'SELECT count(*)::int AS n FROM olts WHERE gone_at IS NULL',
  onus: 'SELECT count(*)::int AS n FROM onus WHERE gone_at IS NULL AND olt_id = $1',
};

async function guardSnapshot(db: Queryable, mirror: keyof typeof MIRROR_COUNT, params: unknown[], rows: number, what: string): Promise<void> {
  const last = (await db.query<{ n: number }>(MIRROR_COUNT[mirror]!, params)).rows[0]?.n ?? 0;
  if (snapshotLooksPartial(rows, last)) {
    throw new PartialSnapshot(`${what}: ${rows} rows where the mirror has ${last}; not applied (the mirror keeps the last good data)`);
  }
}

/** Iterate `source` one item ahead: the next item is being fetched while the caller works on this one. */
async function* prefetch<T>(source: AsyncIterator<T> | AsyncIterable<T>): AsyncGenerator<T> {
  const it = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source;
  let next = it.next();
  for (;;) {
    const current = await next;
    if (current.done) return;
    next = it.next();
    // An error of the prefetched step surfaces when it is awaited; do not report it unhandled meanwhile.
    next.catch(() => {});
    yield current.value;
  }
}

/** Milliseconds spent in each phase of a run (fetch, map, apply…), for the run's details. */
function phaseClock(): { mark(phase: string): void; done(): Record<string, number> } {
  const out: Record<string, number> = {};
  let last = performance.now();
  return {
    mark(phase) {
      const now = performance.now();
      out[phase] = Math.round(now - last);
      last = now;
    },
    done: () => out,
  };
}

/** Map every payload; a payload that cannot be mapped is skipped and reported. */
function mapAll<T>(payloads: unknown[], map: (p: unknown) => T, problems: string[]): T[] {
  const out: T[] = [];
  for (const p of payloads) {
    try {
      out.push(map(p));
    } catch (error) {
      if (!(error instanceof MappingError)) throw error;
      if (problems.length < 20) problems.push(error.message);
      else if (problems.length === 20) problems.push('…');
    }
  }
  return out;
}

// ───────────────────────────── ISPCube ─────────────────────────────

/**
 * The ISPCube inventory in one transaction: plans and routers, then customers page by page
 * and connections chunk by chunk, so memory holds one page at a time, and nothing is
 * visible (or marked gone) until the whole snapshot is in and judged complete.
 */
async function syncIspcube(ctx: SyncContext, run: Run, chain: boolean): Promise<{ counts: ApplyCounts; details: Record<string, unknown> }> {
  const client = ctx.vendors.ispcube();
  const phases = phaseClock();
  const problems: string[] = [];
  const result = await withTransaction(ctx.db.pool, async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('sync:ISPCUBE'))`);
    const plans = await applyPlans(tx, mapAll(await client.plans(), mapIspcubePlan, problems), true);
    const routers = await applyRouters(tx, mapAll(await client.nodes(), mapIspcubeNode, problems), true);
    phases.mark('plans+nodes');

    let customers = emptyCounts();
    const customerKeys: string[] = [];
    let customerPayloads = 0;
    // The next page is fetched while the current batch is written; batches of ~2000 rows.
    let batch: unknown[] = [];
    const flush = async (): Promise<void> => {
      const rows = mapAll(batch, mapIspcubeCustomer, problems);
      batch = [];
      customers = addCounts(customers, await applyCustomers(tx, rows, false));
      for (const r of rows) customerKeys.push(r.external_id);
      await reportProgress(ctx.db.pool, run, customerPayloads, null);
    };
    for await (const page of prefetch(client.customerPages(500))) {
      customerPayloads += page.length;
      batch.push(...page);
      if (batch.length >= 2000) await flush();
    }
    if (batch.length) await flush();
    await guardSnapshot(tx, 'customers', [], customerPayloads, 'customers_list');
    phases.mark('customers');

    const payloads: (unknown | null)[] = await client.connections();
    phases.mark('connections_list');
    await guardSnapshot(tx, 'connections', [], payloads.length, 'connections_list');
    let connections = emptyCounts();
    const connectionKeys: string[] = [];
    let orphans = 0;
    for (let i = 0; i < payloads.length; i += 2000) {
      const rows = mapAll(payloads.slice(i, i + 2000), mapIspcubeConnection, problems);
      payloads.fill(null, i, i + 2000); // let the raw payloads go as we go
      const r = await applyConnections(tx, rows, false);
      connections = addCounts(connections, r);
      orphans += r.orphans.length;
      const orphaned = new Set(r.orphans);
      for (const row of rows) if (!orphaned.has(row.external_id)) connectionKeys.push(row.external_id);
      await reportProgress(ctx.db.pool, run, customerPayloads + Math.min(i + 2000, payloads.length), customerPayloads + payloads.length);
    }
    customers.removed = await markGone(tx, 'customers', 'external_id', customerKeys);
    connections.removed = await markGone(tx, 'connections', 'external_id', connectionKeys);
    phases.mark('connections');
    const links = await linkAll(tx);
    phases.mark('link');
    return { plans, routers, customers, connections, orphans, links };
  });
  if (result.customers.inserted + result.customers.updated + result.connections.inserted + result.connections.updated + result.links.secrets + result.links.onus > 100) {
    await settleSearchIndexes(ctx.db.pool, ['customers', 'customer_phones', 'customer_emails', 'connections', 'ppp_secrets', 'onus']);
  }
  phases.mark('settle');
  if (result.orphans) problems.push(`${result.orphans} connections of unknown customers skipped`);
  if (chain) {
    // The scheduled full sync continues with the routers and OLTs ISPCube just listed; they
    // run after it so their secrets and ONUs link to its committed connections.
    await enqueueSync(ctx.db, ctx.jobs, { source: 'ROUTEROS', kind: 'INVENTORY', scope: 'ALL', trigger: run.spec.trigger });
    await enqueueSync(ctx.db, ctx.jobs, { source: 'SMARTOLT', kind: 'INVENTORY', scope: 'ALL', trigger: run.spec.trigger });
  }
  const total = [result.plans, result.routers, result.customers, result.connections].reduce(addCounts, emptyCounts());
  return {
    counts: total,
    details: {
      plans: result.plans,
      routers: result.routers,
      customers: result.customers,
      connections: { ...result.connections, orphans: result.orphans },
      relinked: result.links,
      problems,
      requests: client.requests,
      phases: phases.done(),
    },
  };
}

async function syncIspcubeCustomer(ctx: SyncContext, _run: Run, docNumber: string): Promise<{ counts: ApplyCounts; details: Record<string, unknown> }> {
  const client = ctx.vendors.ispcube();
  const customer = await client.customerByDoc(docNumber);
  if (!customer) return { counts: emptyCounts(), details: { found: false } };
  const problems: string[] = [];
  const customers = mapAll([customer], mapIspcubeCustomer, problems);
  const connections = mapAll(Array.isArray(customer.connections) ? customer.connections : [], mapIspcubeConnection, problems);
  const counts = await withTransaction(ctx.db.pool, async (tx) => {
    const a = await applyCustomers(tx, customers, false);
    const b = await applyConnections(tx, connections, false);
    await linkAll(tx);
    return addCounts(a, b);
  });
  return { counts, details: { found: true, problems } };
}

// ───────────────────────────── RouterOS ─────────────────────────────

interface RouterRow {
  id: number;
  name: string;
  host: string;
  apiPort: number;
}

async function routerRow(db: Queryable, id: number): Promise<RouterRow> {
  const res = await db.query<RouterRow>('SELECT id, name, host, api_port AS "apiPort" FROM routers WHERE id = $1', [id]);
  if (!res.rows[0]) throw new VendorError('ROUTEROS', 'BAD_RESPONSE', `no router ${id} in the mirror`);
  return res.rows[0];
}

async function recordContact(db: Queryable, routerId: number, error: unknown, info?: { identity?: string; version?: string }): Promise<void> {
  if (error) {
    await db.query('UPDATE routers SET reachable = false, last_error = $2 WHERE id = $1', [routerId, error instanceof Error ? error.message : String(error)]);
  } else {
    // Only a change of state (or a 10-minute-old contact time) writes: an idle re-sync writes nothing.
    await db.query(
      `UPDATE routers SET reachable = true, last_error = NULL, last_contact_at = now(),
              identity = COALESCE($2, identity), version = COALESCE($3, version)
       WHERE id = $1 AND (reachable IS DISTINCT FROM true OR last_error IS NOT NULL OR last_contact_at IS NULL
                          OR last_contact_at < now() - interval '10 minutes'
                          OR identity IS DISTINCT FROM COALESCE($2, identity) OR version IS DISTINCT FROM COALESCE($3, version))`,
      [routerId, info?.identity ?? null, info?.version ?? null],
    );
  }
}

/** A person asked for this run (GraphQL or CLI): try the router now, whatever its backoff. */
function someoneWaits(run: Run): boolean {
  return run.spec.trigger === 'manual' || run.spec.trigger === 'cli';
}

const SECRET_PROPS = ['.id', 'name', 'service', 'profile', 'remote-address', 'disabled', 'comment', 'last-logged-out', 'last-caller-id', 'last-disconnect-reason'];
const ACTIVE_PROPS = ['.id', 'name', 'service', 'caller-id', 'address', 'uptime', 'encoding', 'session-id', 'radius'];

async function syncRouterSecrets(ctx: SyncContext, run: Run, routerId: number): Promise<{ counts: ApplyCounts; details: Record<string, unknown> }> {
  const router = await routerRow(ctx.db.pool, routerId);
  if (someoneWaits(run)) ctx.vendors.routers.resetBackoff(routerId);
  const target = ctx.vendors.routerTarget(router);
  const phases = phaseClock();
  let fetched: { secrets: Record<string, string>[]; identity?: string; version?: string };
  try {
    fetched = await ctx.vendors.routers.use(target, async (c) => {
      // Passwords are never asked for (.proplist), let alone stored.
      const secrets = await c.print('/ppp/secret', { proplist: SECRET_PROPS });
      const [identity] = await c.print('/system/identity');
      const [resource] = await c.print('/system/resource', { proplist: ['version', 'board-name'] });
      return { secrets, identity: identity?.name, version: resource?.version };
    });
  } catch (error) {
    await recordContact(ctx.db.pool, routerId, error);
    throw error;
  }
  phases.mark('fetch');
  await recordContact(ctx.db.pool, routerId, null, fetched);
  await guardSnapshot(ctx.db.pool, 'secrets', [routerId], fetched.secrets.length, `/ppp/secret of ${router.name}`);
  const problems: string[] = [];
  const rows = mapAll(fetched.secrets, (r) => mapRouterosSecret(r as Record<string, string>), problems);
  phases.mark('map');
  const counts = await withTransaction(ctx.db.pool, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`sync:ROUTEROS:router:${routerId}`]);
    const c = await applySecrets(tx, routerId, rows, true);
    phases.mark('apply');
    // Written secrets carry their link; relink when any changed (their sessions follow).
    // Connections that changed are relinked by the ISPCube sync that changed them.
    if (c.inserted + c.updated + c.removed > 0) await linkAll(tx, { routerId });
    phases.mark('link');
    return c;
  });
  if (counts.inserted + counts.updated + counts.removed > 100) await settleSearchIndexes(ctx.db.pool, ['ppp_secrets'], { analyze: false });
  return { counts, details: { problems, phases: phases.done() } };
}

/** A full `/ppp/active` sweep: new sessions start, missing ones end (catches what listen missed). */
async function syncRouterSessions(ctx: SyncContext, run: Run, routerId: number): Promise<{ counts: ApplyCounts; details: Record<string, unknown> }> {
  const router = await routerRow(ctx.db.pool, routerId);
  if (someoneWaits(run)) ctx.vendors.routers.resetBackoff(routerId);
  const target = ctx.vendors.routerTarget(router);
  let active: Record<string, string>[];
  try {
    active = await ctx.vendors.routers.use(target, (c) => c.print('/ppp/active', { proplist: ACTIVE_PROPS }));
  } catch (error) {
    await recordContact(ctx.db.pool, routerId, error);
    throw error;
  }
  await recordContact(ctx.db.pool, routerId, null);
  const observedAt = new Date();
  const problems: string[] = [];
  const rows = mapAll(active, (r) => mapRouterosActive(r as Record<string, string>, observedAt), problems);
  const result = await withTransaction(ctx.db.pool, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`sync:ROUTEROS:sessions:${routerId}`]);
    const r = await applySessions(tx, routerId, rows, observedAt, true);
    if (r.changes.length) await notify(tx, sessionEvent(r.changes));
    return r;
  });
  if (result.changes.length) await ctx.onChanges?.({ onus: [], sessions: result.changes });
  const { changes, ...counts } = result;
  return { counts, details: { started: changes.filter((c) => c.kind === 'started').length, ended: changes.filter((c) => c.kind === 'ended').length, problems } };
}

async function fanOutRouters(ctx: SyncContext, kind: SyncKindValue, trigger: string): Promise<{ counts: ApplyCounts; details: Record<string, unknown> }> {
  const routers = await ctx.db.pool.query<{ id: number }>('SELECT id FROM routers WHERE gone_at IS NULL ORDER BY id');
  let queued = 0;
  for (const r of routers.rows) {
    const res = await enqueueSync(ctx.db, ctx.jobs, { source: 'ROUTEROS', kind, scope: 'ROUTER', scopeRef: String(r.id), trigger });
    if (res.queued) queued++;
  }
  return { counts: { ...emptyCounts(), seen: routers.rows.length }, details: { fannedOut: routers.rows.length, queued } };
}

// ───────────────────────────── SmartOLT ─────────────────────────────

async function oltRow(db: Queryable, id: number): Promise<{ id: number; externalId: string; name: string }> {
  const res = await db.query<{ id: number; externalId: string; name: string }>('SELECT id, external_id AS "externalId", name FROM olts WHERE id = $1', [id]);
  if (!res.rows[0]) throw new VendorError('SMARTOLT', 'BAD_RESPONSE', `no OLT ${id} in the mirror`);
  return res.rows[0];
}

async function syncOltsAndFanOut(ctx: SyncContext, _run: Run, trigger: string): Promise<{ counts: ApplyCounts; details: Record<string, unknown> }> {
  const olts = await ctx.vendors.smartoltBackground().olts();
  await guardSnapshot(ctx.db.pool, 'olts', [], olts.length, 'get_olts');
  const problems: string[] = [];
  const rows = mapAll(olts, mapSmartoltOlt, problems);
  const counts = await withTransaction(ctx.db.pool, (tx) => applyOlts(tx, rows, true));
  const fanned = await fanOutOlts(ctx, 'INVENTORY', trigger);
  return { counts, details: { ...fanned.details, problems } };
}

async function fanOutOlts(ctx: SyncContext, kind: SyncKindValue, trigger: string): Promise<{ counts: ApplyCounts; details: Record<string, unknown> }> {
  const olts = await ctx.db.pool.query<{ id: number }>('SELECT id FROM olts WHERE gone_at IS NULL ORDER BY id');
  let queued = 0;
  for (const o of olts.rows) {
    const res = await enqueueSync(ctx.db, ctx.jobs, { source: 'SMARTOLT', kind, scope: 'OLT', scopeRef: String(o.id), trigger });
    if (res.queued) queued++;
  }
  return { counts: { ...emptyCounts(), seen: olts.rows.length }, details: { fannedOut: olts.rows.length, queued } };
}

async function afterOnuChanges(ctx: SyncContext, tx: Queryable, changes: OnuStatusChange[]): Promise<void> {
  if (!changes.length) return;
  await notify(tx, { t: 'onu', ids: changes.map((c) => c.onuId) });
  await notify(tx, { t: 'summary' });
}

async function syncOltOnus(ctx: SyncContext, run: Run, oltId: number): Promise<{ counts: ApplyCounts; details: Record<string, unknown> }> {
  const olt = await oltRow(ctx.db.pool, oltId);
  const client = ctx.vendors.smartoltBackground();
  const phases = phaseClock();
  const details = await client.onuDetails(olt.externalId, 1000, (done, total) => void reportProgress(ctx.db.pool, run, done, total).catch(() => {}));
  phases.mark('fetch');
  await guardSnapshot(ctx.db.pool, 'onus', [oltId], details.length, `ONUs of ${olt.name}`);
  const problems: string[] = [];
  const mapped = mapAll(details, mapSmartoltOnu, problems);
  phases.mark('map');
  const observedAt = new Date();
  const { counts, changes } = await withTransaction(ctx.db.pool, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`sync:SMARTOLT:olt:${oltId}`]);
    const c = await applyOnus(tx, oltId, mapped.map((m) => ({ ...m.onu, initialStatus: m.status, initialSignal: m.signal })), true, observedAt);
    phases.mark('apply');
    const statusChanges = await applyOnuStatuses(tx, mapped.flatMap((m) => (m.status ? [m.status] : [])), observedAt);
    await applyOnuSignals(tx, mapped.flatMap((m) => (m.signal ? [m.signal] : [])), observedAt);
    phases.mark('readings');
    if (c.inserted + c.updated + c.removed > 0) await linkAll(tx, { oltId });
    phases.mark('link');
    await afterOnuChanges(ctx, tx, statusChanges);
    return { counts: c, changes: statusChanges };
  });
  if (counts.inserted + counts.updated + counts.removed > 100) await settleSearchIndexes(ctx.db.pool, ['onus'], { analyze: false });
  if (changes.length) await ctx.onChanges?.({ onus: changes, sessions: [] });
  // An inventory sync also confirms statuses and signals of this OLT.
  await touchFreshness(ctx.db.pool, oltId, ['ONU_STATUS', 'ONU_SIGNAL'], details.length);
  return { counts, details: { statusChanges: changes.length, problems, phases: phases.done() } };
}

async function touchFreshness(db: Queryable, oltId: number, kinds: SyncKindValue[], rows: number): Promise<void> {
  for (const kind of kinds) {
    await db.query(
      `INSERT INTO source_freshness (source, kind, scope_key, last_success_at, last_attempt_at, last_row_count) VALUES ('SMARTOLT', $1, $2, now(), now(), $3)
       ON CONFLICT (source, kind, scope_key) DO UPDATE SET last_success_at = now(), last_attempt_at = now(), last_row_count = EXCLUDED.last_row_count`,
      [kind, `olt:${oltId}`, rows],
    );
  }
}

/** Bulk status poll of one OLT: only real changes write (ONU row + status event). */
async function pollOltStatuses(ctx: SyncContext, _run: Run, oltId: number): Promise<{ counts: ApplyCounts; details: Record<string, unknown> }> {
  const olt = await oltRow(ctx.db.pool, oltId);
  const statuses = await ctx.vendors.smartoltBackground().statuses(olt.externalId);
  await guardSnapshot(ctx.db.pool, 'onus', [oltId], statuses.length, `statuses of ${olt.name}`);
  const problems: string[] = [];
  const readings = mapAll(statuses, mapSmartoltStatus, problems);
  const observedAt = new Date();
  const changes = await withTransaction(ctx.db.pool, async (tx) => {
    const c = await applyOnuStatuses(tx, readings, observedAt);
    await afterOnuChanges(ctx, tx, c);
    return c;
  });
  if (changes.length) await ctx.onChanges?.({ onus: changes, sessions: [] });
  return { counts: { seen: readings.length, inserted: 0, updated: changes.length, unchanged: readings.length - changes.length, removed: 0 }, details: { problems } };
}

async function pollOltSignals(ctx: SyncContext, _run: Run, oltId: number): Promise<{ counts: ApplyCounts; details: Record<string, unknown> }> {
  const olt = await oltRow(ctx.db.pool, oltId);
  const signals = await ctx.vendors.smartoltBackground().signals(olt.externalId);
  await guardSnapshot(ctx.db.pool, 'onus', [oltId], signals.length, `signals of ${olt.name}`);
  const problems: string[] = [];
  const readings = mapAll(signals, mapSmartoltSignal, problems);
  const changes = await withTransaction(ctx.db.pool, async (tx) => {
    const c = await applyOnuSignals(tx, readings, new Date());
    if (c.length) await notify(tx, { t: 'onu', ids: c.map((x) => x.onuId) });
    return c;
  });
  return { counts: { seen: readings.length, inserted: 0, updated: changes.length, unchanged: readings.length - changes.length, removed: 0 }, details: { problems } };
}

/** The event announcing sessions that started or ended. */
export function sessionEvent(changes: SessionChange[]): EmeraldEvent {
  return { t: 'session', ids: [], s: changes.map((c) => [c.routerId, c.name, c.connectionId]) };
}

export { freshnessKey };
