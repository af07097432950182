/**
 * Emerald against PostGraphile v5 on the same 100k-subscriber database (issue 15), each
 * server in its own process, the same client (this process), interleaved:
 *   - the customer page and 100 ONUs of a PON port: p50/p99, and throughput with 50 clients
 *     (with each server's and PostgreSQL's CPU time per request);
 *   - hand-written SQL for the same rows (the floor), and an HTTP floor (Emerald's /healthz);
 *   - a check that both servers return the same data for the same inputs.
 * Emerald runs as in production (NODE_ENV=production, authorization on, a support user's
 * token); PostGraphile with the amber preset and no auth.
 *   npm run bench:peer -- [subscribers=100000]
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { freePort } from '../server/src/db/embedded.ts';
import { benchDatabase, summarize } from './setup.ts';
import { CUSTOMER_PAGE as CUSTOMER_E, CUSTOMER_PAGE_SQL as CUSTOMER_SQL, ONUS_BY_PON as ONUS_E } from './screens.ts';

const subscribers = Number(process.argv[2] ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 300);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const root = path.resolve(import.meta.dirname, '..');
const { url, db } = await benchDatabase(subscribers);

// ── the two servers
const children: ChildProcess[] = [];
const stopAll = () => {
  for (const c of children) c.kill('SIGTERM');
};
process.on('exit', stopAll);
const emeraldPort = await freePort();
const emerald = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
  cwd: root,
  env: {
    ...process.env,
    DATABASE_URL: url,
    EMERALD_DEMO: 'off',
    NODE_ENV: 'production',
    EMERALD_PROCESSES: 'api',
    HOST: '127.0.0.1',
    PORT: String(emeraldPort),
    LOG_LEVEL: 'warn',
    COOKIE_SECURE: 'false',
    DATABASE_POOL_SIZE: '20',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
children.push(emerald);
const peerPort = await freePort();
const peer = fork(path.join(import.meta.dirname, 'peer', 'postgraphile.ts'), [url, String(peerPort)], {
  execArgv: ['--import', 'tsx'],
  env: { ...process.env, GRAPHILE_ENV: 'production' },
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
children.push(peer);
const E = `http://127.0.0.1:${emeraldPort}/graphql`;
const P = `http://127.0.0.1:${peerPort}/graphql`;
for (const health of [`http://127.0.0.1:${emeraldPort}/healthz`, P]) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const ok = await fetch(
      health,
      health === P ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{__typename}"}' } : {},
    )
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`${health} did not come up`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function post(endpoint: string, query: string, variables: Record<string, unknown>, token?: string): Promise<any> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors) throw new Error(`${endpoint} ${JSON.stringify(variables)}: ${JSON.stringify(body.errors).slice(0, 500)}`);
  return body.data;
}
const login = await post(
  E,
  'mutation { login(username: "soporte", password: "emerald-demo", returnToken: true) { ... on LoginSuccess { session { token } } } }',
  {},
);
const token: string = login.login.session.token;

// ── the queries
// PostGraphile v5 orders and filters only by indexed columns (its default): no `goneAt`
// condition (the bench data has no removed rows) and the newest session by primary key.
const CUSTOMER_P = `query($id: Int!) { customerByRowId(rowId: $id) {
  name docNumber address city status debt
  customerPhonesByCustomerId(orderBy: POSITION_ASC) { nodes { number } }
  customerEmailsByCustomerId(orderBy: PRIMARY_KEY_ASC) { nodes { email } }
  connectionsByCustomerId(orderBy: PRIMARY_KEY_ASC) { nodes {
    pppoeUsername address planByPlanId { name speed } routerByRouterId { name }
    onusesByConnectionId(first: 1, orderBy: PRIMARY_KEY_ASC) { nodes {
      serial status statusChangedAt statusObservedAt rxPower signalCategory signalObservedAt
      ponPortByPonPortId { board port oltByOltId { name } } } }
    pppSessionsByConnectionId(first: 1, orderBy: PRIMARY_KEY_DESC) { nodes { address callerId startedAt observedAt } }
    pppSecretsByConnectionId(first: 1, orderBy: PRIMARY_KEY_ASC) { nodes { lastLoggedOut lastDisconnectReason } }
    ticketsByConnectionId(first: 5, orderBy: CREATED_AT_DESC) { totalCount nodes { rowId subject status priority createdAt } }
  } }
} }`;
// Both in serial order (unique, so indexed: PostGraphile may sort by it), so both pages hold the same 100 ONUs.
const ONUS_P = `query($p: Int!) { ponPortByRowId(rowId: $p) { onusesByPonPortId(first: 100, orderBy: SERIAL_ASC) { totalCount nodes {
  serial name status statusChangedAt rxPower signalCategory connectionByConnectionId { pppoeUsername } } } } }`;
const ONUS_SQL = `
SELECT (SELECT count(*) FROM onus WHERE pon_port_id = $1 AND gone_at IS NULL) AS total,
  (SELECT json_agg(x) FROM (SELECT o.serial, o.name, o.status, o.status_changed_at, o.rx_power, c.pppoe_username
     FROM onus o LEFT JOIN connections c ON c.id = o.connection_id
     WHERE o.pon_port_id = $1 AND o.gone_at IS NULL ORDER BY o.serial, o.id LIMIT 100) x) AS onus`;

// ── samples
const customers = (
  await db.pool.query<{ id: number }>('SELECT id FROM customers WHERE gone_at IS NULL ORDER BY random() LIMIT 500')
).rows.map((r) => r.id);
const ports = (await db.pool.query<{ id: number }>('SELECT id FROM pon_ports ORDER BY random() LIMIT 200')).rows.map((r) => r.id);
const cases = {
  customerPage: {
    emerald: (i: number) => post(E, CUSTOMER_E, { id: encodeGlobalID('Customer', String(customers[i % customers.length])) }, token),
    peer: (i: number) => post(P, CUSTOMER_P, { id: customers[i % customers.length] }),
    sql: (i: number) => db.pool.query(CUSTOMER_SQL, [customers[i % customers.length]]),
  },
  onusOfPonPort: {
    emerald: (i: number) => post(E, ONUS_E, { p: encodeGlobalID('PonPort', String(ports[i % ports.length])) }, token),
    peer: (i: number) => post(P, ONUS_P, { p: ports[i % ports.length] }),
    sql: (i: number) => db.pool.query(ONUS_SQL, [ports[i % ports.length]]),
  },
};

const healthz = () => fetch(`http://127.0.0.1:${emeraldPort}/healthz`).then((r) => r.text());

// ── same data?
const sameCustomer = (e: any, p: any): boolean => {
  const a = e.customer;
  const b = p.customerByRowId;
  const pick = (x: any) => JSON.stringify(x);
  return (
    a.name === b.name &&
    pick(a.phones.map((x: any) => x.number)) === pick(b.customerPhonesByCustomerId.nodes.map((x: any) => x.number)) &&
    pick(
      a.connections.map((c: any) => [
        c.pppoeUsername,
        c.plan?.name ?? null,
        c.onu?.serial ?? null,
        c.onu?.status.value ?? null,
        c.tickets.totalCount,
      ]),
    ) ===
      pick(
        b.connectionsByCustomerId.nodes.map((c: any) => [
          c.pppoeUsername,
          c.planByPlanId?.name ?? null,
          c.onusesByConnectionId.nodes[0]?.serial ?? null,
          c.onusesByConnectionId.nodes[0]?.status ?? null,
          c.ticketsByConnectionId.totalCount,
        ]),
      )
  );
};
const sameOnus = (e: any, p: any): boolean => {
  const a = e.onus;
  const b = p.ponPortByRowId.onusesByPonPortId;
  const set = (xs: string[]) => JSON.stringify([...xs].sort());
  return (
    a.totalCount === b.totalCount &&
    set(a.nodes.map((o: any) => `${o.serial}:${o.status.value}:${o.signal.rxPower}:${o.connection?.pppoeUsername ?? ''}`)) ===
      set(b.nodes.map((o: any) => `${o.serial}:${o.status}:${o.rxPower}:${o.connectionByConnectionId?.pppoeUsername ?? ''}`))
  );
};
const mismatches = { customerPage: 0, onusOfPonPort: 0 };
for (let i = 0; i < 50; i++) {
  if (!sameCustomer(await cases.customerPage.emerald(i), await cases.customerPage.peer(i))) mismatches.customerPage++;
  if (!sameOnus(await cases.onusOfPonPort.emerald(i), await cases.onusOfPonPort.peer(i))) mismatches.onusOfPonPort++;
}
console.log('mismatches in 50 inputs each', JSON.stringify(mismatches));

// ── latency, interleaved
async function latency(fns: Record<string, (i: number) => Promise<unknown>>): Promise<Record<string, ReturnType<typeof summarize>>> {
  const names = Object.keys(fns);
  for (let i = 0; i < 30; i++) for (const n of names) await fns[n]!(i); // warm up
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < RUNS; i++)
    for (const n of names) {
      const t = performance.now();
      await fns[n]!(i);
      samples[n]!.push(performance.now() - t);
    }
  return Object.fromEntries(names.map((n) => [n, summarize(samples[n]!)]));
}

// CPU time of a process and of the local PostgreSQL's processes, from /proc (Linux; null
// elsewhere, or when PostgreSQL runs on another machine).
const TICK_MS = 10; // USER_HZ is 100 on Linux
const cpuTicks = (pid: number, withExitedChildren = false): number | null => {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime + stime; cutime + cstime: children that exited (PostgreSQL backends that ended
    // during the run are counted by the postmaster that reaped them).
    return Number(fields[11]) + Number(fields[12]) + (withExitedChildren ? Number(fields[13]) + Number(fields[14]) : 0);
  } catch {
    return null;
  }
};
const postgresTicks = (): number | null => {
  let total: number | null = null;
  let entries: string[] = [];
  try {
    entries = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return null;
  }
  for (const pid of entries) {
    try {
      if (fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
    } catch {
      continue;
    }
    total = (total ?? 0) + (cpuTicks(Number(pid), true) ?? 0);
  }
  return total;
};

async function throughput(
  fn: (i: number) => Promise<unknown>,
  server: ChildProcess,
  clients = 50,
): Promise<{ perSecond: number; p50: number; p99: number; cpuMsPerRequest: { server: number | null; postgres: number | null } }> {
  const before = { server: cpuTicks(server.pid!), postgres: postgresTicks() };
  const until = Date.now() + SECONDS * 1000;
  let done = 0;
  const lat: number[] = [];
  await Promise.all(
    Array.from({ length: clients }, async (_, k) => {
      let i = k * 7;
      while (Date.now() < until) {
        const t = performance.now();
        await fn(i++);
        lat.push(performance.now() - t);
        done++;
      }
    }),
  );
  const s = summarize(lat);
  const per = (a: number | null, b: number | null) =>
    a === null || b === null ? null : Math.round(((b - a) * TICK_MS * 1000) / done) / 1000;
  const cpuMsPerRequest = { server: per(before.server, cpuTicks(server.pid!)), postgres: per(before.postgres, postgresTicks()) };
  return { perSecond: Math.round(done / SECONDS), p50: s.p50, p99: s.p99, cpuMsPerRequest };
}

const results: Record<string, unknown> = {
  subscribers,
  date: new Date().toISOString(),
  machine: '2 cores; Emerald, PostGraphile, PostgreSQL 15 and the client on the same machine',
  runs: RUNS,
  mismatches,
};
for (const [name, c] of Object.entries(cases)) {
  // The HTTP floor: Emerald's /healthz, the least any request pays here (the client's fetch,
  // loopback, the server's request wrapper), beside the SQL floor, which pays none of it.
  const lat = await latency({ emerald: c.emerald, postgraphile: c.peer, sql: c.sql, http: healthz });
  // Two rounds each, alternating, so neither gets the warmer machine.
  const tE1 = await throughput(c.emerald, emerald);
  const tP1 = await throughput(c.peer, peer);
  const tP2 = await throughput(c.peer, peer);
  const tE2 = await throughput(c.emerald, emerald);
  const perE = Math.round((tE1.perSecond + tE2.perSecond) / 2);
  const perP = Math.round((tP1.perSecond + tP2.perSecond) / 2);
  results[name] = {
    latency: lat,
    throughput50: {
      emerald: [tE1, tE2],
      postgraphile: [tP1, tP2],
      emeraldPerSecond: perE,
      postgraphilePerSecond: perP,
      ratio: Math.round((perE / perP) * 100) / 100,
    },
    p50VsPeer: Math.round((lat.emerald!.p50 / lat.postgraphile!.p50) * 100) / 100,
    p50VsSql: Math.round((lat.emerald!.p50 / lat.sql!.p50) * 100) / 100,
    peerP50VsSql: Math.round((lat.postgraphile!.p50 / lat.sql!.p50) * 100) / 100,
    httpP50: lat.http!.p50,
  };
  console.log(name, JSON.stringify(results[name]));
}
fs.writeFileSync(path.join(import.meta.dirname, 'results', `peer-${subscribers}.json`), `${JSON.stringify(results, null, 2)}\n`);
stopAll();
await db.close();
process.exit(0);
