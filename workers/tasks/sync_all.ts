/** The scheduled full inventory sync: ISPCube first, which then queues every router and OLT. */
import { z } from 'zod';
import { defineTask } from '../task.ts';
import { enqueueSync } from '../../server/src/sync/enqueue.ts';

export const syncAll = defineTask({
  identifier: 'sync_all',
  payload: z.object({}).passthrough(),
  async run(_payload, { services }) {
    await enqueueSync(services.db, services.jobs, { source: 'ISPCUBE', kind: 'INVENTORY', scope: 'ALL', trigger: 'cron', chain: true });
  },
});
