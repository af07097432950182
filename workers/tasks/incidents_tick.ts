/** Every minute: clear incidents whose recovery has held long enough (no event may come to trigger it). */
import { z } from 'zod';
import { tickIncidents } from '../../server/src/incidents/correlate.ts';
import { defineTask } from '../task.ts';

export const incidentsTick = defineTask({
  identifier: 'incidents_tick',
  payload: z.object({}).passthrough(),
  async run(_payload, { services }) {
    await tickIncidents(services.db, services.config.incidents);
  },
});
