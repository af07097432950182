/** Every minute: incidents nobody acknowledged within their rule's time are told to the next level. */
import { z } from 'zod';
import { escalateDue } from '../../server/src/notifications/deliveries.ts';
import { defineTask } from '../task.ts';

export const escalateIncidents = defineTask({
  identifier: 'escalate_incidents',
  payload: z.object({}).passthrough(),
  async run(_payload, { services }) {
    await escalateDue(services.db, services.jobs, services.config);
  },
});
