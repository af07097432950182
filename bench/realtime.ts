/**
 * Real-time benchmark. An Emerald API process (`EMERALD_PROCESSES=api`, as in production)
 * on the machine's PostgreSQL with the demo world; WebSocket clients in this process.
 *
 *   1. latency: 1,000 subscribers of onuStatusChanged; one ONU changes (update + NOTIFY in
 *      a transaction, as a sync writes it); time until each subscriber has it, over 40
 *      changes after 2 unmeasured warm-up changes (the first change's slowest delivery, on
 *      code paths still cold after start-up, is reported on its own). Memory per
 *      idle subscriber from the server's RSS. Then the fan-out floor: the same clients and
 *      changes from a server that only writes one pre-serialised frame per socket.
 *   2. storm: 10,000 status changes in 10 s with 200 subscribers: messages per client,
 *      server peak RSS, and every client's final view equal to the database.
 *   3. diagnosis with live checks against simulators answering in 100 ms, then with one
 *      router not answering at all.
 *
 *   npm run bench:realtime -- [--subscribers 10000] [--clients 1000]
 */
import { fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { loadConfig } from '../server/src/config.ts';
import { endpointsFor } from '../server/src/demo/simulators.ts';
import { diagnose } from '../server/src/diagnosis/diagnose.ts';
import { notify } from '../server/src/events/topics.ts';
import { createVendors } from '../server/src/vendors/factory.ts';
import { startSimulatedIsp } from '../simulators/isp.ts';
import { World } from '../simulators/world/world.ts';
import { createJobQueue } from '../server/src/jobs/queue.ts';
import { freePort } from '../server/src/db/embedded.ts';
import { benchDatabase, runBench, summarize, writeResult } from './setup.ts';
import { withTransaction } from '../server/src/db/sql.ts';

const root = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: { subscribers: { type: 'string', default: '10000' }, clients: { type: 'string', default: '1000' } },
});
const SUBSCRIBERS = Number(values.subscribers);
/** Changes measured; before them, changes that warm the code paths up (as any running server has), not measured. */
const CHANGES = 40;
const WARMUP_CHANGES = 2;
const CLIENTS = Number(values.clients);

const rssMb = (pid: number): { rss: number; hwm: number } => {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rss: Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024, hwm: Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024 };
};

const ONU_SUB = 'subscription { onuStatusChanged { resync onus { id serial status { value } } } }';

