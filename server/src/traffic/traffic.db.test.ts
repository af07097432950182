/**
 * Traffic history against the simulated routers: one `/interface/print` per router per
 * cycle, rates from counter differences (the world's own rates), never a sample twice (a
 * retried or doubled cycle writes nothing), counters that restart with a session, hourly
 * roll-ups, pruning, and the GraphQL chart and top talkers.
 */
import { encodeGlobalID } from '@pothos/plugin-relay';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../../test/api.ts';
import { drainJobs } from '../../../test/jobs.ts';
import { startVendorWorld, type VendorWorld } from '../../../test/vendorWorld.ts';
import { enqueueSync } from '../sync/enqueue.ts';
import { BUCKET_SECONDS, bucketOf, prune, rollUp, sampleRouter } from './sample.ts';

const SEED = 37;
const SUBSCRIBERS = 300;
let vw: VendorWorld;
let api: TestApi;
let routerId: number;
let worldRouterId: number;
const T0 = new Date(Math.floor(Date.now() / (BUCKET_SECONDS * 1000)) * BUCKET_SECONDS * 1000 - 3 * BUCKET_SECONDS * 1000 + 10_000);
const at = (cycles: number) => new Date(T0.getTime() + cycles * BUCKET_SECONDS * 1000);

beforeAll(async () => {
  vw = await startVendorWorld({ seed: SEED, subscribers: SUBSCRIBERS });
  api = await createTestApi({ subscribers: SUBSCRIBERS, seed: SEED, endpoints: vw.endpoints, env: vw.env });
  for (const [id, sim] of vw.routers)
    await api.db.pool.query('UPDATE routers SET host = $2, api_port = $3 WHERE external_id = $1', [String(id), sim.host, sim.port]);
  await enqueueSync(api.db, api.services.jobs, { source: 'ROUTEROS', kind: 'SESSIONS', scope: 'ALL', trigger: 'test' });
  await drainJobs(api.services);
  worldRouterId = [...vw.routers.keys()].sort((a, b) => vw.world.sessions(b).length - vw.world.sessions(a).length)[0]!;
  routerId = (await api.db.pool.query<{ id: number }>('SELECT id FROM routers WHERE external_id = $1', [String(worldRouterId)])).rows[0]!
    .id;
});

