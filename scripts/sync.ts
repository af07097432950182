/**
 * `npm run sync -- <all|ispcube|routeros|smartolt> [options]`: queue a sync, run it with a
 * worker in this process (or let the running Emerald's worker take it), show progress as
 * runs start and finish, and print a summary. Exits 1 if any run failed or was rejected.
 *
 *   npm run sync -- all                              full inventory, like the schedule
 *   npm run sync -- ispcube [--customer <DNI/CUIT>]  customers, connections, plans, nodes
 *   npm run sync -- routeros [--router <id|name>] [--kind inventory|sessions]
 *   npm run sync -- smartolt [--olt <id|name>] [--kind inventory|status|signal]
 *   --queue-only   only queue; a running `npm start` (or worker) does the work
 *   --timeout <s>  stop waiting after this many seconds (default 900)
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../server/src/config.ts';
import { createDb, type Db } from '../server/src/db/client.ts';
import { openDatabase } from '../server/src/db/connect.ts';
import { applyMigrations } from '../server/src/db/migrate.ts';
import type { SyncKindValue, SyncScopeValue, SyncSource } from '../server/src/sync/runs.ts';
import { createVendors, endpointsFromConfig } from '../server/src/vendors/factory.ts';
import { version } from '../server/src/version.ts';
import { createJobQueue } from '../server/src/jobs/queue.ts';
import { startWorker, type RunningWorker } from '../workers/runner.ts';
import { runCli } from './cli.ts';
import type { Services } from '../server/src/services.ts';
import { SYNC_MAX_ATTEMPTS, enqueueSync } from '../server/src/sync/enqueue.ts';
import { TRANSIENT_VENDOR_ERRORS, type VendorErrorCode } from '../server/src/vendors/vendorError.ts';

class UsageError extends Error {}

const KINDS: Record<string, SyncKindValue> = { inventory: 'INVENTORY', sessions: 'SESSIONS', status: 'ONU_STATUS', signal: 'ONU_SIGNAL' };
const ALLOWED_KINDS: Record<string, SyncKindValue[]> = {
  all: ['INVENTORY'],
  ispcube: ['INVENTORY'],
  routeros: ['INVENTORY', 'SESSIONS'],
  smartolt: ['INVENTORY', 'ONU_STATUS', 'ONU_SIGNAL'],
};

interface Request {
  source: SyncSource;
  kind: SyncKindValue;
  scope: SyncScopeValue;
  scopeRef: string | null;
  chain: boolean;
  label: string;
}

interface RunRow {
  id: number;
  source: string;
  kind: string;
  scope: string;
  scope_ref: string | null;
  status: string;
  attempt: number;
  progress_done: number;
  progress_total: number | null;
  seen: number;
  inserted: number;
  updated: number;
  unchanged: number;
  removed: number;
  error_code: string | null;
  error_message: string | null;
  ms: number | null;
  target: string | null;
}

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'REJECTED']);

/** A run that failed for a passing reason and that its job will try again (with backoff). */
const retrying = (r: RunRow): boolean =>
  r.status === 'FAILED' &&
  r.error_code !== null &&
  TRANSIENT_VENDOR_ERRORS.includes(r.error_code as VendorErrorCode) &&
  r.attempt < SYNC_MAX_ATTEMPTS;

async function resolveTarget(db: Db, table: 'routers' | 'olts', ref: string): Promise<{ id: number; name: string }> {
  const res = await db.pool.query<{ id: number; name: string }>(
    `SELECT id, name FROM ${table} WHERE gone_at IS NULL AND (id::text = $1 OR lower(name) = lower($1) OR external_id = $1) ORDER BY id LIMIT 2`,
    [ref],
  );
  if (res.rows.length !== 1) {
    const known = await db.pool.query<{ id: number; name: string }>(
      `SELECT id, name FROM ${table} WHERE gone_at IS NULL ORDER BY id LIMIT 20`,
    );
    const list = known.rows.map((r) => `${r.id} (${r.name})`).join(', ') || 'none yet: sync ispcube / smartolt first';
    throw new UsageError(
      `${res.rows.length ? 'more than one' : 'no'} ${table === 'routers' ? 'router' : 'OLT'} matches "${ref}"; known: ${list}`,
    );
  }
  return res.rows[0]!;
}

