/**
 * Every minute: queue the per-OLT status and signal polls and the per-router session
 * sweeps that are due (last attempt older than their interval). Intervals come from
 * configuration and fit the SmartOLT budget; job keys keep one pending job per target.
 */
import { z } from 'zod';
import { defineTask } from '../task.ts';
import { enqueueSync } from '../../server/src/sync/enqueue.ts';

export const pollDue = defineTask({
  identifier: 'poll_due',
  payload: z.object({}).passthrough(),
  async run(_payload, { services }) {
    const { db, config } = services;
    const due = async (table: 'olts' | 'routers', source: string, kind: string, prefix: string, seconds: number) =>
      (
        await db.pool.query<{ id: number }>(
          `SELECT t.id FROM ${table} t
           LEFT JOIN source_freshness f ON f.source = $1 AND f.kind = $2 AND f.scope_key = $3 || t.id
           WHERE t.gone_at IS NULL AND (f.last_attempt_at IS NULL OR f.last_attempt_at < now() - make_interval(secs => $4))
           ORDER BY t.id`,
          [source, kind, prefix, seconds - 5],
        )
      ).rows.map((r) => r.id);
    const jobs: Promise<unknown>[] = [];
    if (services.vendors.endpoints.smartolt) {
      for (const id of await due('olts', 'SMARTOLT', 'ONU_STATUS', 'olt:', config.smartoltBudget.statusIntervalSeconds)) {
        jobs.push(
          enqueueSync(db, services.jobs, {
            source: 'SMARTOLT',
            kind: 'ONU_STATUS',
            scope: 'OLT',
            scopeRef: String(id),
            trigger: 'schedule',
          }),
        );
      }
      for (const id of await due('olts', 'SMARTOLT', 'ONU_SIGNAL', 'olt:', config.smartoltBudget.signalIntervalSeconds)) {
        jobs.push(
          enqueueSync(db, services.jobs, {
            source: 'SMARTOLT',
            kind: 'ONU_SIGNAL',
            scope: 'OLT',
            scopeRef: String(id),
            trigger: 'schedule',
          }),
        );
      }
    }
    for (const id of await due('routers', 'ROUTEROS', 'SESSIONS', 'router:', config.routeros.sweepIntervalSeconds)) {
      jobs.push(
        enqueueSync(db, services.jobs, {
          source: 'ROUTEROS',
          kind: 'SESSIONS',
          scope: 'ROUTER',
          scopeRef: String(id),
          trigger: 'schedule',
        }),
      );
    }
    await Promise.all(jobs);
  },
});
