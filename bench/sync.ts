/**
 * Sync benchmark: the simulated ISP (`npm run sim`, its own process) and an Emerald worker
 * process (`EMERALD_PROCESSES=worker`, as in production) on a fresh database.
 *
 *   1. full sync: ISPCube → every router and OLT → every router's active sessions
 *   2. the same again with nothing changed: rows written (must be 0) and time
 *   3. status latency: an ONU changes state in the simulator; time until its status-history
 *      row exists, against the poll interval
 *
 *   npm run bench:sync -- [--subscribers 100000] [--status-interval 20] [--samples 5]
 * Peak RSS is the worker process's VmHWM. Results go to bench/results/sync-<n>.json.
 * BENCH_PROFILE_DIR=/tmp/prof writes CPU profiles of the worker and the simulators there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createDb } from '../server/src/db/client.ts';
import { applyMigrations } from '../server/src/db/migrate.ts';
import { withDatabaseName } from '../server/src/db/scratch.ts';
import { createJobQueue } from '../server/src/jobs/queue.ts';
import { benchServer, runBench, writeResult } from './setup.ts';
import { enqueueSync } from '../server/src/sync/enqueue.ts';

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
  const secondMs = await fullSync();
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
  const result = {
    date: new Date().toISOString(),
    subscribers,
    workerConcurrency: Number(process.env.WORKER_CONCURRENCY ?? 4),
    postgres: (await db.pool.query('SHOW server_version')).rows[0].server_version,
    rows,
    fullSync: { seconds: Math.round(firstMs / 100) / 10, peakRssMb: firstPeakMb, target: { seconds: 60, peakRssMb: 700 } },
    resyncNoChanges: {
      seconds: Math.round(secondMs / 100) / 10,
      rowsWritten: Object.values(written).reduce((a, b) => a + b, 0),
      byTable: written,
      target: { seconds: 20, rowsWritten: 0 },
    },
    peakRssMbOverall: Math.round(peakKb / 1024),
    statusLatency: {
      pollIntervalSeconds: statusInterval,
      seconds: latencies.map((l) => Math.round(l / 10) / 100),
      max: Math.round(Math.max(...latencies) / 10) / 100,
      target: statusInterval + 1,
    },
  };
  writeResult(`sync-${subscribers}`, result);

  worker.child.kill('SIGTERM');
  sim.child.kill('SIGINT');
  await jobs.release();
  await db.close();
}

await runBench(main);
