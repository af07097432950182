/**
 * The targeted read behind SUSPECTED incidents of one OLT (queued, debounced per OLT, by
 * outage correlation when PPPoE sessions of a PON port drop together): one bulk status
 * read with the outage share of the SmartOLT budget, then each suspected incident of the
 * OLT is confirmed, reclassified, withdrawn — or read once more when the ONUs look fine
 * while their sessions stay down.
 */
import { z } from 'zod';
import { judgeSuspected, noteReadFailed } from '../../server/src/incidents/classify.ts';
import { runSync } from '../../server/src/sync/run.ts';
import { defineTask } from '../task.ts';
import { syncContext } from './syncTask.ts';

export const classifyOutage = defineTask({
  identifier: 'classify_outage',
  payload: z.object({ oltId: z.number().int().positive(), read: z.number().int().min(1).max(2).default(1) }),
  async run({ oltId, read }, ctx) {
    const { services, helpers } = ctx;
    const observedAt = new Date();
    let result: Awaited<ReturnType<typeof runSync>>;
    try {
      result = await runSync(syncContext(ctx), {
        source: 'SMARTOLT',
        kind: 'ONU_STATUS',
        scope: 'OLT',
        scopeRef: String(oltId),
        trigger: 'outage',
      });
    } catch (error) {
      // Transient (budget, 429, unreachable): noted, and the job retries with backoff.
      await noteReadFailed(services.db, oltId, error instanceof Error ? error.message : String(error));
      throw error;
    }
    if (result.status !== 'SUCCEEDED') {
      await noteReadFailed(services.db, oltId, result.error?.message ?? result.status);
      return;
    }
    const outcomes = await judgeSuspected(services.db, services.config.incidents, oltId, read, observedAt);
    if (read < 2 && outcomes.some((o) => o.action === 'recheck')) {
      await helpers.addJob(
        'classify_outage',
        { oltId, read: 2 },
        {
          jobKey: `classify:olt:${oltId}:recheck`,
          runAt: new Date(Date.now() + services.config.incidents.recheckSeconds * 1000),
          maxAttempts: 5,
        },
      );
    }
  },
});
