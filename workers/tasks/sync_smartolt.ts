/** Sync SmartOLT: OLTs and ONU inventory, ONU statuses or signals, of one OLT or fanned out to all. */
import { syncTask } from './syncTask.ts';

export const syncSmartolt = syncTask('sync_smartolt', 'SMARTOLT');
