/**
 * Demo data: the simulated ISP's world mirrored into the database through the same
 * mapping and upsert code the syncs use, plus what Emerald owns (users, tickets, work
 * orders). Loaded only into an empty database, only in demo mode.
 */
import type pg from 'pg';
import { generateWorld } from '../../../simulators/world/generate.ts';
import type { WorldData } from '../../../simulators/world/model.ts';
import {
  ispcubeConnection,
  ispcubeCustomer,
  ispcubeNode,
  ispcubePlan,
  routerosActive,
  routerosSecret,
  smartoltOlt,
  smartoltOnuDetails,
} from '../../../simulators/world/views.ts';
import { linkAll } from '../mirror/link.ts';
import { SEARCHABLE_TABLES, settleSearchIndexes } from '../mirror/upsert.ts';
import type { Db } from '../db/client.ts';
import { seedDemoAlerts, seedOwnedData, type OwnedSeedSummary } from './owned.ts';
import { withTransaction, type Queryable } from '../db/sql.ts';
import type { ApplyCounts } from '../mirror/common.ts';
import {
  applyConnections,
  applyCustomers,
  applyPlans,
  applyRouters,
  mapIspcubeConnection,
  mapIspcubeCustomer,
  mapIspcubeNode,
  mapIspcubePlan,
} from '../mirror/ispcube.ts';
import { applySecrets, applySessions, mapRouterosActive, mapRouterosSecret } from '../mirror/routeros.ts';
import { applyOlts, applyOnus, applyOnuSignals, applyOnuStatuses, mapSmartoltOlt, mapSmartoltOnu } from '../mirror/smartolt.ts';

export interface DemoSeedOptions {
  subscribers: number;
  seed: number;
  now?: Date;
  /** The world to load (demo mode shares it with the simulators); generated when absent. */
  world?: WorldData;
  /** Router API addresses as the simulators serve them (demo mode); defaults to the world's. */
  routerAddress?: (routerId: number) => { ip: string; port: number };
  /** Also set up alerting (demo mode): the NOC told on Telegram, escalation to the admins. */
  alerts?: boolean;
}

export interface DemoSeedSummary {
  world: WorldData;
  mirrored: Record<string, ApplyCounts>;
  owned: OwnedSeedSummary;
  durationMs: number;
}

/** True when the database holds no customers and no users (a fresh install). */
/**
 * The demo loads a simulated ISP and well-known sign-ins: it may only ever touch a
 * database it created itself. It marks the databases it seeds; one it did not seed (real
 * customers, real users) makes it stop. Databases seeded before the mark existed are
 * recognised by the demo's own users (`…@emerald.demo`) and marked.
 */
export async function claimDemoDatabase(pool: pg.Pool): Promise<'empty' | 'demo' | 'foreign'> {
  const marked = await pool.query(`SELECT 1 FROM app_meta WHERE key = 'demo' AND value = 'true'::jsonb`);
  if (marked.rowCount) return 'demo';
  if (await isDatabaseEmpty(pool)) return 'empty';
  const demoUsers = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE email LIKE '%@emerald.demo'`);
  const otherUsers = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM users WHERE email IS NULL OR email NOT LIKE '%@emerald.demo'`,
  );
  if ((demoUsers.rows[0]?.n ?? 0) > 0 && (otherUsers.rows[0]?.n ?? 0) === 0) {
    await markDemoDatabase(pool);
    return 'demo';
  }
  return 'foreign';
}

