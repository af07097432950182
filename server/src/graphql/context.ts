/** What every resolver receives: the database, config, the caller and request-scoped helpers. */
import type { AddressThrottle } from '../auth/throttle.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { RoleValue } from '../domain/types.ts';
import type { Logger } from '../logger.ts';
import type { OnuStatusChange, SessionChange } from '../mirror/apply.ts';
import type { Vendors } from '../sync/vendors.ts';

import type { SimulatedIsp } from '../../../simulators/isp.ts';
import type { EventBus } from '../realtime/bus.ts';

export interface Actor {
  userId: number;
  username: string;
  name: string;
  role: RoleValue;
  teamId: number | null;
  /** Set when the caller authenticated with an API key instead of a session. */
  apiKeyId: number | null;
  /** API keys carry READ/WRITE; a session may do whatever its role allows. */
  scopes: { read: boolean; write: boolean };
  sessionId: number | null;
}

/** Adds background jobs (Graphile Worker) from any process. */
export interface JobQueue {
  /** Resolves once the job tables exist (they are created on first use). */
  ready(): Promise<void>;
  add(task: string, payload: Record<string, unknown>, options?: { jobKey?: string; runAt?: Date; maxAttempts?: number; priority?: number }): Promise<{ id: string }>;
}

export interface Services {
  config: Config;
  db: Db;
  log: Logger;
  startedAt: Date;
  version: string;
  jobs: JobQueue;
  /** Vendor clients (configured systems, or the simulators in demo mode). */
  vendors: Vendors;
  /** Called by syncs with committed ONU status changes and ended sessions (outage correlation). */
  onChanges?: (changes: { onus: OnuStatusChange[]; sessions: SessionChange[] }) => Promise<void>;
  /** Change events for subscriptions (API processes). */
  bus?: EventBus;
  /** Demo mode: the simulated ISP, scriptable under /sim by NOC staff and admins. */
  simulatedIsp?: SimulatedIsp;
}

export interface Context extends Services {
  actor: Actor | null;
  requestId: string;
  ip: string | null;
  userAgent: string | null;
  /** Set-Cookie headers the response must carry (login/logout). */
  setCookies: string[];
  /** Per-process throttle of failed sign-ins by client address. */
  loginThrottle: AddressThrottle;
}
