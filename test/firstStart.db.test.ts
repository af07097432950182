/**
 * A new ISP's first start: Emerald with EMERALD_DEMO=off on an empty database, pointed at
 * the standalone simulators of a 3,000-subscriber ISP as it would be at real vendors. The
 * network must be there within a minute — customers, connections, PPP secrets, live
 * sessions, ONUs with their status — without a manual `npm run sync` and without waiting
 * for the 4-hourly schedule, the listeners' refresh or the next minute's poll.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emerald } from '../server/src/boot.ts';
import { startTestEmerald } from './emerald.ts';
import { fillMirrorIfStale, lastFiring } from '../server/src/sync/firstRun.ts';
import { createTestDatabase } from './db.ts';
import { startVendorWorld, type VendorWorld } from './vendorWorld.ts';

let vw: VendorWorld;
let emerald: Emerald | undefined;
beforeAll(async () => {
  vw = await startVendorWorld({ subscribers: 3000, seed: 13 });
});
afterAll(async () => {
  await emerald?.stop();
});

interface MirrorCounts {
  customers: number;
  connections: number;
  secrets: number;
  sessions: number;
  onus: number;
  onus_with_status: number;
}

describe('first start against real vendors', () => {
  it('fills the mirror from an empty database within a minute, sessions included', async () => {
    const database = await createTestDatabase();
    const started = Date.now();
    emerald = await startTestEmerald({ ...vw.env, DATABASE_URL: database.url, EMERALD_DEMO: 'off' }, { buildClient: false });
    const data = vw.world.data;
    const expected = {
      customers: data.customers.length,
      connections: data.connections.length,
      secrets: data.secrets.length,
      sessions: vw.world.data.routers.reduce((n, r) => n + vw.world.sessions(r.id).length, 0),
      onus: data.onus.length,
    };
    const counts = async (): Promise<MirrorCounts> =>
      (
        await database.db.pool.query<MirrorCounts>(
          `SELECT (SELECT count(*)::int FROM customers WHERE gone_at IS NULL) AS customers,
                  (SELECT count(*)::int FROM connections WHERE gone_at IS NULL) AS connections,
                  (SELECT count(*)::int FROM ppp_secrets WHERE gone_at IS NULL) AS secrets,
                  (SELECT count(*)::int FROM ppp_sessions) AS sessions,
                  (SELECT count(*)::int FROM onus WHERE gone_at IS NULL) AS onus,
                  (SELECT count(*)::int FROM onus WHERE gone_at IS NULL AND status <> 'UNKNOWN' AND status_observed_at IS NOT NULL) AS onus_with_status`,
        )
      ).rows[0]!;
    await expect
      .poll(
        async () => {
          const c = await counts();
          return (
            c.customers === expected.customers &&
            c.connections === expected.connections &&
            c.secrets === expected.secrets &&
            c.sessions >= expected.sessions * 0.98 &&
            c.onus === expected.onus &&
            c.onus_with_status === expected.onus
          );
        },
        // A minute is the promise; 25 s is the test's deadline, so that waiting for the
        // listeners' 30 s refresh or the next minute's poll (the old behaviour) fails it.
        { timeout: 25_000, interval: 500 },
      )
      .toBe(true);
    const tookMs = Date.now() - started;
    console.log(`first start: mirror complete ${(tookMs / 1000).toFixed(1)} s after boot began`, await counts(), expected);

    // How it got there: the inventory queued at start (not by cron), chained to every router
    // and OLT, and each router's sessions swept once its stream started.
    const succeeded = async () =>
      (
        await database.db.pool.query<{ source: string; kind: string; scope: string; trigger: string; n: number }>(
          `SELECT source::text, kind::text, scope::text, trigger, count(*)::int AS n FROM sync_runs
           WHERE status = 'SUCCEEDED' GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
        )
      ).rows;
    const total = (rows: Awaited<ReturnType<typeof succeeded>>, source: string, kind: string, scope: string, trigger?: string) =>
      rows
        .filter((r) => r.source === source && r.kind === kind && r.scope === scope && (!trigger || r.trigger === trigger))
        .reduce((n, r) => n + r.n, 0);
    // A run's rows commit a moment before the run is marked done: wait for the records.
    await expect
      .poll(async () => {
        const rows = await succeeded();
        return {
          ispcube: total(rows, 'ISPCUBE', 'INVENTORY', 'ALL', 'startup'),
          routers: total(rows, 'ROUTEROS', 'INVENTORY', 'ROUTER'),
          olts: total(rows, 'SMARTOLT', 'INVENTORY', 'OLT'),
          sweptAll: total(rows, 'ROUTEROS', 'SESSIONS', 'ROUTER') >= data.routers.length,
        };
      })
      .toEqual({ ispcube: 1, routers: data.routers.length, olts: data.olts.length, sweptAll: true });
  });

  it('a restart on a fresh mirror does not queue the inventory again; one that missed its schedule does', async () => {
    const services = emerald!.services;
    expect(await fillMirrorIfStale(services)).toBe('fresh');
    // The server was down when the inventory was due: the last success is older than the last firing.
    await services.db.pool.query(
      `UPDATE source_freshness SET last_success_at = now() - interval '5 hours' WHERE source = 'ISPCUBE' AND kind = 'INVENTORY'`,
    );
    expect(await fillMirrorIfStale(services)).toBe('queued');
    expect(await fillMirrorIfStale(services)).toBe('in-progress');

    const now = new Date('2026-11-29T10:30:00Z');
    expect(lastFiring('0 */4 * * *', now)?.toISOString()).toBe('2026-11-29T08:00:00.000Z');
    expect(lastFiring('15 3 * * 1', now)?.toISOString()).toBe('2026-11-23T03:15:00.000Z');
    expect(lastFiring('*/5 * * * *', new Date('2026-11-29T10:30:59Z'))?.toISOString()).toBe('2026-11-29T10:30:00.000Z');
  });
});
