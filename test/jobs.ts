/** Run queued jobs with a real Graphile Worker until none is left to run. */
import { startWorker } from '../workers/runner.ts';
import type { Services } from '../server/src/services.ts';

export async function drainJobs(services: Services, options: { timeoutMs?: number; concurrency?: number } = {}): Promise<void> {
  const worker = await startWorker(services, { crontab: '', concurrency: options.concurrency ?? 2, pollInterval: 100 });
  try {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    for (;;) {
      // Runnable now: not locked, not waiting for a retry in the future, attempts left.
      const res = await services.db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE attempts < max_attempts AND (locked_at IS NOT NULL OR run_at <= now())`,
      );
      if (res.rows[0]!.n === 0) return;
      if (Date.now() > deadline) throw new Error(`jobs still pending after ${options.timeoutMs ?? 60_000} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await worker.stop();
  }
}
