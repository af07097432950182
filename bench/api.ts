/**
 * API benchmark on the 100k-subscriber demo data (issue 3):
 *   search p50/p99, customer page p50/p99, 100 ONUs of a PON port p50/p99, customer page
 *   throughput with 50 concurrent clients, and GraphQL vs hand-written SQL for the same data.
 * Runs a real HTTP server on 127.0.0.1 and calls it with fetch (keep-alive).
 *   npx tsx bench/api.ts [subscribers=100000]
 */
import fs from 'node:fs';
import path from 'node:path';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { benchApi, benchDatabase, summarize } from './setup.ts';
import { CUSTOMER_PAGE, CUSTOMER_PAGE_SQL as CUSTOMER_SQL, ONUS_BY_PON } from './screens.ts';

const subscribers = Number(process.argv[2] ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 400);

const { db } = await benchDatabase(subscribers);
const api = await benchApi(db, 'soporte');
const post = api.post;

// ── samples
const _rand = (n: number) => Math.floor(Math.random() * n);
const customers = (
  await db.pool.query(`SELECT c.id, c.name, c.doc_number, cn.pppoe_username, o.serial, ph.number
  FROM customers c JOIN connections cn ON cn.customer_id = c.id LEFT JOIN onus o ON o.connection_id = cn.id
  LEFT JOIN customer_phones ph ON ph.customer_id = c.id AND ph.position = 0 ORDER BY random() LIMIT 500`)
).rows;
const ponPorts = (await db.pool.query('SELECT id FROM pon_ports ORDER BY random() LIMIT 200')).rows.map((r) => r.id as number);
const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/,/g, '');
const searchQueries: string[] = [];
for (const c of customers) {
  const words = fold(c.name)
    .split(' ')
    .filter((w: string) => w.length > 2);
  switch (searchQueries.length % 6) {
    case 0:
      searchQueries.push(words.slice(0, 2).join(' '));
      break; // a name
    case 1:
      searchQueries.push(String(c.doc_number).slice(0, 6));
      break; // partial DNI
    case 2:
      searchQueries.push(c.pppoe_username);
      break; // username
    case 3:
      searchQueries.push(c.serial ? String(c.serial).slice(4, 10) : (words[0] ?? 'perez'));
      break; // partial serial
    case 4:
      searchQueries.push(c.number ?? words[0] ?? 'perez');
      break; // a phone as written
    default:
      searchQueries.push(words[words.length - 1] ?? 'perez'); // a surname
  }
}

const SEARCH =
  'query($q: String!) { search(query: $q, first: 10) { hits { kind exact matchedField matchedValue customer { id name docNumber address } connection { id pppoeUsername } pppSecret { id name } } } }';
async function measure(label: string, fn: (i: number) => Promise<unknown>, runs = RUNS): Promise<number[]> {
  for (let i = 0; i < 20; i++) await fn(i); // warm up
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn(i);
    samples.push(performance.now() - t);
  }
  console.log(label.padEnd(34), JSON.stringify(summarize(samples)));
  return samples;
}

const results: Record<string, unknown> = {
  subscribers,
  runs: RUNS,
  date: new Date().toISOString(),
  machine: '2 cores, PostgreSQL 15 on 127.0.0.1',
};
results.search = summarize(
  await measure('search (GraphQL over HTTP)', (i) => post(SEARCH, { q: searchQueries[i % searchQueries.length] })),
);
results.customerPage = summarize(
  await measure('customer page (GraphQL over HTTP)', (i) =>
    post(CUSTOMER_PAGE, { id: encodeGlobalID('Customer', String(customers[i % customers.length].id)) }),
  ),
);
results.onusByPonPort = summarize(
  await measure('100 ONUs of a PON port (GraphQL)', (i) =>
    post(ONUS_BY_PON, { p: encodeGlobalID('PonPort', String(ponPorts[i % ponPorts.length])) }),
  ),
);

// Hand-written SQL for the same customer page: one statement with JSON aggregation (bench/screens.ts).
const sqlSamples = await measure('customer page (hand-written SQL)', (i) =>
  db.pool.query(CUSTOMER_SQL, [customers[i % customers.length].id]),
);
results.customerPageSql = summarize(sqlSamples);
const gql = results.customerPage as { p50: number; p99: number };
const sql = results.customerPageSql as { p50: number; p99: number };
results.graphqlOverhead = { p50Ratio: Math.round((gql.p50 / sql.p50) * 10) / 10, p99Ratio: Math.round((gql.p99 / sql.p99) * 10) / 10 };
console.log('GraphQL / SQL (customer page)'.padEnd(34), JSON.stringify(results.graphqlOverhead));

// Throughput: 50 concurrent clients for 10 s.
const until = Date.now() + 10_000;
let done = 0;
const latencies: number[] = [];
await Promise.all(
  Array.from({ length: 50 }, async (_, k) => {
    let i = k;
    while (Date.now() < until) {
      const t = performance.now();
      await post(CUSTOMER_PAGE, { id: encodeGlobalID('Customer', String(customers[i++ % customers.length].id)) });
      latencies.push(performance.now() - t);
      done++;
    }
  }),
);
results.customerPageThroughput = {
  clients: 50,
  seconds: 10,
  requests: done,
  perSecond: Math.round(done / 10),
  latency: summarize(latencies),
};
console.log('customer page, 50 clients'.padEnd(34), JSON.stringify(results.customerPageThroughput));

fs.mkdirSync(path.join(import.meta.dirname, 'results'), { recursive: true });
fs.writeFileSync(path.join(import.meta.dirname, 'results', `api-${subscribers}.json`), `${JSON.stringify(results, null, 2)}\n`);
await api.stop();
await db.close();
