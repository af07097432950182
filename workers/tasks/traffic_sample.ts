/**
 * Every five minutes: one traffic sampling job per router (deduplicated per router and
 * bucket by job key), so routers are read in parallel by whichever workers are free.
 */
import { z } from 'zod';
import { defineTask } from '../task.ts';
import { bucketOf } from '../../server/src/traffic/sample.ts';

export const trafficSample = defineTask({
  identifier: 'traffic_sample',
  payload: z.object({}).passthrough(),
  async run(_payload, { services }) {
    if (!services.config.traffic.sampling) return;
    const routers = await services.db.pool.query<{ id: number }>('SELECT id FROM routers WHERE gone_at IS NULL ORDER BY id');
    const bucket = bucketOf(new Date()).toISOString();
    await Promise.all(
      routers.rows.map((r) =>
        services.jobs.add('traffic_sample_router', { routerId: r.id }, { jobKey: `traffic:${r.id}:${bucket}`, maxAttempts: 2 }),
      ),
    );
  },
});
