/**
 * Sync benchmark: the simulated ISP (`npm run sim`, its own process) and an Emerald worker
 * process (`EMERALD_PROCESSES=worker`, as in production) on a fresh database.
 *
 *   1. full sync: ISPCube → every router and OLT → every router's active sessions
 *   2. the same again with nothing changed: rows written (must be 0) and time
 *   3. status latency: an ONU changes state in the simulator; time until its status-history
 *      row exists, against the poll interval
 *   4. floors, so figures compare across machines (absolute seconds move ~2× between machines
 *      of the same kind): the vendors' fetch time alone (the same clients, the same requests in
 *      the same order and concurrency as a full sync, nothing mapped or written), and a COPY of
 *      the mirrored rows into empty copies of their tables (indexes included). Each sync figure
 *      is also reported as a ratio to its floor.
 *
 *   npm run bench:sync -- [--subscribers 100000] [--status-interval 20] [--samples 5]
 * Peak RSS is the worker process's VmHWM. Results go to bench/results/sync-<n>.json.
 * BENCH_PROFILE_DIR=/tmp/prof writes CPU profiles of the worker and the simulators there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { loadConfig } from '../server/src/config.ts';
import { createDb } from '../server/src/db/client.ts';
import { applyMigrations } from '../server/src/db/migrate.ts';
import { withDatabaseName } from '../server/src/db/scratch.ts';
import { createJobQueue } from '../server/src/jobs/queue.ts';
import { benchServer, runBench, writeResult } from './setup.ts';
import { enqueueSync } from '../server/src/sync/enqueue.ts';
import { createVendors, endpointsFromConfig, type MirroredRouter } from '../server/src/vendors/factory.ts';

const root = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '100000' },
    'status-interval': { type: 'string', default: '20' },
    samples: { type: 'string', default: '5' },
  },
});
const subscribers = Number(values.subscribers);
const statusInterval = Number(values['status-interval']);
const samples = Number(values.samples);

const MIRROR_TABLES = [
  'customers',
  'customer_phones',
  'customer_emails',
  'connections',
  'plans',
  'routers',
  'ppp_secrets',
  'ppp_sessions',
  'olts',
  'onus',
  'onu_status_events',
  'onu_signal_samples',
  'ppp_session_history',
];

function startChild(args: string[], env: Record<string, string>, ready?: RegExp): Promise<{ child: ChildProcess; out: () => string }> {
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  if (!ready) return Promise.resolve({ child, out: () => out });
  return new Promise((resolve, reject) => {
    const check = setInterval(() => {
      if (ready.test(out)) {
        clearInterval(check);
        resolve({ child, out: () => out });
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(check);
      reject(new Error(`${args.join(' ')} exited (${code}):\n${out}`));
    });
  });
}

/** Peak resident memory of a process so far (kB), from /proc. */
function peakRssKb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

