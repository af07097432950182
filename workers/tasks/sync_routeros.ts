/** Sync RouterOS: secrets (INVENTORY) or live sessions (SESSIONS) of one router, or fan out to all. */
import { syncTask } from './syncTask.ts';

export const syncRouteros = syncTask('sync_routeros', 'ROUTEROS');