const sampleRows = async (bucket: Date) =>
  (await api.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM traffic_samples WHERE at = $1', [bucket])).rows[0]!.n;

async function connectionOf(name: string): Promise<number> {
  return (
    await api.db.pool.query<{ connection_id: number }>('SELECT connection_id FROM ppp_secrets WHERE router_id = $1 AND name = $2', [
      routerId,
      name,
    ])
  ).rows[0]!.connection_id;
}

describe('sampling', () => {
  it('reads each router once per cycle and turns counter differences into the rates the world carries', async () => {
    const sim = vw.routers.get(worldRouterId)!;
    const reads = sim.commands.get('/interface/print') ?? 0;
    const first = await sampleRouter(api.services, routerId, at(0));
    expect(first).toMatchObject({ skipped: false, samples: 0 }); // nothing to compare with yet
    expect(first.interfaces).toBe(vw.world.sessions(worldRouterId).length);
    expect(sim.commands.get('/interface/print')).toBe(reads + 1);

    vw.world.tick(BUCKET_SECONDS);
    const second = await sampleRouter(api.services, routerId, at(1));
    const linked = await api.db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ppp_secrets WHERE router_id = $1 AND connection_id IS NOT NULL AND name = ANY($2::text[])`,
      [routerId, vw.world.sessions(worldRouterId).map((s) => s.name)],
    );
    expect(second.samples).toBe(linked.rows[0]!.n);
    expect(second.samples).toBeGreaterThan(10);
    expect(sim.commands.get('/interface/print')).toBe(reads + 2);

    // The world adds 30 % of a session's nominal rate per second (world.tick): compare.
    const session = vw.world.sessions(worldRouterId).find((s) => s.rxRate > 5e6)!;
    const row = (
      await api.db.pool.query<{ down_kbps: number; up_kbps: number }>(
        'SELECT down_kbps, up_kbps FROM traffic_samples WHERE connection_id = $1 AND at = $2',
        [await connectionOf(session.name), bucketOf(at(1))],
      )
    ).rows[0]!;
    expect(row.down_kbps).toBeCloseTo((session.rxRate * 0.3) / 1000, -1);
    expect(row.up_kbps).toBeCloseTo((session.txRate * 0.3) / 1000, -1);
  });

  it('never stores a cycle twice: a repeat in the same five minutes reads nothing and writes nothing', async () => {
    const sim = vw.routers.get(worldRouterId)!;
    const reads = sim.commands.get('/interface/print') ?? 0;
    const before = await sampleRows(bucketOf(at(1)));
    const again = await sampleRouter(api.services, routerId, new Date(at(1).getTime() + 60_000));
    expect(again.skipped).toBe(true);
    expect(sim.commands.get('/interface/print')).toBe(reads);
    expect(await sampleRows(bucketOf(at(1)))).toBe(before);

    // Two workers on the same bucket: one samples, the other finds it claimed.
    vw.world.tick(BUCKET_SECONDS);
    const both = await Promise.all([sampleRouter(api.services, routerId, at(2)), sampleRouter(api.services, routerId, at(2))]);
    expect(both.map((r) => r.skipped).sort()).toEqual([false, true]);
    expect(await sampleRows(bucketOf(at(2)))).toBe(both.find((r) => !r.skipped)!.samples);
  });

  it('counts a restarted session from zero, never a negative rate', async () => {
    const session = vw.world.sessions(worldRouterId).find((s) => s.rxRate > 1e6)!;
    const secret = vw.world.secrets(worldRouterId).find((s) => s.name === session.name)!;
    vw.world.logout(worldRouterId, session.name);
    const fresh = vw.world.login(secret)!;
    vw.world.tick(BUCKET_SECONDS);
    await sampleRouter(api.services, routerId, at(3));
    const row = (
      await api.db.pool.query<{ down_kbps: number }>('SELECT down_kbps FROM traffic_samples WHERE connection_id = $1 AND at = $2', [
        await connectionOf(session.name),
        bucketOf(at(3)),
      ])
    ).rows[0]!;
    expect(row.down_kbps).toBeGreaterThanOrEqual(0);
    expect(row.down_kbps).toBeCloseTo((fresh.rxRate * 0.3) / 1000, -1);
    const min = await api.db.pool.query<{ m: number }>('SELECT min(least(down_kbps, up_kbps))::int AS m FROM traffic_samples');
    expect(min.rows[0]!.m).toBeGreaterThanOrEqual(0);
  });
});

describe('roll-up and retention', () => {
  it('rolls five-minute samples into hourly average and peak, the same on every run', async () => {
    const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 5 * 3_600_000);
    const values = [1000, 3000, 2000, 6000];
    for (const [i, v] of values.entries())
      await api.db.pool.query('INSERT INTO traffic_samples (connection_id, at, down_kbps, up_kbps) VALUES (999001, $1, $2, $3)', [
        new Date(hour.getTime() + i * 300_000),
        v,
        v / 10,
      ]);
    const read = async () =>
      (
        await api.db.pool.query(
          'SELECT down_kbps, up_kbps, down_peak_kbps, up_peak_kbps FROM traffic_hourly WHERE connection_id = 999001 AND hour = $1',
          [hour],
        )
      ).rows;
    await rollUp(api.db.pool, hour, new Date(hour.getTime() + 3_600_000));
    expect(await read()).toEqual([{ down_kbps: 3000, up_kbps: 300, down_peak_kbps: 6000, up_peak_kbps: 600 }]);
    await rollUp(api.db.pool, hour, new Date(hour.getTime() + 3_600_000));
    expect(await read()).toHaveLength(1);
  });

  it('prunes what is past retention, in batches, and keeps the rest', async () => {
    await api.db.pool.query(
      `INSERT INTO traffic_samples (connection_id, at, down_kbps, up_kbps)
       SELECT 999002, now() - interval '8 days' - make_interval(mins => g * 5), 1, 1 FROM generate_series(1, 25) g`,
    );
    await api.db.pool.query(
      `INSERT INTO traffic_hourly (connection_id, hour, down_kbps, up_kbps, down_peak_kbps, up_peak_kbps)
       SELECT 999002, date_trunc('hour', now()) + interval '1 hour' - make_interval(days => d), 1, 1, 1, 1 FROM generate_series(1, 100) d`,
    );
    const pruned = await prune(api.db.pool, { retentionDays: 7, hourlyRetentionDays: 90 }, 10);
    expect(pruned.samples).toBe(25);
    expect(pruned.hourly).toBe(10); // days 91…100
    const left = await api.db.pool.query<{ samples: number; hourly: number }>(
      `SELECT (SELECT count(*)::int FROM traffic_samples WHERE at < now() - interval '7 days') AS samples,
              (SELECT count(*)::int FROM traffic_hourly WHERE connection_id = 999002) AS hourly`,
    );
    expect(left.rows[0]).toEqual({ samples: 0, hourly: 90 });
    expect(await sampleRows(bucketOf(at(1)))).toBeGreaterThan(10); // recent samples untouched
  });
});

describe('GraphQL', () => {
  it('charts a connection against its plan with its drops, and lists the top talkers', async () => {
    const support = await api.as('soporte');
    const session = vw.world.sessions(worldRouterId).find((s) => s.rxRate > 5e6)!;
    const connectionId = await connectionOf(session.name);
    await api.db.pool.query(
      `INSERT INTO ppp_session_history (router_id, name, connection_id, started_at, ended_at, duration_seconds, disconnect_reason)
       VALUES ($1, $2, $3, now() - interval '3 hours', now() - interval '2 hours', 3600, 'peer-not-responding')`,
      [routerId, session.name, connectionId],
    );
    const res = await support.query<Record<string, any>>(
      `{ connection(id: "${encodeGlobalID('Connection', String(connectionId))}") {
          day: trafficHistory(hours: 24) { resolution planDownBps planUpBps points { at downBps upBps } drops { reason } }
          quarter: trafficHistory(hours: 2160) { resolution points { downBps downPeakBps } }
        } }`,
    );
    expect(res.errors ?? []).toEqual([]);
    const { day, quarter } = res.data!.connection;
    expect(day.resolution).toBe('FIVE_MINUTES');
    expect(day.points.length).toBeGreaterThanOrEqual(2);
    expect(day.points[0].downBps).toBeGreaterThan(0);
    expect(day.planDownBps).toBeGreaterThan(day.planUpBps);
    expect(day.drops).toEqual([{ reason: 'peer-not-responding' }]);
    expect(quarter.resolution).toBe('HOURLY');
    expect(quarter.points.length).toBeGreaterThanOrEqual(1);

    const noc = await api.as('noc');
    const top = await noc.query<Record<string, any>>(
      `{ topTalkers(limit: 3) { downBps upBps router { name } connection { pppoeUsername } } }`,
    );
    expect(top.errors ?? []).toEqual([]);
    const talkers = top.data!.topTalkers;
    expect(talkers).toHaveLength(3);
    const total = (t: { downBps: number; upBps: number }) => t.downBps + t.upBps;
    expect(total(talkers[0])).toBeGreaterThanOrEqual(total(talkers[1]));
    expect(talkers[0].connection.pppoeUsername).toBeTruthy();
  });
});