async function buildRequest(db: Db, args: ReturnType<typeof parse>): Promise<Request> {
  const { source, values } = args;
  const kind = values.kind ? KINDS[values.kind] : 'INVENTORY';
  if (!kind || !ALLOWED_KINDS[source]!.includes(kind)) {
    throw new UsageError(
      `--kind for ${source} is one of: ${ALLOWED_KINDS[source]!.map((k) => Object.keys(KINDS).find((n) => KINDS[n] === k)).join(', ')}`,
    );
  }
  if (values.router && source !== 'routeros') throw new UsageError('--router goes with routeros');
  if (values.olt && source !== 'smartolt') throw new UsageError('--olt goes with smartolt');
  if (values.customer && source !== 'ispcube') throw new UsageError('--customer goes with ispcube');
  switch (source) {
    case 'all':
      return {
        source: 'ISPCUBE',
        kind,
        scope: 'ALL',
        scopeRef: null,
        chain: true,
        label: 'full inventory (ISPCube, then every router and OLT)',
      };
    case 'ispcube':
      return values.customer
        ? {
            source: 'ISPCUBE',
            kind,
            scope: 'CUSTOMER',
            scopeRef: values.customer,
            chain: false,
            label: `ISPCube customer ${values.customer}`,
          }
        : { source: 'ISPCUBE', kind, scope: 'ALL', scopeRef: null, chain: false, label: 'ISPCube' };
    case 'routeros': {
      if (!values.router)
        return { source: 'ROUTEROS', kind, scope: 'ALL', scopeRef: null, chain: false, label: `every router (${kind.toLowerCase()})` };
      const r = await resolveTarget(db, 'routers', values.router);
      return {
        source: 'ROUTEROS',
        kind,
        scope: 'ROUTER',
        scopeRef: String(r.id),
        chain: false,
        label: `router ${r.name} (${kind.toLowerCase()})`,
      };
    }
    default: {
      if (!values.olt)
        return { source: 'SMARTOLT', kind, scope: 'ALL', scopeRef: null, chain: false, label: `every OLT (${kind.toLowerCase()})` };
      const o = await resolveTarget(db, 'olts', values.olt);
      return {
        source: 'SMARTOLT',
        kind,
        scope: 'OLT',
        scopeRef: String(o.id),
        chain: false,
        label: `OLT ${o.name} (${kind.toLowerCase()})`,
      };
    }
  }
}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      router: { type: 'string' },
      olt: { type: 'string' },
      customer: { type: 'string' },
      kind: { type: 'string' },
      'queue-only': { type: 'boolean', default: false },
      timeout: { type: 'string', default: '900' },
    },
  });
  const source = positionals[0];
  if (!source || !(source in ALLOWED_KINDS) || positionals.length > 1) {
    throw new UsageError(
      'usage: npm run sync -- <all|ispcube|routeros|smartolt> [--router <id|name>] [--olt <id|name>] [--customer <DNI/CUIT>] [--kind …] [--queue-only]',
    );
  }
  return { source, values };
}

const RUNS_SQL = `
  SELECT r.id, r.source, r.kind, r.scope, r.scope_ref, r.status, r.attempt, r.progress_done, r.progress_total,
         r.seen, r.inserted, r.updated, r.unchanged, r.removed, r.error_code, r.error_message,
         (extract(epoch FROM r.finished_at - r.started_at) * 1000)::int AS ms,
         COALESCE(ro.name, o.name, r.scope_ref) AS target
  FROM sync_runs r
  LEFT JOIN routers ro ON r.scope = 'ROUTER' AND ro.id::text = r.scope_ref
  LEFT JOIN olts o ON r.scope = 'OLT' AND o.id::text = r.scope_ref
  WHERE r.id = $1 OR (r.trigger = $2 AND r.id > $1)
  ORDER BY r.id`;

function describeRun(r: RunRow): string {
  const what = `${r.source.toLowerCase()} ${r.kind.toLowerCase().replace('onu_', '')}${r.scope === 'ALL' ? '' : ` ${r.scope.toLowerCase()} ${r.target ?? r.scope_ref}`}`;
  return `#${r.id} ${what}`;
}

function line(r: RunRow): string {
  const when = new Date().toISOString().slice(11, 19);
  if (r.status === 'RUNNING' || r.status === 'QUEUED') {
    const progress = r.progress_done ? ` ${r.progress_done}${r.progress_total ? `/${r.progress_total}` : ''}` : '';
    return `${when} ${describeRun(r)} ${r.status.toLowerCase()}${r.attempt > 1 ? ` (attempt ${r.attempt})` : ''}${progress}`;
  }
  const counts = `seen ${r.seen}, +${r.inserted} ~${r.updated} =${r.unchanged} -${r.removed}`;
  const error = r.error_code ? ` — ${r.error_code}: ${r.error_message}` : '';
  return `${when} ${describeRun(r)} ${r.status.toLowerCase()} in ${((r.ms ?? 0) / 1000).toFixed(1)} s (${counts})${error}`;
}

