/**
 * Traffic history benchmark (issue 16) on the 100k-subscriber bench world:
 *   - one sampling cycle for every live session over all routers: the database side
 *     (storeCycle: samples, counters, top talkers in one statement per router) — time,
 *     rows written, and the growth per day of traffic_samples (+ its indexes);
 *   - the chart query p50/p99 for 7 days (five-minute points) and 90 days (hourly), with
 *     full history for 2,000 connections.
 *   - the same cycle end to end through the RouterOS API: the simulated routers of the same
 *     world (one `/interface/print` per router, four routers at a time as four workers
 *     would), decoded by Emerald's client, then stored — simulators on the same 2 cores.
 *   npm run bench:traffic -- [subscribers=100000]
 */
import fs from 'node:fs';
import path from 'node:path';
import { BUCKET_SECONDS, storeCycle, trafficHistory, type Counters } from '../server/src/traffic/sample.ts';
import { RouterPool } from '../server/src/vendors/routeros.ts';
import { startRouterOsSim } from '../simulators/routeros/server.ts';
import { World } from '../simulators/world/world.ts';
import { benchDatabase, summarize } from './setup.ts';

const subscribers = Number(process.argv[2] ?? 100_000);
const { db } = await benchDatabase(subscribers);
const pool = db.pool;
await pool.query('TRUNCATE traffic_samples, traffic_hourly, traffic_counters, traffic_cycles');

const secrets = (
  await pool.query<{ router_id: number; name: string }>(
    'SELECT router_id, name FROM ppp_secrets WHERE connection_id IS NOT NULL AND gone_at IS NULL',
  )
).rows;
const byRouter = new Map<number, string[]>();
for (const s of secrets) byRouter.set(s.router_id, [...(byRouter.get(s.router_id) ?? []), s.name]);
const t0 = new Date(Math.floor(Date.now() / (BUCKET_SECONDS * 1000)) * BUCKET_SECONDS * 1000 - 2 * BUCKET_SECONDS * 1000);
const counters = (names: string[], k: number) => ({
  names: names.map((n) => `<pppoe-${n}>`),
  rx: names.map((_, i) => String((i % 977) * 1_000_000 * k)),
  tx: names.map((_, i) => String((i % 991) * 9_000_000 * k)),
});
const cycle = async (k: number) => {
  const at = new Date(t0.getTime() + k * BUCKET_SECONDS * 1000);
  const started = performance.now();
  let samples = 0;
  const perRouter: number[] = [];
  for (const [routerId, names] of byRouter) {
    const s = performance.now();
    samples += (await storeCycle(pool, routerId, at, counters(names, k + 1), at)).samples;
    perRouter.push(performance.now() - s);
  }
  return { ms: Math.round(performance.now() - started), samples, slowestRouterMs: Math.round(Math.max(...perRouter)) };
};
const size = async () => Number((await pool.query<{ b: string }>(`SELECT pg_total_relation_size('traffic_samples') AS b`)).rows[0]!.b);
const first = await cycle(0); // counters only
const before = await size();
const second = await cycle(1);
const third = await cycle(2);
const perCycleBytes = ((await size()) - before) / 2;

// ── end to end through the RouterOS API (the bench world is generated from seed 42, like this one)
const world = World.generate({ seed: 42, subscribers });
const sims = await Promise.all(world.data.routers.map((r) => startRouterOsSim({ world, routerId: r.id, user: 'api', password: 'api' })));
const dbRouters = new Map(
  (await pool.query<{ id: number; external_id: string }>('SELECT id, external_id FROM routers')).rows.map((r) => [r.external_id, r.id]),
);
const routerPool = new RouterPool(120);
const readRouter = async (i: number): Promise<Counters> => {
  const r = world.data.routers[i]!;
  const rows = await routerPool.use(
    { id: r.id, name: r.name, host: sims[i]!.host, port: sims[i]!.port, user: 'api', password: 'api', tls: false },
    (conn) => conn.write('/interface/print', ['=stats=', '=.proplist=name,rx-byte,tx-byte', '?type=pppoe-in']),
  );
  return { names: rows.map((x) => x.name!), rx: rows.map((x) => x['rx-byte']!), tx: rows.map((x) => x['tx-byte']!) };
};
const wire = async (k: number) => {
  const at = new Date(t0.getTime() + k * BUCKET_SECONDS * 1000);
  const started = performance.now();
  let next = 0;
  let samples = 0;
  let interfaces = 0;
  let readMs = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < world.data.routers.length) {
        const i = next++;
        const s = performance.now();
        const counters = await readRouter(i);
        readMs += performance.now() - s;
        interfaces += counters.names.length;
        // (not `samples += await …`: that reads `samples` before the await and loses the other workers' additions)
        const stored = await storeCycle(pool, dbRouters.get(String(world.data.routers[i]!.id))!, at, counters, at);
        samples += stored.samples;
      }
    }),
  );
  return { ms: Math.round(performance.now() - started), interfaces, samples, readMsSum: Math.round(readMs) };
};
await pool.query('TRUNCATE traffic_samples, traffic_counters');
await wire(10);
world.tick(BUCKET_SECONDS);
const endToEnd = await wire(11);
await routerPool.closeAll();
await Promise.all(sims.map((x) => x.stop()));

// History for the chart query: 2,000 connections with 7 days of five-minute points and 90 days hourly.
const sample = (await pool.query<{ id: number }>('SELECT id FROM connections ORDER BY random() LIMIT 2000')).rows.map((r) => r.id);
await pool.query(
  `INSERT INTO traffic_samples (connection_id, at, down_kbps, up_kbps)
   SELECT c, date_trunc('hour', now()) - make_interval(mins => 5 * g), (random() * 50000)::int, (random() * 5000)::int
   FROM unnest($1::int[]) c, generate_series(1, 2016) g ON CONFLICT DO NOTHING`,
  [sample],
);
await pool.query(
  `INSERT INTO traffic_hourly (connection_id, hour, down_kbps, up_kbps, down_peak_kbps, up_peak_kbps)
   SELECT c, date_trunc('hour', now()) - make_interval(hours => g), 1000, 100, 2000, 200 FROM unnest($1::int[]) c, generate_series(1, 2160) g ON CONFLICT DO NOTHING`,
  [sample],
);
await pool.query('ANALYZE traffic_samples; ANALYZE traffic_hourly');
const RUNS = Number(process.env.BENCH_RUNS ?? 400);
const time = async (hours: number) => {
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const s = performance.now();
    await trafficHistory(pool, sample[i % sample.length]!, hours);
    out.push(performance.now() - s);
  }
  return summarize(out);
};
const result = {
  subscribers,
  date: new Date().toISOString(),
  machine: '2 cores, PostgreSQL 15 on 127.0.0.1',
  routers: byRouter.size,
  sessions: secrets.length,
  firstCycle: first,
  cycle: second,
  cycleAgain: third,
  endToEnd,
  bytesPerCycle: Math.round(perCycleBytes),
  growthPerDayMB: Math.round((perCycleBytes * 288) / 1e6),
  chart7Days: await time(24 * 7),
  chart90Days: await time(2160),
};
console.log(JSON.stringify(result, null, 2));
fs.writeFileSync(path.join(import.meta.dirname, 'results', `traffic-${subscribers}.json`), `${JSON.stringify(result, null, 2)}\n`);
await db.close();