/** Run `fn` over `items`, `n` at a time (the worker's job concurrency). */
async function pooled<T>(items: readonly T[], n: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/**
 * The vendors' fetch time alone: the requests of a re-sync with the worker's own clients, in
 * the same order and concurrency, nothing mapped or written. ISPCube takes one of the
 * worker's job slots while every router's secrets and every OLT's ONUs are fetched in the
 * others; then every router's sessions. Seconds: ISPCube alone, ISPCube and the devices
 * together, sessions, total. (A first sync runs the devices after ISPCube, so for the full
 * sync this is a lower bound.)
 */
async function fetchFloor(
  url: string,
  env: Record<string, string>,
  concurrency: number,
): Promise<{ ispcube: number; inventories: number; sessions: number; total: number }> {
  const db = createDb(url, { poolSize: 2 });
  const vendors = createVendors(db, endpointsFromConfig(loadConfig({ ...process.env, ...env, DATABASE_URL: url })));
  const routers = (
    await db.pool.query<MirroredRouter>(
      'SELECT id, external_id AS "externalId", name, host, api_port AS "apiPort" FROM routers WHERE gone_at IS NULL ORDER BY id',
    )
  ).rows;
  const olts = (await db.pool.query<{ ext: string }>('SELECT external_id AS ext FROM olts WHERE gone_at IS NULL ORDER BY id')).rows;
  const seconds = (ms: number) => Math.round(ms / 100) / 10;
  let ispcubeMs = 0;
  const ispcube = async (): Promise<void> => {
    const t = performance.now();
    const client = vendors.ispcube();
    await client.plans();
    await client.nodes();
    for await (const _page of client.customerPages(500));
    await client.connections();
    ispcubeMs = performance.now() - t;
  };
  const t0 = performance.now();
  await pooled(
    [
      ispcube,
      ...routers.map(
        (r) => () =>
          vendors.routers.use(vendors.routerTarget(r), async (c) => {
            await c.print('/ppp/secret');
            await c.print('/system/identity');
            await c.print('/system/resource');
          }),
      ),
      ...olts.map((o) => () => vendors.smartoltBackground().onuDetails(o.ext, 1000)),
    ],
    concurrency,
    (f) => f(),
  );
  const t1 = performance.now();
  await pooled(routers, concurrency, (r) => vendors.routers.use(vendors.routerTarget(r), (c) => c.print('/ppp/active')));
  const t2 = performance.now();
  const result = { ispcube: seconds(ispcubeMs), inventories: seconds(t1 - t0), sessions: seconds(t2 - t1), total: seconds(t2 - t0) };
  await vendors.close();
  await db.close();
  return result;
}

/** Tables a full sync fills, in an order a COPY can load them. */
const COPIED_TABLES = [
  'plans',
  'routers',
  'customers',
  'customer_phones',
  'customer_emails',
  'connections',
  'ppp_secrets',
  'olts',
  'onus',
  'ppp_sessions',
];

/**
 * The write floor: the mirrored rows, read out first, then COPY'd into empty copies of their
 * tables (same columns, defaults and indexes, the trigram ones included; no foreign keys).
 * Seconds for the COPYs alone.
 */
async function copyFloor(url: string): Promise<{ seconds: number; megabytes: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let ms = 0;
  let bytes = 0;
  try {
    await client.query('DROP SCHEMA IF EXISTS bench_floor CASCADE; CREATE SCHEMA bench_floor');
    for (const table of COPIED_TABLES) {
      const chunks: Buffer[] = [];
      await pipeline(client.query(copyTo(`COPY ${table} TO STDOUT`)), async (source: AsyncIterable<Buffer>) => {
        for await (const c of source) chunks.push(c);
      });
      bytes += chunks.reduce((n, c) => n + c.length, 0);
      await client.query(`CREATE TABLE bench_floor.${table} (LIKE public.${table} INCLUDING ALL)`);
      const t0 = performance.now();
      await pipeline(Readable.from(chunks), client.query(copyFrom(`COPY bench_floor.${table} FROM STDIN`)));
      ms += performance.now() - t0;
    }
  } finally {
    await client.query('DROP SCHEMA IF EXISTS bench_floor CASCADE');
    await client.end();
  }
  return { seconds: Math.round(ms / 100) / 10, megabytes: Math.round(bytes / 1e6) };
}

async function main(): Promise<void> {
  // 1. The simulated ISP, in its own process.
  process.stderr.write(`starting the simulators (${subscribers} subscribers)…\n`);
  const sim = await startChild(
    ['simulators/cli.ts', 'all', '--subscribers', String(subscribers), '--hourly-limit', '1000000'],
    {},
    /Ctrl-C stops them/,
  );
  const simEnv = Object.fromEntries([...sim.out().matchAll(/^([A-Z_]+)=(.+)$/gm)].map((m) => [m[1]!, m[2]!]));
  const control = /Control\s+(\S+)\/control\/state/.exec(sim.out())![1]!;

  // 2. A fresh database.
  const name = `emerald_syncbench_${subscribers}`;
  const admin = new pg.Client({ connectionString: benchServer });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabaseName(benchServer, name);
  await applyMigrations(url);
  const db = createDb(url, { poolSize: 4 });
  const jobs = createJobQueue(db.pool);
  await jobs.ready();

  // 3. The worker, as production runs it.
  const worker = await startChild(['server/src/main.ts'], {
    ...simEnv,
    DATABASE_URL: url,
    EMERALD_PROCESSES: 'worker',
    LOG_LEVEL: 'warn',
    SMARTOLT_STATUS_INTERVAL_SECONDS: String(statusInterval),
  });
  let peakKb = 0;
  const sampler = setInterval(() => {
    try {
      peakKb = Math.max(peakKb, peakRssKb(worker.child.pid!));
    } catch {
      // exited
    }
  }, 200);

  const runsOf = async (since: number) =>
    (
      await db.pool.query<{ status: string; n: number }>(
        `SELECT status, count(*)::int AS n FROM sync_runs WHERE id > $1 AND trigger = 'bench' GROUP BY status`,
        [since],
      )
    ).rows;
  const waitRuns = async (since: number): Promise<void> => {
    for (;;) {
      const runs = await runsOf(since);
      if (runs.length && runs.every((r) => ['SUCCEEDED', 'FAILED', 'REJECTED'].includes(r.status))) {
        const bad = runs.filter((r) => r.status !== 'SUCCEEDED');
        if (bad.length) throw new Error(`runs did not succeed: ${JSON.stringify(bad)}`);
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  // A run that needed a second attempt must show in the figures: its time includes the
  // failed one, and the failure itself is a bug to look at (the worker's warnings are printed).
  const retriedRuns = async (since: number): Promise<{ id: number; source: string; kind: string; scope: string; attempt: number }[]> => {
    const runs = (
      await db.pool.query(
        `SELECT id, source, kind, scope, attempt FROM sync_runs WHERE id > $1 AND trigger = 'bench' AND attempt > 1 ORDER BY id`,
        [since],
      )
    ).rows;
    if (runs.length) {
      const warnings = worker
        .out()
        .split('\n')
        .filter((l) => /"level":(4|5|6)0/.test(l));
      process.stderr.write(`runs retried: ${JSON.stringify(runs)}\nworker warnings:\n${warnings.join('\n')}\n`);
    }
    return runs;
  };
  const lastRun = async (): Promise<number> => Number((await db.pool.query('SELECT coalesce(max(id), 0) AS id FROM sync_runs')).rows[0].id);
  const fullSync = async (): Promise<number> => {
    const since = await lastRun();
    const t0 = performance.now();
    await enqueueSync(db, jobs, { source: 'ISPCUBE', kind: 'INVENTORY', scope: 'ALL', trigger: 'bench', chain: true });
    await waitRuns(since);
    const mid = await lastRun();
    await enqueueSync(db, jobs, { source: 'ROUTEROS', kind: 'SESSIONS', scope: 'ALL', trigger: 'bench' });
    await waitRuns(mid);
    return performance.now() - t0;
  };

  process.stderr.write('full sync…\n');
  const firstMs = await fullSync();
  const firstRetried = await retriedRuns(0);
  const rows = Object.fromEntries(
    await Promise.all(
      ['customers', 'connections', 'ppp_secrets', 'ppp_sessions', 'onus'].map(
        async (t) => [t, Number((await db.pool.query(`SELECT count(*) AS n FROM ${t}`)).rows[0].n)] as const,
      ),
    ),
  );
  const firstPeakMb = Math.round(peakKb / 1024);

  process.stderr.write('re-sync with no changes…\n');
  const xid = Number((await db.pool.query('SELECT txid_current() AS x')).rows[0].x) % 2 ** 32;
  const beforeResync = await lastRun();
  const secondMs = await fullSync();
  const secondRetried = await retriedRuns(beforeResync);
  const written: Record<string, number> = {};
  for (const t of MIRROR_TABLES) {
    written[t] = Number((await db.pool.query(`SELECT count(*) AS n FROM ${t} WHERE xmin::text::bigint > $1`, [xid])).rows[0].n);
  }

  // 4. Status latency: start the per-OLT poll chains now (poll_due would within a minute).
  process.stderr.write(`status latency (${samples} samples, poll interval ${statusInterval} s)…\n`);
  const olts = (await db.pool.query<{ id: number }>('SELECT id FROM olts ORDER BY id')).rows;
  for (const o of olts) await jobs.add('sync_smartolt', { kind: 'ONU_STATUS', scope: 'OLT', scopeRef: String(o.id), trigger: 'schedule' });
  await new Promise((r) => setTimeout(r, 3000));
  const candidates = (
    await db.pool.query<{ id: number; serial: string }>(
      `SELECT id, serial FROM onus WHERE status = 'ONLINE' AND connection_id IS NOT NULL AND gone_at IS NULL ORDER BY random() LIMIT $1`,
      [samples],
    )
  ).rows;
  const latencies: number[] = [];
  for (const onu of candidates) {
    // Changes land at a random moment of the poll cycle.
    await new Promise((r) => setTimeout(r, Math.random() * statusInterval * 1000));
    const at = Date.now();
    const res = await fetch(`${control}/control/onu-status`, { method: 'POST', body: JSON.stringify({ sn: onu.serial, status: 'LOS' }) });
    if (!res.ok) throw new Error(`control: ${res.status} ${await res.text()}`);
    for (;;) {
      const seen = await db.pool.query(`SELECT 1 FROM onu_status_events WHERE onu_id = $1 AND status = 'LOS'`, [onu.id]);
      if (seen.rowCount) break;
      if (Date.now() - at > (statusInterval + 60) * 1000)
        throw new Error(`ONU ${onu.serial}: no status event after ${statusInterval + 60} s`);
      await new Promise((r) => setTimeout(r, 50));
    }
    latencies.push(Date.now() - at);
    process.stderr.write(`  ${onu.serial}: ${(latencies.at(-1)! / 1000).toFixed(2)} s\n`);
  }

  clearInterval(sampler);
  // 5. Floors, with the worker stopped so nothing else competes for the machine.
  const workerExit = new Promise((r) => worker.child.once('exit', r));
  worker.child.kill('SIGTERM');
  await workerExit;
  const concurrency = Number(process.env.WORKER_CONCURRENCY ?? 4);
  process.stderr.write("floors: the vendors' fetch time alone…\n");
  const fetchSeconds = await fetchFloor(url, simEnv, concurrency);
  process.stderr.write('floors: COPY of the mirrored rows…\n');
  const copy = await copyFloor(url);
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  const result = {
    date: new Date().toISOString(),
    subscribers,
    workerConcurrency: concurrency,
    postgres: (await db.pool.query('SHOW server_version')).rows[0].server_version,
    rows,
    fullSync: {
      seconds: Math.round(firstMs / 100) / 10,
      peakRssMb: firstPeakMb,
      retriedRuns: firstRetried.length,
      target: { seconds: 60, peakRssMb: 700 },
    },
    resyncNoChanges: {
      seconds: Math.round(secondMs / 100) / 10,
      rowsWritten: Object.values(written).reduce((a, b) => a + b, 0),
      byTable: written,
      retriedRuns: secondRetried.length,
      target: { seconds: 10, rowsWritten: 0 },
    },
    peakRssMbOverall: Math.round(peakKb / 1024),
    statusLatency: {
      pollIntervalSeconds: statusInterval,
      seconds: latencies.map((l) => Math.round(l / 10) / 100),
      max: Math.round(Math.max(...latencies) / 10) / 100,
      target: statusInterval + 1,
    },
    floors: { fetchSeconds, copySeconds: copy.seconds, copyMegabytes: copy.megabytes },
    ratios: {
      fullSyncToFetchPlusCopy: ratio(firstMs / 1000, fetchSeconds.total + copy.seconds),
      resyncToFetch: ratio(secondMs / 1000, fetchSeconds.total),
    },
  };
  writeResult(`sync-${subscribers}`, result);

  sim.child.kill('SIGINT');
  await jobs.release();
  await db.close();
}

await runBench(main);
