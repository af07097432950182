/** One router's traffic counters for the current five minutes (see server/src/traffic/sample.ts). */
import { z } from 'zod';
import { defineTask } from '../task.ts';
import { sampleRouter } from '../../server/src/traffic/sample.ts';

export const trafficSampleRouter = defineTask({
  identifier: 'traffic_sample_router',
  payload: z.object({ routerId: z.number().int().positive() }),
  async run({ routerId }, { services }) {
    const r = await sampleRouter(services, routerId);
    if (!r.skipped) services.log.debug({ routerId, interfaces: r.interfaces, samples: r.samples, tookMs: r.tookMs }, 'traffic sampled');
  },
});
