/** The shape shared by the three sync tasks: a validated payload run through runSync. */
import { z } from 'zod';
import type { Config } from '../../server/src/config.ts';
import type { SyncKindValue, SyncSource } from '../../server/src/sync/runs.ts';
import { defineTask, type TaskContext, type TaskDefinition } from '../task.ts';
import { runSync } from '../../server/src/sync/run.ts';
import type { SyncContext } from '../../server/src/sync/steps.ts';
import { bookNextPoll } from '../../server/src/sync/enqueue.ts';

export const syncPayload = z.object({
  runId: z.number().int().positive().nullish(),
  kind: z.enum(['INVENTORY', 'SESSIONS', 'ONU_STATUS', 'ONU_SIGNAL']).default('INVENTORY'),
  scope: z.enum(['ALL', 'ROUTER', 'OLT', 'CUSTOMER']).default('ALL'),
  scopeRef: z.string().nullish(),
  trigger: z.string().default('job'),
  chain: z.boolean().optional(),
});

export function syncContext({ services, helpers }: TaskContext): SyncContext {
  return {
    db: services.db,
    log: services.log.child({ job: helpers.job.id, task: helpers.job.task_identifier }),
    config: services.config,
    vendors: services.vendors,
    jobs: services.jobs,
    ...(services.onChanges ? { onChanges: services.onChanges } : {}),
  };
}

/** Seconds between scheduled polls of one OLT or router, by kind (null: not a poll). */
function pollInterval(config: Config, kind: SyncKindValue): number | null {
  switch (kind) {
    case 'ONU_STATUS':
      return config.smartoltBudget.statusIntervalSeconds;
    case 'ONU_SIGNAL':
      return config.smartoltBudget.signalIntervalSeconds;
    case 'SESSIONS':
      return config.routeros.sweepIntervalSeconds;
    default:
      return null;
  }
}

export function syncTask(identifier: string, source: SyncSource): TaskDefinition<typeof syncPayload> {
  return defineTask({
    identifier,
    payload: syncPayload,
    async run(payload, ctx) {
      const started = Date.now();
      const interval = payload.trigger === 'schedule' && payload.scope !== 'ALL' ? pollInterval(ctx.services.config, payload.kind) : null;
      // A scheduled poll books its successor one interval after it started, so polls keep
      // their pace to the second (poll_due only starts chains and revives broken ones).
      // A transient failure rethrows first: Graphile Worker retries this job, which books
      // the successor when it gets through.
      const bookNext = async (): Promise<void> => {
        if (interval === null) return;
        const table = payload.scope === 'OLT' ? 'olts' : 'routers';
        const live = await ctx.services.db.pool.query(`SELECT 1 FROM ${table} WHERE id::text = $1 AND gone_at IS NULL`, [
          payload.scopeRef ?? '',
        ]);
        if (!live.rowCount) return; // the device left the inventory: the chain ends
        await bookNextPoll(
          ctx.services.jobs,
          { source, kind: payload.kind, scope: payload.scope, scopeRef: payload.scopeRef ?? null, trigger: 'schedule' },
          new Date(started + interval * 1000),
        );
      };
      await runSync(syncContext(ctx), {
        source,
        kind: payload.kind,
        scope: payload.scope,
        scopeRef: payload.scopeRef ?? null,
        trigger: payload.trigger,
        runId: payload.runId ?? null,
        ...(payload.chain ? { chain: true } : {}),
      });
      await bookNext();
    },
  });
}
