/**
 * How a task is declared: its identifier (the file name), a zod schema validating the
 * payload at run time, and a handler receiving the shared services.
 */
import type { JobHelpers, Task } from 'graphile-worker';
import type { z } from 'zod';
import type { Services } from '../server/src/services.ts';

export interface TaskContext {
  services: Services;
  helpers: JobHelpers;
}

export interface TaskDefinition<S extends z.ZodType = z.ZodType> {
  identifier: string;
  payload: S;
  run(payload: z.output<S>, ctx: TaskContext): Promise<void>;
}

export function defineTask<S extends z.ZodType>(definition: TaskDefinition<S>): TaskDefinition<S> {
  return definition;
}

/** A graphile-worker Task that validates its payload first; a bad payload fails permanently. */
export function toGraphileTask(definition: TaskDefinition, services: Services): Task {
  return async (rawPayload, helpers) => {
    const parsed = definition.payload.safeParse(rawPayload ?? {});
    if (!parsed.success) {
      helpers.logger.error(`invalid payload for ${definition.identifier}: ${parsed.error.issues[0]?.message}`);
      // Do not retry a payload that will never parse.
      await helpers.withPgClient((client) =>
        client.query('SELECT graphile_worker.permanently_fail_jobs(ARRAY[$1::bigint], $2)', [helpers.job.id, 'invalid payload']),
      );
      return;
    }
    await definition.run(parsed.data, { services, helpers });
  };
}
