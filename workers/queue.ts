/** Adding jobs from any Emerald process (API or worker), through Graphile Worker's utils. */
import type pg from 'pg';
import { makeWorkerUtils, type WorkerUtils } from 'graphile-worker';
import type { JobQueue } from '../server/src/graphql/context.ts';

/**
 * Add a job from inside a caller's transaction ($1 task, $2 payload JSON, $3 job key):
 * the job exists if and only if the transaction commits. Manual jobs jump the queue.
 */
export const ADD_JOB_SQL = `SELECT graphile_worker.add_job($1::text, $2::json, job_key := $3::text, max_attempts := 5, priority := -10, job_key_mode := 'preserve_run_at')`;

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
        ...(options.jobKey ? { jobKey: options.jobKey, jobKeyMode: 'preserve_run_at' as const } : {}),
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
