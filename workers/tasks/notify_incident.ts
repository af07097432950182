/** Who hears of an incident event (queued by outage correlation in the same transaction): one delivery job per recipient. */
import { z } from 'zod';
import { planDeliveries } from '../../server/src/notifications/deliveries.ts';
import { defineTask } from '../task.ts';

export const notifyIncident = defineTask({
  identifier: 'notify_incident',
  payload: z.object({
    incidentId: z.number().int().positive(),
    event: z.enum(['OPENED', 'CLASSIFIED', 'GREW', 'CLEARED', 'ESCALATED']),
    eventKey: z.string().min(1).max(100),
  }),
  async run({ incidentId, event, eventKey }, { services }) {
    await planDeliveries(services.db, services.jobs, services.config, incidentId, event, eventKey);
  },
});