async function main(): Promise<void> {
  const { url, db } = await benchDatabase(SUBSCRIBERS);
  const port = await freePort();
  // BENCH_SERVER_NODE_ARGS: extra Node flags for the server (e.g. --cpu-prof to profile it).
  const extra = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const server = spawn(process.execPath, [...extra, '--import', 'tsx', 'server/src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: url,
      EMERALD_PROCESSES: 'api',
      EMERALD_DEMO: 'off',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      DATABASE_POOL_SIZE: '10',
      // Every client signs in as the same NOC user: lift the per-user cap for the benchmark.
      WS_MAX_SUBSCRIPTIONS_PER_USER: '100000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => server.stdout!.on('data', (d: Buffer) => d.toString().includes('Emerald is running') && resolve()));
  const base = `http://127.0.0.1:${port}`;
  const login = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query:
        'mutation { login(username: "noc", password: "emerald-demo", returnToken: true) { ... on LoginSuccess { session { token } } } }',
    }),
  });
  const token = ((await login.json()) as { data: { login: { session: { token: string } } } }).data.login.session.token;
  const idleRss = rssMb(server.pid!).rss;

  const clients: Client[] = [];
  /** Connections closed before the benchmark closed them (resets of the opening storm, retried). */
  let connectionResets = 0;
  const open = (
    n: number,
    onMessage: (i: number, data: { resync: boolean; onus: { id: string; serial: string; status: { value: string } }[] }) => void,
    url = `ws://127.0.0.1:${port}/graphql`,
  ) => {
    const subs: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const c = createClient({
        url,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
        // As the monitor does: a connection reset in the opening storm is retried.
        retryAttempts: 5,
        shouldRetry: () => true,
      });
      c.on('closed', () => void connectionResets++);
      clients.push(c);
      subs.push(
        new Promise<void>((acked) => {
          c.subscribe(
            { query: ONU_SUB },
            {
              next: (m) => onMessage(i, (m.data as { onuStatusChanged: never }).onuStatusChanged),
              error: (e) => console.error('subscription error', e),
              complete: () => {},
            },
          );
          c.on('connected', () => acked());
        }),
      );
    }
    return Promise.all(subs);
  };
  const closeAll = async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
  };

  // ── 1. latency with 1,000 subscribers ──
  process.stderr.write(`latency: ${CLIENTS} subscribers…\n`);
  let waiting: { serial: string; sentAt: number; got: Set<number>; latencies: number[] } | null = null;
  const subscribeStarted = performance.now();
  await open(CLIENTS, (i, data) => {
    if (!waiting) return;
    if (data.onus.some((o) => o.serial === waiting!.serial) && !waiting.got.has(i)) {
      waiting.got.add(i);
      waiting.latencies.push(performance.now() - waiting.sentAt);
    }
  });
  const subscribeSeconds = Math.round((performance.now() - subscribeStarted) / 100) / 10;
  await new Promise((r) => setTimeout(r, 2000));
  const subscribedRss = rssMb(server.pid!).rss;
  const onus = (
    await db.pool.query<{ id: number; serial: string }>(
      `SELECT id, serial FROM onus WHERE status = 'ONLINE' ORDER BY random() LIMIT ${CHANGES + WARMUP_CHANGES}`,
    )
  ).rows;
  const latencies: number[] = [];
  /** The slowest delivery of the first change after start-up (cold code paths), reported apart. */
  let coldMs = 0;
  for (const [k, onu] of onus.entries()) {
    waiting = { serial: onu.serial, sentAt: performance.now(), got: new Set(), latencies: [] };
    await withTransaction(db.pool, async (tx) => {
      await tx.query(`UPDATE onus SET status = 'LOS', status_changed_at = now() WHERE id = $1`, [onu.id]);
      await notify(tx, { t: 'onu', ids: [onu.id] });
    });
    const deadline = Date.now() + 10_000;
    while (waiting.got.size < CLIENTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    if (waiting.got.size < CLIENTS) throw new Error(`only ${waiting.got.size} of ${CLIENTS} subscribers got ${onu.serial}`);
    if (k === 0) coldMs = Math.max(...waiting.latencies);
    if (k >= WARMUP_CHANGES) latencies.push(...waiting.latencies);
    await db.pool.query(`UPDATE onus SET status = 'ONLINE' WHERE id = $1`, [onu.id]);
    await new Promise((r) => setTimeout(r, 300)); // past the per-client pacing
  }
  waiting = null;
  const latency = summarize(latencies);
  const resets = connectionResets;
  await closeAll();

  // The fan-out floor: the same clients and changes from a server that only writes one
  // pre-serialised frame per socket (bench/realtime/fanout.ts), in its own process.
  process.stderr.write(`fan-out floor: ${CLIENTS} subscribers…\n`);
  const fanout = fork(path.join(import.meta.dirname, 'realtime', 'fanout.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const fanoutPort = await new Promise<number>((resolve) => fanout.once('message', (m: { port: number }) => resolve(m.port)));
  await open(
    CLIENTS,
    (i, data) => {
      if (waiting && data.onus.some((o) => o.serial === waiting!.serial) && !waiting.got.has(i)) {
        waiting.got.add(i);
        waiting.latencies.push(performance.now() - waiting.sentAt);
      }
    },
    `ws://127.0.0.1:${fanoutPort}/graphql`,
  );
  await new Promise((r) => setTimeout(r, 2000));
  const floorLatencies: number[] = [];
  let floorColdMs = 0;
  for (const [k, onu] of onus.entries()) {
    waiting = { serial: onu.serial, sentAt: performance.now(), got: new Set(), latencies: [] };
    fanout.send({
      payload: { data: { onuStatusChanged: { resync: false, onus: [{ id: `onu-${k}`, serial: onu.serial, status: { value: 'LOS' } }] } } },
    });
    const deadline = Date.now() + 10_000;
    while (waiting.got.size < CLIENTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    if (waiting.got.size < CLIENTS) throw new Error(`fan-out floor: only ${waiting.got.size} of ${CLIENTS} subscribers got ${onu.serial}`);
    if (k === 0) floorColdMs = Math.max(...waiting.latencies);
    if (k >= WARMUP_CHANGES) floorLatencies.push(...waiting.latencies);
    await new Promise((r) => setTimeout(r, 300));
  }
  waiting = null;
  await closeAll();
  fanout.disconnect();
  const floor = summarize(floorLatencies);
  if (process.env.BENCH_LATENCY_ONLY) {
    console.log(JSON.stringify({ subscribeSeconds, connectionResets: resets, latency, coldMs, floor, floorColdMs }));
    server.kill('SIGINT');
    await new Promise((r) => server.on('exit', r));
    return;
  }
  await new Promise((r) => setTimeout(r, 1000));

  // ── 2. storm: 10,000 changes in 10 s, 200 subscribers ──
  process.stderr.write('storm: 10,000 changes in 10 s, 200 subscribers…\n');
  const views = Array.from({ length: 200 }, () => new Map<string, string>());
  const messages = new Array<number>(200).fill(0);
  let resyncs = 0;
  // A resync message tells a client that changes were dropped for it (its mailbox overflowed:
  // it read too slowly) and that it must refetch, as the monitor does.
  const toldToResync = new Array<boolean>(200).fill(false);
  await open(200, (i, data) => {
    messages[i]!++;
    if (data.resync) {
      resyncs++;
      toldToResync[i] = true;
    }
    for (const o of data.onus) views[i]!.set(o.serial, o.status.value);
  });
  await new Promise((r) => setTimeout(r, 1000));
  const stormOnus = (
    await db.pool.query<{ id: number; serial: string }>(`SELECT id, serial FROM onus WHERE gone_at IS NULL ORDER BY id LIMIT 10000`)
  ).rows;
  let peak = rssMb(server.pid!).rss;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(server.pid!).rss)), 100);
  const stormStart = performance.now();
  const states = ['LOS', 'ONLINE', 'OFFLINE', 'POWER_FAIL'];
  for (let tick = 0; tick < 100; tick++) {
    // 100 ONUs every 100 ms, each batch in its own transaction (as per-OLT polls write them).
    // (A world with fewer than 10,000 ONUs changes some of them twice.)
    const batch = Array.from({ length: 100 }, (_, j) => stormOnus[(tick * 100 + j) % stormOnus.length]!);
    const status = states[tick % states.length]!;
    await withTransaction(db.pool, async (tx) => {
      await tx.query(`UPDATE onus SET status = $2::"OnuStatus", status_changed_at = now() WHERE id = ANY($1::int[])`, [
        batch.map((o) => o.id),
        status,
      ]);
      await notify(tx, { t: 'onu', ids: batch.map((o) => o.id) });
    });
    const wait = stormStart + (tick + 1) * 100 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  const stormSeconds = (performance.now() - stormStart) / 1000;
  const truth = new Map(
    (
      await db.pool.query<{ serial: string; status: string }>(`SELECT serial, status::text FROM onus WHERE id = ANY($1::int[])`, [
        stormOnus.map((o) => o.id),
      ])
    ).rows.map((r) => [r.serial, r.status]),
  );
  const settled = Date.now() + 15_000;
  const matching = (v: Map<string, string>) => v.size === truth.size && [...truth].every(([k, s]) => v.get(k) === s);
  const matches = () => views.filter(matching).length;
  // Done when every client either has the database's view or was told to refetch.
  const settledClients = () => views.filter((v, i) => toldToResync[i] || matching(v)).length;
  while (settledClients() < views.length && Date.now() < settled) await new Promise((r) => setTimeout(r, 100));
  clearInterval(sampler);
  const storm = {
    changes: 100 * 100,
    distinctOnus: stormOnus.length,
    seconds: Math.round(stormSeconds * 10) / 10,
    messagesPerClient: summarize(messages),
    resyncMessages: resyncs,
    clientsMatchingDatabase: `${matches()}/${views.length}`,
    clientsToldToResync: toldToResync.filter(Boolean).length,
    // A client whose view differs from the database without having been told: a lost change.
    clientsSilentlyWrong: views.filter((v, i) => !toldToResync[i] && !matching(v)).length,
    serverPeakRssMb: Math.round(peak),
  };
  await closeAll();
  await db.pool.query(`UPDATE onus SET status = 'ONLINE' WHERE id = ANY($1::int[])`, [stormOnus.map((o) => o.id)]);
  server.kill('SIGTERM');

  // ── 3. diagnosis against simulators with 100 ms latency ──
  process.stderr.write('diagnosis with live checks…\n');
  const world = World.generate({ seed: 42, subscribers: SUBSCRIBERS });
  const credentials = {
    ispcube: { apiKey: 'k', clientId: '1', username: 'u', password: 'p' },
    smartoltToken: 't',
    routeros: { user: 'api', password: 'x' },
  };
  const isp = await startSimulatedIsp({ world, credentials, smartoltHourlyLimit: 1_000_000 });
  for (const [id, sim] of isp.routers)
    await db.pool.query('UPDATE routers SET host = $2, api_port = $3 WHERE external_id = $1', [String(id), sim.host, sim.port]);
  for (const sim of isp.routers.values()) sim.faults.latencyMs = 100;
  isp.smartolt!.faults.latencyMs = 100;
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    SMARTOLT_URL: 'http://x/api',
    SMARTOLT_TOKEN: 't',
    ROUTEROS_USER: 'api',
    ROUTEROS_PASSWORD: 'x',
    SMARTOLT_HOURLY_BUDGET: '1000000',
  });
  const vendors = createVendors(db, endpointsFor(isp, { hourlyBudget: 1_000_000, routerTimeoutSeconds: 5 }));
  const jobs = createJobQueue(db.pool);
  const services = { config, db, log: pino({ level: 'silent' }), startedAt: new Date(), version: 'bench', jobs, vendors };
  const targets = (
    await db.pool.query<{ id: number; router_id: number }>(
      `SELECT c.id, c.router_id FROM connections c JOIN onus o ON o.connection_id = c.id WHERE c.router_id IS NOT NULL ORDER BY random() LIMIT 60`,
    )
  ).rows;
  const times: number[] = [];
  for (const t of targets.slice(0, 50)) times.push((await diagnose(services, { connectionId: t.id })).tookMs);
  const down = targets[50]!;
  const downRouter = (await db.pool.query<{ external_id: string }>('SELECT external_id FROM routers WHERE id = $1', [down.router_id]))
    .rows[0]!.external_id;
  isp.routers.get(Number(downRouter))!.faults.hang = true;
  const downTimes: number[] = [];
  const sameRouter = (
    await db.pool.query<{ id: number }>(
      `SELECT c.id FROM connections c JOIN onus o ON o.connection_id = c.id WHERE c.router_id = $1 ORDER BY random() LIMIT 20`,
      [down.router_id],
    )
  ).rows;
  for (const t of sameRouter) {
    vendors.routers.resetBackoff(down.router_id); // measure the timeout itself, not the backoff's fast failure
    downTimes.push((await diagnose(services, { connectionId: t.id })).tookMs);
  }
  await vendors.close();
  await jobs.release();
  await isp.stop();

  const result = {
    date: new Date().toISOString(),
    subscribers: SUBSCRIBERS,
    latency: {
      clients: CLIENTS,
      subscribeSeconds,
      connectionResets: resets,
      changes: CHANGES,
      warmupChanges: WARMUP_CHANGES,
      deliveries: latencies.length,
      ms: latency,
      firstChangeSlowestMs: Math.round(coldMs),
      targetP99Ms: 100,
      floor: {
        ms: floor,
        firstChangeSlowestMs: Math.round(floorColdMs),
        ratioP50: Math.round((latency.p50 / floor.p50) * 100) / 100,
        ratioP99: Math.round((latency.p99 / floor.p99) * 100) / 100,
      },
    },
    memoryPerIdleSubscriberKb: Math.round(((subscribedRss - idleRss) * 1024) / CLIENTS),
    serverRssMb: { idle: Math.round(idleRss), withSubscribers: Math.round(subscribedRss) },
    storm,
    diagnosis: {
      liveLatencyMs: 100,
      allSourcesUp: summarize(times),
      oneRouterDown: summarize(downTimes),
      timeoutMs: config.diagnosis.liveTimeoutMs,
      targets: { p95UpMs: 1000, p95DownMs: config.diagnosis.liveTimeoutMs + 200 },
    },
  };
  writeResult(`realtime-${SUBSCRIBERS}`, result);
  await db.close();
}

await runBench(main);
