/**
 * Runs Graphile Worker inside an Emerald process. Several processes on one database
 * cooperate: jobs are locked in PostgreSQL (SKIP LOCKED), cron runs once per schedule.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, type Runner, type TaskList, Logger, type LogLevel, type WorkerEvents } from 'graphile-worker';
import { toGraphileTask } from './task.ts';
import { tasks } from './taskList.ts';
import type { Services } from '../server/src/services.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface RunningWorker {
  runner: Runner;
  processId: string;
  stop(): Promise<void>;
}

/** Heartbeats: a worker unseen for this long is dead and its jobs are unlocked for retry. */
export const HEARTBEAT_MS = 10_000;
export const DEAD_AFTER_SECONDS = 45;

/**
 * Unlock jobs held by workers that stopped beating (a process killed with SIGKILL leaves
 * its jobs locked for hours otherwise). Graphile Worker then retries them.
 */
export async function reapDeadWorkers(pool: import('pg').Pool, deadAfterSeconds = DEAD_AFTER_SECONDS): Promise<string[]> {
  const dead = await pool.query<{ worker_id: string }>(
    `SELECT worker_id FROM worker_heartbeats WHERE last_seen_at < now() - make_interval(secs => $1)
     UNION
     SELECT DISTINCT locked_by FROM graphile_worker._private_jobs
      WHERE locked_by IS NOT NULL AND locked_at < now() - make_interval(secs => $1)
        AND locked_by NOT IN (SELECT worker_id FROM worker_heartbeats)`,
    [deadAfterSeconds],
  );
  const ids = dead.rows.map((r) => r.worker_id);
  if (ids.length) {
    await pool.query('SELECT graphile_worker.force_unlock_workers($1::text[])', [ids]);
    await pool.query('DELETE FROM worker_heartbeats WHERE worker_id = ANY($1::text[])', [ids]);
  }
  return ids;
}

/** The crontab file, with the full-sync schedule taken from INVENTORY_SYNC_CRON. */
export function readCrontab(inventoryCron?: string): string {
  const text = fs.readFileSync(path.join(here, 'crontab'), 'utf8');
  return inventoryCron ? text.replace(/^.* sync_all (\?id=sync_all.*)$/m, `${inventoryCron} sync_all $1`) : text;
}

export async function startWorker(
  services: Services,
  options: { crontab?: string; concurrency?: number; pollInterval?: number } = {},
): Promise<RunningWorker> {
  const taskList: TaskList = Object.fromEntries(tasks.map((t) => [t.identifier, toGraphileTask(t, services)]));
  const log = services.log.child({ component: 'worker' });
  const logger = new Logger(() => (level: LogLevel, message: string, meta?: unknown) => {
    // Graphile logs every job at info level: keep those for debug, Emerald logs its own summaries.
    const fn =
      level === 'error'
        ? log.error
        : level === 'warning'
          ? log.warn
          : level === 'info' && !/connected|stopped/i.test(message)
            ? log.debug
            : level === 'debug'
              ? log.debug
              : log.info;
    fn.call(log, meta ?? {}, message);
  });
  const processId = randomUUID();
  const events: WorkerEvents = new EventEmitter() as WorkerEvents;
  const poolIds = new Set<string>();
  const beat = async (): Promise<void> => {
    if (!poolIds.size) return;
    await services.db.pool.query(
      `INSERT INTO worker_heartbeats (worker_id, process_id, host, pid, last_seen_at)
       SELECT id, $2, $3, $4, now() FROM unnest($1::text[]) AS id
       ON CONFLICT (worker_id) DO UPDATE SET last_seen_at = now()`,
      [[...poolIds], processId, os.hostname(), process.pid],
    );
  };
  // Graphile Worker locks jobs in the name of the worker pool (`locked_by`), not of its
  // workers: the pool is what beats. (Beating for the workers left a running job's lock owner
  // without a heartbeat, so the reaper took any job running past DEAD_AFTER for a dead
  // worker's and ran it a second time beside the first.)
  events.on('pool:create', ({ workerPool }) => {
    poolIds.add(workerPool.id);
    void beat().catch(() => {});
  });
  const runner = await run({
    events,
    pgPool: services.db.pool,
    concurrency: options.concurrency ?? services.config.worker.concurrency,
    noHandleSignals: true,
    pollInterval: options.pollInterval ?? 2000,
    taskList,
    crontab: options.crontab ?? readCrontab(services.config.inventoryCron),
    logger,
  });
  // Beat at least four times per dead-after period, so a live worker is never taken as dead.
  const deadAfter = services.config.worker.deadAfterSeconds;
  const heartbeatMs = Math.min(HEARTBEAT_MS, Math.max(250, (deadAfter * 1000) / 4));
  const timers = [
    setInterval(() => void beat().catch((e: unknown) => log.warn({ err: e }, 'heartbeat failed')), heartbeatMs),
    setInterval(
      () =>
        void reapDeadWorkers(services.db.pool, deadAfter).then(
          (ids) => ids.length && log.warn({ workers: ids }, 'unlocked jobs of dead workers'),
          (e: unknown) => log.warn({ err: e }, 'reaping dead workers failed'),
        ),
      heartbeatMs * 2,
    ),
  ];
  for (const t of timers) t.unref();
  await reapDeadWorkers(services.db.pool, deadAfter).catch(() => []);
  let stopped: Promise<void> | undefined;
  return {
    runner,
    processId,
    stop: () => {
      stopped ??= (async () => {
        for (const t of timers) clearInterval(t);
        await runner.stop();
        await services.db.pool.query('DELETE FROM worker_heartbeats WHERE process_id = $1', [processId]).catch(() => {});
      })();
      return stopped;
    },
  };
}
