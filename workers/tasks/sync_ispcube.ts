/** Sync ISPCube: everything (customers, connections, plans, nodes) or one customer by DNI/CUIT. */
import { syncTask } from './syncTask.ts';

export const syncIspcube = syncTask('sync_ispcube', 'ISPCUBE');
