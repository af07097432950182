/**
 * Live PPPoE sessions: one `/ppp/active/listen` stream per router, held by exactly one
 * worker process (a PostgreSQL advisory lock per router). Changes are coalesced for a
 * moment (a mass disconnect drops hundreds of sessions within seconds) and applied in one
 * transaction with one notification. Listen can miss removals: the periodic full sweeps
 * (sync_routeros SESSIONS) reconcile.
 */
import type pg from 'pg';
import { DEVICES_CHANNEL, notify, sessionEvent } from '../server/src/events/topics.ts';
import { VendorError } from '../server/src/vendors/vendorError.ts';
import { RouterConnection, type RouterTarget } from '../server/src/vendors/routeros.ts';
import { withTransaction } from '../server/src/db/sql.ts';
import type { Services } from '../server/src/services.ts';
import type { MirroredRouter } from '../server/src/vendors/factory.ts';
import { applySessions, endSessions, type SessionChange, mapRouterosActive } from '../server/src/mirror/routeros.ts';
import { enqueueSync } from '../server/src/sync/enqueue.ts';

const LOCK_BASE = 0x6c69_0000; // "li" + router id
const COALESCE_MS = 500;

interface Listener {
  /** host:port it listens to; a router that moved is listened to again at its new address. */
  address: string;
  stop(): Promise<void>;
}

export interface SessionListeners {
  /** Routers this process listens to right now. */
  active(): number[];
  stop(): Promise<void>;
}

export async function startSessionListeners(services: Services, options: { refreshMs?: number } = {}): Promise<SessionListeners> {
  const log = services.log.child({ component: 'ppp-listen' });
  const lockClient: pg.PoolClient = await services.db.pool.connect();
  const listeners = new Map<number, Listener>();
  let stopped = false;

  const listenTo = async (router: MirroredRouter): Promise<Listener | null> => {
    const got = await lockClient.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [LOCK_BASE + router.id]);
    if (!got.rows[0]?.ok) return null;
    const release = (): Promise<unknown> => lockClient.query('SELECT pg_advisory_unlock($1)', [LOCK_BASE + router.id]).catch(() => {});
    let target: RouterTarget;
    try {
      target = services.vendors.routerTarget(router);
    } catch {
      await release();
      return null;
    }
    const conn = new RouterConnection(target, services.config.routeros.timeoutSeconds);
    let pending: Record<string, string>[] = [];
    let flushTimer: NodeJS.Timeout | null = null;
    const flush = async (): Promise<void> => {
      flushTimer = null;
      const rows = pending;
      pending = [];
      if (!rows.length) return;
      const observedAt = new Date();
      const dead = rows.filter((r) => r['.dead'] === 'yes' || r['.dead'] === 'true').map((r) => r['.id']!);
      const alive = rows.filter((r) => !(r['.dead'] === 'yes' || r['.dead'] === 'true') && r.name);
      const changes = await withTransaction(services.db.pool, async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`sync:ROUTEROS:sessions:${router.id}`]);
        const out: SessionChange[] = [];
        if (alive.length)
          out.push(
            ...(
              await applySessions(
                tx,
                router.id,
                alive.map((r) => mapRouterosActive(r, observedAt)),
                observedAt,
                false,
              )
            ).changes,
          );
        if (dead.length) out.push(...(await endSessions(tx, router.id, observedAt, { keys: dead })));
        if (out.length) await notify(tx, sessionEvent(out));
        return out;
      });
      if (changes.length) await services.onChanges?.({ onus: [], sessions: changes });
    };
    let stopStream: (() => Promise<void>) | null = null;
    try {
      stopStream = await conn.listen(
        '/ppp/active',
        (row) => {
          pending.push(row);
          flushTimer ??= setTimeout(
            () => void flush().catch((e: unknown) => log.error({ err: e, router: router.name }, 'applying session changes failed')),
            COALESCE_MS,
          );
        },
        (error) => {
          log.warn({ router: router.name, err: error }, 'session stream ended');
          void stopListener(router.id);
        },
      );
    } catch (error) {
      log.warn({ router: router.name, code: error instanceof VendorError ? error.code : undefined }, 'cannot listen to router');
      await conn.close();
      await release();
      return null;
    }
    log.info({ router: router.name }, 'listening to PPPoE sessions');
    // What changed before the stream started (or while another process held it) is
    // caught by a full sweep right away.
    void enqueueSync(services.db, services.jobs, {
      source: 'ROUTEROS',
      kind: 'SESSIONS',
      scope: 'ROUTER',
      scopeRef: String(router.id),
      trigger: 'listen',
    }).catch((e: unknown) => log.warn({ err: e, router: router.name }, 'could not queue the session sweep'));
    return {
      address: `${router.host}:${router.apiPort}`,
      async stop() {
        if (flushTimer) clearTimeout(flushTimer);
        await flush().catch(() => {});
        // /cancel waits for the router's reply: a router that stopped answering must not hold shutdown.
        await Promise.race([stopStream?.(), new Promise((r) => setTimeout(r, 1000).unref())]);
        await conn.close();
        await release();
      },
    };
  };

  const stopListener = async (id: number): Promise<void> => {
    const l = listeners.get(id);
    listeners.delete(id);
    await l?.stop();
  };

  const refresh = async (): Promise<void> => {
    if (stopped) return;
    const routers = await services.db.pool.query<MirroredRouter>(
      'SELECT id, external_id AS "externalId", name, host, api_port AS "apiPort" FROM routers WHERE gone_at IS NULL ORDER BY id',
    );
    const current = new Map(routers.rows.map((r) => [r.id, `${r.host}:${r.apiPort}`]));
    for (const [id, l] of [...listeners]) {
      if (current.get(id) === l.address) continue;
      log.info({ router: id }, current.has(id) ? 'router moved: listening again' : 'router gone: no longer listening');
      await stopListener(id);
    }
    for (const r of routers.rows) {
      if (listeners.has(r.id) || stopped) continue;
      const l = await listenTo(r);
      if (l) listeners.set(r.id, l);
    }
  };

  // Routers that an inventory adds or moves are listened to at once (DEVICES_CHANNEL);
  // the periodic refresh below also retries routers that could not be reached.
  let refreshing: Promise<void> = Promise.resolve();
  const refreshSoon = (): void => {
    refreshing = refreshing.then(refresh).catch((e: unknown) => log.error({ err: e }, 'refreshing session listeners failed'));
  };
  lockClient.on('notification', (msg) => {
    if (msg.channel === DEVICES_CHANNEL && msg.payload === 'routers') refreshSoon();
  });
  await lockClient.query(`LISTEN ${DEVICES_CHANNEL}`);
  await refresh().catch((e: unknown) => log.error({ err: e }, 'starting session listeners failed'));
  const timer = setInterval(refreshSoon, options.refreshMs ?? 30_000);
  timer.unref();

  let stopping: Promise<void> | undefined;
  return {
    active: () => [...listeners.keys()],
    stop() {
      stopping ??= (async () => {
        stopped = true;
        clearInterval(timer);
        await refreshing;
        await lockClient.query(`UNLISTEN ${DEVICES_CHANNEL}`).catch(() => {});
        for (const id of [...listeners.keys()]) await stopListener(id);
        lockClient.release();
      })();
      return stopping;
    },
  };
}
