/** Hourly: roll the last hours' five-minute samples up into hourly points, then prune what is past retention. */
import { z } from 'zod';
import { defineTask } from '../task.ts';
import { prune, rollUp } from '../../server/src/traffic/sample.ts';

export const trafficRollup = defineTask({
  identifier: 'traffic_rollup',
  payload: z.object({}).passthrough(),
  async run(_payload, { services }) {
    const now = new Date();
    // The last three hours: the one that just ended, and late samples of the two before.
    const rows = await rollUp(services.db.pool, new Date(now.getTime() - 3 * 3_600_000), now);
    const pruned = await prune(services.db.pool, services.config.traffic);
    services.log.info({ rolledUp: rows, pruned }, 'traffic rolled up and pruned');
  },
});