/** The final table: one line per run, then totals. */
export function summary(runs: RunRow[], elapsedMs: number): string {
  const rows = runs.map((r) => [
    describeRun(r),
    r.status,
    r.seen,
    r.inserted,
    r.updated,
    r.unchanged,
    r.removed,
    r.ms === null ? '' : (r.ms / 1000).toFixed(1),
  ]);
  const total = runs.reduce(
    (t, r) => ({
      seen: t.seen + r.seen,
      inserted: t.inserted + r.inserted,
      updated: t.updated + r.updated,
      unchanged: t.unchanged + r.unchanged,
      removed: t.removed + r.removed,
    }),
    {
      seen: 0,
      inserted: 0,
      updated: 0,
      unchanged: 0,
      removed: 0,
    },
  );
  const header = ['run', 'status', 'seen', 'inserted', 'updated', 'unchanged', 'removed', 's'];
  const all = [
    header,
    ...rows,
    ['total', '', total.seen, total.inserted, total.updated, total.unchanged, total.removed, (elapsedMs / 1000).toFixed(1)],
  ].map((r) => r.map(String));
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const failed = runs.filter((r) => r.status !== 'SUCCEEDED');
  return [
    fmt(all[0]!),
    ...all.slice(1, -1).map(fmt),
    fmt(all.at(-1)!),
    '',
    failed.length ? `${failed.length} of ${runs.length} run(s) did not succeed` : `all ${runs.length} run(s) succeeded`,
  ].join('\n');
}

await runCli(async () => {
  const args = parse(process.argv.slice(2));
  const config = loadConfig();
  const timeoutMs = Number(args.values.timeout) * 1000;
  const database = await openDatabase(config, undefined, { attach: true });
  const db = createDb(database.url, {
    poolSize: 4,
    statementTimeoutMs: config.database.statementTimeoutMs,
    poolTimeoutMs: config.database.poolTimeoutMs,
  });
  const jobs = createJobQueue(db.pool);
  const vendors = createVendors(db, endpointsFromConfig(config));
  let worker: RunningWorker | null = null;
  try {
    await applyMigrations(database.url);
    const request = await buildRequest(db, args);
    // Demo mode's simulators live inside `npm start`: only its worker can reach them.
    const queueOnly = args.values['queue-only'] || config.demo.enabled;
    if (queueOnly) {
      const alive = await db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM worker_heartbeats WHERE last_seen_at > now() - interval '45 seconds'`,
      );
      if (!alive.rows[0]?.n) {
        throw new UsageError(
          config.demo.enabled
            ? 'demo mode: the simulators run inside `npm start`; start it, then run this again (its worker does the sync)'
            : 'no worker is running to take the queued sync; drop --queue-only to run it here',
        );
      }
    } else {
      const log = pino({ level: process.env.LOG_LEVEL === 'debug' ? 'debug' : 'warn' });
      const services: Services = { config, db, log, startedAt: new Date(), version, jobs, vendors };
      worker = await startWorker(services, { crontab: '', pollInterval: 500 });
    }

    const trigger = 'cli';
    const started = Date.now();
    const { runId, queued } = await enqueueSync(db, jobs, {
      source: request.source,
      kind: request.kind,
      scope: request.scope,
      scopeRef: request.scopeRef,
      trigger,
      chain: request.chain,
    });
    console.log(
      `${queued ? 'queued' : 'already queued, following'} run #${runId}: ${request.label}${queueOnly ? ' (the running worker does it)' : ''}`,
    );

    const printed = new Map<number, string>();
    let runs: RunRow[] = [];
    for (;;) {
      runs = (await db.pool.query<RunRow>(RUNS_SQL, [runId, trigger])).rows;
      for (const r of runs) {
        const text = line(r).slice(9);
        if (printed.get(r.id) !== text) {
          printed.set(r.id, text);
          console.log(line(r));
        }
      }
      if (runs.length && runs.every((r) => TERMINAL.has(r.status) && !retrying(r))) break;
      if (Date.now() - started > timeoutMs) {
        console.log(`stopped waiting after ${args.values.timeout} s; the queued runs go on with the next worker`);
        process.exitCode = 1;
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    console.log(`\n${summary(runs, Date.now() - started)}`);
    if (runs.some(retrying)) console.log(`transient failures are retried with backoff by the worker (up to ${SYNC_MAX_ATTEMPTS} attempts)`);
    if (runs.some((r) => r.status !== 'SUCCEEDED')) process.exitCode = 1;
  } finally {
    await worker?.stop();
    await jobs.release();
    await vendors.close();
    await db.close();
    await database.stop();
  }
});
