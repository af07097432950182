/** Health and build information: the only fields that need no sign-in. */
import { builder } from '../builder.ts';

const HealthRef = builder.objectRef<{ ok: boolean; database: boolean; version: string; uptimeSeconds: number }>('Health');
HealthRef.implement({
  description: 'Whether this Emerald process and its database answer.',
  fields: (t) => ({
    ok: t.exposeBoolean('ok', { description: 'True when the process and the database are usable.' }),
    database: t.exposeBoolean('database', { description: 'True when a query against PostgreSQL succeeded.' }),
    version: t.exposeString('version', { description: 'Emerald version.' }),
    uptimeSeconds: t.exposeInt('uptimeSeconds', { description: 'Seconds since this process started.' }),
  }),
});

builder.queryField('health', (t) =>
  t.field({
    type: HealthRef,
    description: 'Liveness and database reachability. Needs no authentication (for load balancers and monitors).',
    resolve: async (_root, _args, ctx) => {
      let database = false;
      try {
        await ctx.db.pool.query('SELECT 1');
        database = true;
      } catch {
        database = false;
      }
      return {
        ok: database,
        database,
        version: ctx.version,
        uptimeSeconds: Math.floor((Date.now() - ctx.startedAt.getTime()) / 1000),
      };
    },
  }),
);
