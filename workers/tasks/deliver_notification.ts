/**
 * Send one notification (e-mail, Telegram, webhook). A passing failure is retried — after
 * the channel's Retry-After when it gives one, else with Graphile Worker's backoff — until
 * the job's attempts run out; a permanent one (a blocked bot, a rejected address) is
 * recorded as FAILED with its reason at once.
 */
import { z } from 'zod';
import { deliver, giveUp } from '../../server/src/notifications/deliveries.ts';
import { defineTask } from '../task.ts';

export const deliverNotification = defineTask({
  identifier: 'deliver_notification',
  payload: z.object({ deliveryId: z.number().int().positive() }),
  async run({ deliveryId }, { services, helpers }) {
    const outcome = await deliver(services.db, services.config, deliveryId);
    if (!outcome || outcome.sent || outcome.permanent) return;
    if (helpers.job.attempts >= helpers.job.max_attempts) {
      await giveUp(services.db, deliveryId);
      return;
    }
    if (outcome.retryAfterMs !== null) {
      // The channel said when: come back then, rather than on the generic backoff.
      await helpers.addJob(
        'deliver_notification',
        { deliveryId },
        {
          jobKey: `deliver:${deliveryId}:later`,
          jobKeyMode: 'replace',
          runAt: new Date(Date.now() + outcome.retryAfterMs),
          maxAttempts: 25,
        },
      );
      return;
    }
    throw new Error(`delivery ${deliveryId} failed: ${outcome.reason}`);
  },
});