export async function markDemoDatabase(db: Queryable): Promise<void> {
  await db.query(
    `INSERT INTO app_meta (key, value) VALUES ('demo', 'true'::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
  );
}

export async function isDatabaseEmpty(pool: pg.Pool): Promise<boolean> {
  const res = await pool.query<{ n: number }>('SELECT (SELECT count(*) FROM customers) + (SELECT count(*) FROM users) AS n');
  return Number(res.rows[0]?.n ?? 0) === 0;
}

/** Mirror a world into the database as if each vendor had been synced once. */
export async function mirrorWorld(
  db: Queryable,
  world: WorldData,
  now: Date,
  routerAddress?: DemoSeedOptions['routerAddress'],
): Promise<Record<string, ApplyCounts>> {
  const out: Record<string, ApplyCounts> = {};
  out.plans = await applyPlans(
    db,
    world.plans.map((p) => mapIspcubePlan(ispcubePlan(p))),
    true,
  );
  out.routers = await applyRouters(
    db,
    world.routers.map((r) => mapIspcubeNode(ispcubeNode(r, routerAddress?.(r.id)))),
    true,
  );
  out.customers = await applyCustomers(
    db,
    world.customers.map((c) => mapIspcubeCustomer(ispcubeCustomer(c))),
    true,
  );
  out.connections = await applyConnections(
    db,
    world.connections.map((c) => mapIspcubeConnection(ispcubeConnection(c))),
    true,
  );

  const routerIds = new Map(
    (await db.query<{ id: number; external_id: string }>('SELECT id, external_id FROM routers')).rows.map((r) => [r.external_id, r.id]),
  );
  const secrets: ApplyCounts[] = [];
  const sessions: ApplyCounts[] = [];
  for (const router of world.routers) {
    const routerId = routerIds.get(String(router.id))!;
    secrets.push(
      await applySecrets(
        db,
        routerId,
        world.secrets.filter((s) => s.routerId === router.id).map((s) => mapRouterosSecret(routerosSecret(s, router))),
        true,
      ),
    );
    sessions.push(
      await applySessions(
        db,
        routerId,
        world.sessions.filter((s) => s.routerId === router.id).map((s) => mapRouterosActive(routerosActive(s, router, now), now)),
        now,
        true,
      ),
    );
  }
  out.secrets = sumCounts(secrets);
  out.sessions = sumCounts(sessions);

  out.olts = await applyOlts(
    db,
    world.olts.map((o) => mapSmartoltOlt(smartoltOlt(o))),
    true,
  );
  const oltIds = new Map(
    (await db.query<{ id: number; external_id: string }>('SELECT id, external_id FROM olts')).rows.map((r) => [r.external_id, r.id]),
  );
  const onus: ApplyCounts[] = [];
  for (const olt of world.olts) {
    const mapped = world.onus.filter((o) => o.oltId === olt.id).map((o) => mapSmartoltOnu(smartoltOnuDetails(o, olt)));
    const oltId = oltIds.get(String(olt.id))!;
    onus.push(
      await applyOnus(
        db,
        oltId,
        mapped.map((m) => ({ ...m.onu, initialStatus: m.status, initialSignal: m.signal })),
        true,
        now,
      ),
    );
    // Statuses and signals of ONUs already known go through the change path (events, samples).
    await applyOnuStatuses(
      db,
      mapped.flatMap((m) => (m.status ? [m.status] : [])),
      now,
    );
    await applyOnuSignals(
      db,
      mapped.flatMap((m) => (m.signal ? [m.signal] : [])),
      now,
    );
  }
  out.onus = sumCounts(onus);
  await linkAll(db);
  return out;
}

function sumCounts(list: ApplyCounts[]): ApplyCounts {
  return list.reduce(
    (a, b) => ({
      seen: a.seen + b.seen,
      inserted: a.inserted + b.inserted,
      updated: a.updated + b.updated,
      unchanged: a.unchanged + b.unchanged,
      removed: a.removed + b.removed,
    }),
    { seen: 0, inserted: 0, updated: 0, unchanged: 0, removed: 0 },
  );
}

/** Record the seed as one successful sync per source so freshness is known from the first screen. */
async function recordSeedRuns(db: Queryable, mirrored: Record<string, ApplyCounts>, started: Date, now: Date): Promise<void> {
  const runs: [string, string, ApplyCounts][] = [
    ['ISPCUBE', 'INVENTORY', sumCounts([mirrored.plans!, mirrored.routers!, mirrored.customers!, mirrored.connections!])],
    ['ROUTEROS', 'INVENTORY', mirrored.secrets!],
    ['ROUTEROS', 'SESSIONS', mirrored.sessions!],
    ['SMARTOLT', 'INVENTORY', sumCounts([mirrored.olts!, mirrored.onus!])],
  ];
  for (const [source, kind, c] of runs) {
    await db.query(
      `INSERT INTO sync_runs (source, kind, scope, status, trigger, seen, inserted, updated, unchanged, removed, queued_at, started_at, finished_at, progress_done, progress_total)
       VALUES ($1, $2, 'ALL', 'SUCCEEDED', 'demo-seed', $3, $4, $5, $6, $7, $8, $8, $9, $3, $3)`,
      [source, kind, c.seen, c.inserted, c.updated, c.unchanged, c.removed, started, now],
    );
    await db.query(
      `INSERT INTO source_freshness (source, kind, scope_key, last_success_at, last_attempt_at, last_row_count)
       VALUES ($1, $2, 'all', $3, $3, $4)
       ON CONFLICT (source, kind, scope_key) DO UPDATE SET last_success_at = $3, last_attempt_at = $3, last_row_count = $4`,
      [source, kind, now, c.seen],
    );
  }
  for (const kind of ['ONU_STATUS', 'ONU_SIGNAL']) {
    await db.query(
      `INSERT INTO source_freshness (source, kind, scope_key, last_success_at, last_attempt_at, last_row_count)
       SELECT 'SMARTOLT', $1, 'olt:' || o.id, $2, $2, (SELECT count(*) FROM onus WHERE olt_id = o.id) FROM olts o
       ON CONFLICT (source, kind, scope_key) DO UPDATE SET last_success_at = $2, last_attempt_at = $2`,
      [kind, now],
    );
  }
}

export async function seedDemo(db: Db, options: DemoSeedOptions): Promise<DemoSeedSummary> {
  const started = new Date();
  const now = options.now ?? new Date();
  const world = options.world ?? generateWorld({ seed: options.seed, subscribers: options.subscribers, now });
  const result = await withTransaction(db.pool, async (tx) => {
    const mirrored = await mirrorWorld(tx, world, now, options.routerAddress);
    await recordSeedRuns(tx, mirrored, started, now);
    const owned = await seedOwnedData(tx, { seed: options.seed, now });
    if (options.alerts) await seedDemoAlerts(tx);
    return { mirrored, owned };
  });
  await settleSearchIndexes(db.pool, SEARCHABLE_TABLES);
  return { world, ...result, durationMs: Date.now() - started.getTime() };
}
