/** Every task the worker runs. One file per task in ./tasks, named after its identifier. */
import type { TaskDefinition } from './task.ts';
import { classifyOutage } from './tasks/classify_outage.ts';
import { trafficRollup } from './tasks/traffic_rollup.ts';
import { trafficSample } from './tasks/traffic_sample.ts';
import { trafficSampleRouter } from './tasks/traffic_sample_router.ts';
import { deviceActionCheck } from './tasks/device_action_check.ts';
import { deliverNotification } from './tasks/deliver_notification.ts';
import { escalateIncidents } from './tasks/escalate_incidents.ts';
import { notifyIncident } from './tasks/notify_incident.ts';
import { cleanupSessions } from './tasks/cleanup_sessions.ts';
import { incidentsTick } from './tasks/incidents_tick.ts';
import { pollDue } from './tasks/poll_due.ts';
import { syncAll } from './tasks/sync_all.ts';
import { syncIspcube } from './tasks/sync_ispcube.ts';
import { syncRouteros } from './tasks/sync_routeros.ts';
import { syncSmartolt } from './tasks/sync_smartolt.ts';

export const tasks: readonly TaskDefinition[] = [
  cleanupSessions,
  classifyOutage,
  syncIspcube,
  syncRouteros,
  syncSmartolt,
  syncAll,
  pollDue,
  incidentsTick,
  notifyIncident,
  deliverNotification,
  escalateIncidents,
  deviceActionCheck,
  trafficSample,
  trafficSampleRouter,
  trafficRollup,
] as TaskDefinition[];
