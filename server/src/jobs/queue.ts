/** Adding jobs from any Emerald process (API or worker), through Graphile Worker's utils. */
import type pg from 'pg';
import { makeWorkerUtils, type WorkerUtils } from 'graphile-worker';
import type { Queryable } from '../db/sql.ts';
import type { JobQueue } from '../services.ts';

/**
 * Add a job inside a caller's transaction: the job exists if and only if the transaction
 * commits. Urgent jobs (asked for by a person or by outage detection) jump the queue.
 */
export async function addJobInTransaction(
  tx: Queryable,
  task: string,
  payload: Record<string, unknown>,
  options: {
    jobKey?: string;
    urgent?: boolean;
    maxAttempts?: number;
    runAt?: Date;
    jobKeyMode?: 'preserve_run_at' | 'replace' | 'unsafe_dedupe';
  } = {},
): Promise<void> {
  await tx.query(
    `SELECT graphile_worker.add_job($1::text, $2::json, job_key := $3::text, max_attempts := $4::int, priority := $5::int,
       run_at := $6::timestamptz, job_key_mode := $7::text)`,
    [
      task,
      JSON.stringify(payload),
      options.jobKey ?? null,
      options.maxAttempts ?? 5,
      options.urgent ? -10 : 0,
      options.runAt ?? null,
      options.jobKeyMode ?? 'preserve_run_at',
    ],
  );
}

export function createJobQueue(pool: pg.Pool): JobQueue & { release(): Promise<void> } {
  let utils: Promise<WorkerUtils> | undefined;
  const get = (): Promise<WorkerUtils> => {
    utils ??= (async () => {
      const u = await makeWorkerUtils({ pgPool: pool });
      // Creates/updates the graphile_worker schema if no worker ran on this database yet.
      await u.migrate();
      return u;
    })();
    return utils;
  };
  return {
    async ready() {
      await get();
    },
    async add(task, payload, options = {}) {
      const job = await (await get()).addJob(task, payload, {
        ...(options.jobKey ? { jobKey: options.jobKey, jobKeyMode: options.jobKeyMode ?? ('preserve_run_at' as const) } : {}),
        ...(options.runAt ? { runAt: options.runAt } : {}),
        ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
        ...(options.priority !== undefined ? { priority: options.priority } : {}),
      });
      return { id: String(job.id) };
    },
    async release() {
      if (utils) await (await utils).release();
    },
  };
}
