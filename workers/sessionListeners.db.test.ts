/**
 * Live PPPoE sessions over RouterOS `listen`: logins and logouts reach the mirror and the
 * events channel within a moment, a mass disconnect is applied as one batch, and exactly
 * one process listens to each router (another takes over when it stops).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test/db.ts';
import { drainJobs } from '../test/jobs.ts';
import { servicesFor, startVendorWorld, type VendorWorld } from '../test/vendorWorld.ts';
import { EVENTS_CHANNEL } from '../server/src/events/topics.ts';
import { startSessionListeners, type SessionListeners } from './sessionListeners.ts';
import type { Services } from '../server/src/services.ts';
import { enqueueSync } from '../server/src/sync/enqueue.ts';

let vw: VendorWorld;
let t: TestDatabase;
let services: Services;
let first: SessionListeners;
let events: { t: string; ids?: number[]; s?: [number, string, number | null][] }[] = [];
let listenClient: pg.Client;

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const one = async <T>(sql: string, params: unknown[] = []): Promise<T | undefined> =>
  (await t.db.pool.query(sql, params)).rows[0] as T | undefined;

beforeAll(async () => {
  vw = await startVendorWorld({ seed: 21, subscribers: 400 });
  t = await createTestDatabase();
  services = servicesFor(t, vw);
  await enqueueSync(services.db, services.jobs, { source: 'ISPCUBE', kind: 'INVENTORY', scope: 'ALL', trigger: 'test', chain: true });
  await drainJobs(services);
  await enqueueSync(services.db, services.jobs, { source: 'ROUTEROS', kind: 'SESSIONS', scope: 'ALL', trigger: 'test' });
  await drainJobs(services);
  listenClient = new pg.Client({ connectionString: t.url });
  await listenClient.connect();
  listenClient.on('notification', (n) => events.push(JSON.parse(n.payload!) as (typeof events)[number]));
  await listenClient.query(`LISTEN ${EVENTS_CHANNEL}`);
  first = await startSessionListeners(services);
  // listen has no acknowledgement: wait until the simulated routers hold the streams.
  await until('the streams', async () => vw.world.listenerCount('session') === vw.world.data.routers.length);
});
afterAll(async () => {
  await first?.stop();
  await listenClient?.end();
});

describe('live sessions', () => {
  it('listens to every router once', () => {
    expect(first.active().sort()).toHaveLength(vw.world.data.routers.length);
  });

  it('ends a session in the mirror when the subscriber logs out, with a history row and an event', async () => {
    const router = vw.world.data.routers[0]!;
    const session = vw.world
      .sessions(router.id)
      .find((s) => vw.world.secrets(router.id).some((x) => x.name === s.name && x.connectionId !== null))!;
    const mirrored = await one<{ connection_id: number }>('SELECT connection_id FROM ppp_sessions WHERE name = $1', [session.name]);
    expect(mirrored?.connection_id).toBeTruthy();
    events = [];
    vw.world.logout(router.id, session.name, 'hung-up');
    await until('the session to end', async () => !(await one('SELECT 1 FROM ppp_sessions WHERE name = $1', [session.name])));
    const history = await one<{ ended_at: Date; started_at: Date }>(
      'SELECT started_at, ended_at FROM ppp_session_history WHERE name = $1 ORDER BY id DESC LIMIT 1',
      [session.name],
    );
    // started_at comes from the router's uptime (whole seconds).
    expect(Math.abs(history!.started_at.getTime() - session.startedAt.getTime())).toBeLessThan(2000);
    await until('the event', async () => events.some((e) => e.t === 'session' && e.ids!.includes(mirrored!.connection_id)));

    // And back: a new session appears.
    const secret = vw.world.secrets(router.id).find((x) => x.name === session.name)!;
    const again = vw.world.login(secret)!;
    const row = await until('the new session', () =>
      one<{ session_key: string; address: string }>('SELECT session_key, address FROM ppp_sessions WHERE name = $1', [session.name]),
    );
    expect(row).toEqual({ session_key: again.rosId, address: again.address });
  });

  it('applies a mass disconnect as one batch: every session ends, announced in a few chunked events, not hundreds', async () => {
    const router = vw.world.data.routers[0]!;
    const before = vw.world.sessions(router.id).length;
    expect(before).toBeGreaterThan(50);
    const routerRow = (await one<{ id: number }>('SELECT id FROM routers WHERE external_id = $1', [String(router.id)]))!;
    const historyBefore = Number(
      (await one<{ n: string }>('SELECT count(*) AS n FROM ppp_session_history WHERE router_id = $1', [routerRow.id]))!.n,
    );
    events = [];
    expect(vw.world.massDisconnect(router.id)).toBe(before);
    await until(
      'every session to end',
      async () =>
        Number((await one<{ n: string }>('SELECT count(*) AS n FROM ppp_sessions WHERE router_id = $1', [routerRow.id]))!.n) === 0,
    );
    const historyAfter = Number(
      (await one<{ n: string }>('SELECT count(*) AS n FROM ppp_session_history WHERE router_id = $1', [routerRow.id]))!.n,
    );
    expect(historyAfter - historyBefore).toBe(before);
    await new Promise((r) => setTimeout(r, 700));
    // One or two flushes, each announced in NOTIFY-sized chunks of 100 sessions.
    const sessionEvents = events.filter((e) => e.t === 'session');
    expect(sessionEvents.length).toBeGreaterThanOrEqual(Math.ceil(before / 100));
    expect(sessionEvents.length).toBeLessThanOrEqual(Math.ceil(before / 100) + 1);
    expect(new Set(sessionEvents.flatMap((e) => (e.s ?? []).map((x) => x[1]))).size).toBe(before);
  });

  it('hands a router over to another process when the listening one stops', async () => {
    const second = await startSessionListeners(services, { refreshMs: 100 });
    try {
      expect(second.active()).toEqual([]);
      await first.stop();
      // Sessions that come back while nobody listens are caught by the sweep queued at takeover.
      const router = vw.world.data.routers[0]!;
      vw.world.reconnectAll(router.id);
      await until('the takeover', async () => second.active().length === vw.world.data.routers.length);
      await drainJobs(services);
      const expected = vw.world.sessions(router.id).length;
      expect(expected).toBeGreaterThan(50);
      await until(
        'sessions seen by the new listener',
        async () =>
          Number(
            (await one<{ n: string }>(
              'SELECT count(*) AS n FROM ppp_sessions s JOIN routers r ON r.id = s.router_id WHERE r.external_id = $1',
              [String(router.id)],
            ))!.n,
          ) === expected,
      );
    } finally {
      await second.stop();
    }
  });
});
