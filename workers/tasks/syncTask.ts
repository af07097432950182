/** The shape shared by the three sync tasks: a validated payload run through runSync. */
import { z } from 'zod';
import { runSync, type SyncContext } from '../../server/src/sync/sync.ts';
import type { SyncSource } from '../../server/src/sync/runs.ts';
import { defineTask, type TaskContext, type TaskDefinition } from '../task.ts';

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

export function syncTask(identifier: string, source: SyncSource): TaskDefinition<typeof syncPayload> {
  return defineTask({
    identifier,
    payload: syncPayload,
    async run(payload, ctx) {
      await runSync(syncContext(ctx), {
        source,
        kind: payload.kind,
        scope: payload.scope,
        scopeRef: payload.scopeRef ?? null,
        trigger: payload.trigger,
        runId: payload.runId ?? null,
        ...(payload.chain ? { chain: true } : {}),
      });
    },
  });
}
