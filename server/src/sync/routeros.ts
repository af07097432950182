/** RouterOS syncs: PPP secrets per router, full `/ppp/active` sweeps, and their fan-out over every router. */
import type { Queryable } from '../db/sql.ts';
import { withTransaction } from '../db/sql.ts';
import { notify, sessionEvent } from '../events/topics.ts';
import { counts as countsOf, emptyCounts, type ApplyCounts } from '../mirror/common.ts';
import { holdLinks, linkAll } from '../mirror/link.ts';
import { settleSearchIndexes } from '../mirror/upsert.ts';
import type { MirroredRouter } from '../vendors/factory.ts';
import { VendorError } from '../vendors/vendorError.ts';
import { enqueueSync } from './enqueue.ts';
import { PageMemory, rowsDigest } from './pages.ts';
import type { Run, SyncKindValue } from './runs.ts';
import { Problems, guardSnapshot, phaseClock, type SyncContext, type SyncHandler, type SyncHandlerKey } from './steps.ts';
import {
  applySecrets,
  applySessions,
  mapRouterosActive,
  mapRouterosSecret,
  SESSION_SWEEP_STATE,
  SESSION_SWEEP_VERSION,
  VOLATILE_SESSION_FIELDS,
} from '../mirror/routeros.ts';

type RouterRow = MirroredRouter;

async function routerRow(db: Queryable, id: number): Promise<RouterRow> {
  const res = await db.query<RouterRow>(
    'SELECT id, external_id AS "externalId", name, host, api_port AS "apiPort" FROM routers WHERE id = $1',
    [id],
  );
  if (!res.rows[0]) throw new VendorError('ROUTEROS', 'BAD_RESPONSE', `no router ${id} in the mirror`);
  return res.rows[0];
}

export async function recordContact(
  db: Queryable,
  routerId: number,
  error: unknown,
  info?: { identity?: string; version?: string },
): Promise<void> {
  if (error) {
    await db.query('UPDATE routers SET reachable = false, last_error = $2 WHERE id = $1', [
      routerId,
      error instanceof Error ? error.message : String(error),
    ]);
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

const SECRET_PROPS = [
  '.id',
  'name',
  'service',
  'profile',
  'remote-address',
  'disabled',
  'comment',
  'last-logged-out',
  'last-caller-id',
  'last-disconnect-reason',
];
const ACTIVE_PROPS = ['.id', 'name', 'service', 'caller-id', 'address', 'uptime', 'encoding', 'session-id', 'radius'];

async function syncRouterSecrets(
  ctx: SyncContext,
  run: Run,
  routerId: number,
): Promise<{ counts: ApplyCounts; details: Record<string, unknown> }> {
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
  const problems = new Problems();
  const rows = problems.map(fetched.secrets, (r) => mapRouterosSecret(r as Record<string, string>));
  // Judged on what could be read, not on what arrived: rows that cannot be mapped are missing too.
  problems.guard(ctx.config.sync.maxRejectedShare, `/ppp/secret of ${router.name}`);
  await guardSnapshot(ctx.db.pool, 'secrets', [routerId], rows.length, `/ppp/secret of ${router.name}`);
  phases.mark('map');
  const counts = await withTransaction(ctx.db.pool, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`sync:ROUTEROS:router:${routerId}`]);
    await holdLinks(tx, 'shared');
    const c = await applySecrets(tx, routerId, rows, true);
    phases.mark('apply');
    // Written secrets carry their link; relink when any changed (their sessions follow).
    // Connections that changed are relinked by the ISPCube sync that changed them.
    if (c.inserted + c.updated + c.removed > 0) await linkAll(tx, { routerId });
    phases.mark('link');
    return c;
  });
  if (counts.inserted + counts.updated + counts.removed > 100) await settleSearchIndexes(ctx.db.pool, ['ppp_secrets'], { analyze: false });
  return { counts, details: { ...problems.details, phases: phases.done() } };
}

