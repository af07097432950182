/**
 * The service container: what every layer above the database receives — the API's
 * resolvers, the workers' tasks, the CLI. Types only: this module imports no runtime code,
 * so any layer may depend on it without pulling another layer in (graphile/worker keeps
 * its `interfaces.ts` the same way).
 *
 * Terms: an *actor* is whoever calls (a signed-in user or an API key); a *job* is a unit of
 * background work in Graphile Worker's queue; *changes* are committed ONU status changes and
 * PPPoE session ends, which outage correlation consumes.
 */
import type { Config } from './config.ts';
import type { Db } from './db/client.ts';
import type { RoleValue } from './domain/types.ts';
import type { Logger } from './logger.ts';
import type { OnuStatusChange } from './mirror/smartolt.ts';
import type { SessionChange } from './mirror/routeros.ts';
import type { EventBus } from './realtime/bus.ts';
import type { FileStore } from './files/store.ts';
import type { Metrics } from './ops/metrics.ts';
import type { Vendors } from './vendors/factory.ts';

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
  /** When the session or API key stops working (live connections end then). */
  expiresAt?: Date | null;
}

export interface AddJobOptions {
  jobKey?: string;
  /** What a job with the same key still pending becomes: kept (default) or replaced. */
  jobKeyMode?: 'preserve_run_at' | 'replace';
  runAt?: Date;
  maxAttempts?: number;
  priority?: number;
}

/** Adds background jobs (Graphile Worker) from any process. */
export interface JobQueue {
  /** Resolves once the job tables exist (they are created on first use). */
  ready(): Promise<void>;
  add(task: string, payload: Record<string, unknown>, options?: AddJobOptions): Promise<{ id: string }>;
}

/** Committed ONU status changes and ended/started sessions, for outage correlation. */
export interface NetworkChanges {
  onus: OnuStatusChange[];
  sessions: SessionChange[];
}

export type ChangeSink = (changes: NetworkChanges) => Promise<void>;

/** A request to the demo's scripting API (`/sim/…`), already authenticated and parsed. */
export interface DemoControlRequest {
  method: string;
  path: string;
  body: unknown;
}

/** Demo mode only: scripting the simulated ISP (fibre cut, power cut…) under /sim. */
export interface DemoControl {
  control(request: DemoControlRequest): { status: number; body: unknown };
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
  onChanges?: ChangeSink;
  /** Change events for subscriptions (API processes). */
  bus?: EventBus;
  /** Demo mode: the simulated ISP, scriptable under /sim by NOC staff and admins. */
  demo?: DemoControl;
  /** Prometheus metrics of this process (API processes). */
  metrics?: Metrics;
  /** Where attachments are kept; by default the store FILES_STORAGE names. */
  files?: FileStore;
}
