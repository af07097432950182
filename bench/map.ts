/**
 * `npm run bench:map [subscribers]`: the map's viewport query through the real API (HTTP,
 * GraphQL, authorization) on the 100k-subscriber world. Viewports: one whole town at the
 * zoom a NOC screen shows it (city-wide, clustered), the same town panned at random, a
 * neighbourhood at street level (points), and the whole province (few big clusters).
 * Also: 10 clients at once panning around towns (a NOC wall plus staff), and the time
 * the triggers add to a status storm (500 ONUs going LOS in one statement).
 */
import fs from 'node:fs';
import path from 'node:path';
import { benchApi, benchDatabase, summarize } from './setup.ts';

const subscribers = Number(process.argv[2] ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 300);

const { db } = await benchDatabase(subscribers);
const api = await benchApi(db, 'noc');
const post = api.post;

/** The query the map screen sends on every pan and zoom. */
const MAP = `query MapBench($bbox: BoundingBoxInput!, $zoom: Int!) {
  map(bbox: $bbox, zoom: $zoom) {
    total clustered
    points { connectionId latitude longitude state customerName pppoeUsername }
    clusters { latitude longitude count counts { online offline los powerFail unknown } bounds { west south east north } }
  }
}`;

// Towns: the centre and spread of each town's customers.
const towns = (
  await db.pool.query<{ city: string; lat: number; lng: number; dlat: number; dlng: number; n: number }>(
    `SELECT cu.city, avg(m.latitude) AS lat, avg(m.longitude) AS lng, stddev(m.latitude) AS dlat, stddev(m.longitude) AS dlng, count(*)::int AS n
       FROM map_points m JOIN connections c ON c.id = m.connection_id JOIN customers cu ON cu.id = c.customer_id
      GROUP BY 1 ORDER BY n DESC`,
  )
).rows;
const biggest = towns[0]!;
/** A whole town: ±3 standard deviations, as a NOC screen at zoom 13 shows it. */
const cityWide = (t: (typeof towns)[number], jitter = 0) => ({
  west: t.lng - 3 * t.dlng + jitter,
  east: t.lng + 3 * t.dlng + jitter,
  south: t.lat - 3 * t.dlat + jitter,
  north: t.lat + 3 * t.dlat + jitter,
});

async function measure(name: string, variables: () => Record<string, unknown>): Promise<ReturnType<typeof summarize> & { total: number }> {
  const samples: number[] = [];
  let total = 0;
  for (let i = 0; i < 20; i++) await post(MAP, variables()); // warm-up
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const data = await post(MAP, variables());
    samples.push(performance.now() - t);
    total = data.map.total;
  }
  const s = { ...summarize(samples), total };
  console.log(name.padEnd(44), JSON.stringify(s));
  return s;
}

const results: Record<string, unknown> = { subscribers, runs: RUNS, townCustomers: biggest.n, located: towns.reduce((s, t) => s + t.n, 0) };
results.cityWide = await measure(`city-wide (${biggest.city}, zoom 13)`, () => ({ bbox: cityWide(biggest), zoom: 13 }));
results.cityWidePanning = await measure('city-wide, any town, panned at random', () => {
  const t = towns[Math.floor(Math.random() * towns.length)]!;
  return { bbox: cityWide(t, (Math.random() - 0.5) * 0.02), zoom: 13 };
});
results.street = await measure('neighbourhood (zoom 17, points)', () => {
  const lat = biggest.lat + (Math.random() - 0.5) * biggest.dlat;
  const lng = biggest.lng + (Math.random() - 0.5) * biggest.dlng;
  return { bbox: { west: lng - 0.004, east: lng + 0.004, south: lat - 0.003, north: lat + 0.003 }, zoom: 17 };
});
results.province = await measure('whole province (zoom 8)', () => ({ bbox: { west: -66, south: -33, east: -63, north: -30 }, zoom: 8 }));

// 10 clients panning at once for 10 s.
const until = Date.now() + 10_000;
const latencies: number[] = [];
await Promise.all(
  Array.from({ length: 10 }, async () => {
    while (Date.now() < until) {
      const t0 = towns[Math.floor(Math.random() * towns.length)]!;
      const t = performance.now();
      await post(MAP, { bbox: cityWide(t0, (Math.random() - 0.5) * 0.02), zoom: 13 });
      latencies.push(performance.now() - t);
    }
  }),
);
results.tenClients = { perSecond: Math.round(latencies.length / 10), latency: summarize(latencies) };
console.log('10 clients panning, city-wide'.padEnd(44), JSON.stringify(results.tenClients));

// What the triggers cost a status storm: 500 ONUs of one town go LOS in one statement, and back.
const storm = async (to: string) => {
  const t = performance.now();
  await db.pool.query(
    `UPDATE onus SET status = $1::"OnuStatus" WHERE id IN (SELECT o.id FROM onus o JOIN map_points m ON m.connection_id = o.connection_id ORDER BY o.id LIMIT 500)`,
    [to],
  );
  return performance.now() - t;
};
const [down, up] = [await storm('LOS'), await storm('ONLINE')];
results.storm500 = { losMs: Math.round(down), backMs: Math.round(up) };
console.log('500 ONUs LOS and back (with map triggers)'.padEnd(44), JSON.stringify(results.storm500));

fs.mkdirSync(path.join(import.meta.dirname, 'results'), { recursive: true });
fs.writeFileSync(path.join(import.meta.dirname, 'results', `map-${subscribers}.json`), `${JSON.stringify(results, null, 2)}\n`);
await api.stop();
await db.close();