/** A full `/ppp/active` sweep: new sessions start, missing ones end (catches what listen missed). */
async function syncRouterSessions(
  ctx: SyncContext,
  run: Run,
  routerId: number,
): Promise<{ counts: ApplyCounts; details: Record<string, unknown> }> {
  const router = await routerRow(ctx.db.pool, routerId);
  if (someoneWaits(run)) ctx.vendors.routers.resetBackoff(routerId);
  const target = ctx.vendors.routerTarget(router);
  const phases = phaseClock();
  let active: Record<string, string>[];
  try {
    active = await ctx.vendors.routers.use(target, (c) => c.print('/ppp/active', { proplist: ACTIVE_PROPS }));
  } catch (error) {
    await recordContact(ctx.db.pool, routerId, error);
    throw error;
  }
  phases.mark('fetch');
  await recordContact(ctx.db.pool, routerId, null);
  // The same sessions (uptime aside) as the last committed sweep, and the mirror holding
  // exactly those for this router as it left them (the live stream changed none): nothing
  // started, ended or changed.
  const digest = rowsDigest(active, VOLATILE_SESSION_FIELDS);
  const pages = await PageMemory.load(ctx.db.pool, `routeros.sessions:${routerId}`, SESSION_SWEEP_VERSION, {
    table: 'ppp_sessions',
    keyColumn: 'session_key',
    state: SESSION_SWEEP_STATE,
    scope: { column: 'router_id', value: routerId },
    marksGone: false,
  });
  const skipped = await pages.recall(ctx.db.pool, digest);
  if (skipped) {
    return {
      counts: countsOf(skipped.length, 0, 0),
      details: { started: 0, ended: 0, pages: pages.stats, phases: phases.done() },
    };
  }
  const observedAt = new Date();
  const problems = new Problems();
  const rows = problems.map(active, (r) => mapRouterosActive(r as Record<string, string>, observedAt));
  problems.guard(ctx.config.sync.maxRejectedShare, `/ppp/active of ${router.name}`);
  phases.mark('map');
  const result = await withTransaction(ctx.db.pool, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`sync:ROUTEROS:sessions:${routerId}`]);
    const r = await applySessions(tx, routerId, rows, observedAt, true);
    if (r.changes.length) await notify(tx, sessionEvent(r.changes));
    // Recorded as the mirror now holds them; a sweep with an unreadable session never is.
    if (rows.length === active.length)
      await pages.recordFromMirror(
        tx,
        digest,
        rows.map((row) => row.session_key),
      );
    else pages.unrecordable();
    await pages.save(tx);
    return r;
  });
  phases.mark('apply');
  if (result.changes.length) await ctx.onChanges?.({ onus: [], sessions: result.changes });
  const { changes, ...counts } = result;
  return {
    counts,
    details: {
      started: changes.filter((c) => c.kind === 'started').length,
      ended: changes.filter((c) => c.kind === 'ended').length,
      pages: pages.stats,
      ...problems.details,
      phases: phases.done(),
    },
  };
}

async function fanOutRouters(
  ctx: SyncContext,
  kind: SyncKindValue,
  trigger: string,
): Promise<{ counts: ApplyCounts; details: Record<string, unknown> }> {
  const routers = await ctx.db.pool.query<{ id: number }>('SELECT id FROM routers WHERE gone_at IS NULL ORDER BY id');
  let queued = 0;
  for (const r of routers.rows) {
    const res = await enqueueSync(ctx.db, ctx.jobs, { source: 'ROUTEROS', kind, scope: 'ROUTER', scopeRef: String(r.id), trigger });
    if (res.queued) queued++;
  }
  return { counts: { ...emptyCounts(), seen: routers.rows.length }, details: { fannedOut: routers.rows.length, queued } };
}

/**
 * A first session sweep for every router never swept (one an inventory just added): its
 * sessions are in the mirror within seconds even where no live stream can start. One-off
 * runs; the scheduled sweeps (poll_due) take over from there.
 */
export async function sweepUnsweptRouters(ctx: SyncContext, trigger: string): Promise<number> {
  const routers = await ctx.db.pool.query<{ id: number }>(
    `SELECT r.id FROM routers r
     LEFT JOIN source_freshness f ON f.source = 'ROUTEROS' AND f.kind = 'SESSIONS' AND f.scope_key = 'router:' || r.id
     WHERE r.gone_at IS NULL AND f.last_attempt_at IS NULL ORDER BY r.id`,
  );
  for (const r of routers.rows)
    await enqueueSync(ctx.db, ctx.jobs, { source: 'ROUTEROS', kind: 'SESSIONS', scope: 'ROUTER', scopeRef: String(r.id), trigger });
  return routers.rows.length;
}

export const routerosSyncs: Partial<Record<SyncHandlerKey, SyncHandler>> = {
  'ROUTEROS/INVENTORY/ALL': (ctx, _run, spec) => fanOutRouters(ctx, spec.kind, spec.trigger),
  'ROUTEROS/SESSIONS/ALL': (ctx, _run, spec) => fanOutRouters(ctx, spec.kind, spec.trigger),
  'ROUTEROS/INVENTORY/ROUTER': (ctx, run, spec) => syncRouterSecrets(ctx, run, Number(spec.scopeRef)),
  'ROUTEROS/SESSIONS/ROUTER': (ctx, run, spec) => syncRouterSessions(ctx, run, Number(spec.scopeRef)),
};
