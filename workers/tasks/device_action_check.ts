/** Once a device has settled after an action: diagnose again and record whether the action helped. */
import { z } from 'zod';
import { defineTask } from '../task.ts';
import { checkDeviceAction } from '../../server/src/actions/deviceActions.ts';

export const deviceActionCheck = defineTask({
  identifier: 'device_action_check',
  payload: z.object({ actionId: z.number().int().positive() }),
  async run({ actionId }, { services }) {
    const row = await checkDeviceAction(services, actionId);
    if (row?.outcome)
      services.log.info({ actionId, kind: row.kind, outcome: row.outcome, verdict: row.verdict_after }, 'device action checked');
  },
});
