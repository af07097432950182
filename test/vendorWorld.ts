/**
 * A simulated ISP for integration tests: the three vendor simulators on 127.0.0.1 (port 0)
 * over one world, and Emerald services pointed at them like at real systems.
 */
import { afterAll } from 'vitest';
import pino from 'pino';
import { loadConfig, type Config } from '../server/src/config.ts';
import { endpointsFor } from '../server/src/demo/simulators.ts';
import { incidentCorrelator } from '../server/src/incidents/correlate.ts';
import { createVendors, type VendorEndpoints } from '../server/src/vendors/factory.ts';
import { startSimulatedIsp, type IspCredentials } from '../simulators/isp.ts';
import type { RunningIspcubeSim } from '../simulators/ispcube/server.ts';
import type { RunningRouterOsSim } from '../simulators/routeros/server.ts';
import type { RunningSmartoltSim } from '../simulators/smartolt/server.ts';
import { World } from '../simulators/world/world.ts';
import { createJobQueue } from '../server/src/jobs/queue.ts';
import type { TestDatabase } from './db.ts';
import type { Services } from '../server/src/services.ts';

export interface VendorWorld {
  world: World;
  ispcube: RunningIspcubeSim;
  smartolt: RunningSmartoltSim;
  routers: Map<number, RunningRouterOsSim>;
  endpoints: VendorEndpoints;
  /** The same endpoints as environment variables (for a child Emerald process). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

const CREDENTIALS: IspCredentials = {
  ispcube: { apiKey: 'k', clientId: '9', username: 'emerald', password: 'isp-pass' },
  smartoltToken: 't',
  routeros: { user: 'api', password: 'router-pass' },
};

export async function startVendorWorld(
  options: { seed?: number; subscribers?: number; smartoltLimit?: number } = {},
): Promise<VendorWorld> {
  const world = World.generate({ seed: options.seed ?? 5, subscribers: options.subscribers ?? 600 });
  const limit = options.smartoltLimit ?? 5000;
  const isp = await startSimulatedIsp({ world, credentials: CREDENTIALS, smartoltHourlyLimit: limit });
  const endpoints = endpointsFor(isp, { hourlyBudget: limit, routerTimeoutSeconds: 2, httpTimeoutMs: 5000, connectionsTimeoutMs: 20_000 });
  const vw: VendorWorld = {
    world,
    ispcube: isp.ispcube!,
    smartolt: isp.smartolt!,
    routers: isp.routers,
    endpoints,
    env: {
      ISPCUBE_URL: endpoints.ispcube!.url,
      ISPCUBE_API_KEY: CREDENTIALS.ispcube.apiKey,
      ISPCUBE_CLIENT_ID: CREDENTIALS.ispcube.clientId,
      ISPCUBE_USERNAME: CREDENTIALS.ispcube.username,
      ISPCUBE_PASSWORD: CREDENTIALS.ispcube.password,
      SMARTOLT_URL: endpoints.smartolt!.url,
      SMARTOLT_TOKEN: CREDENTIALS.smartoltToken,
      SMARTOLT_HOURLY_BUDGET: String(limit),
      ROUTEROS_USER: CREDENTIALS.routeros.user,
      ROUTEROS_PASSWORD: CREDENTIALS.routeros.password,
      ROUTEROS_TIMEOUT_SECONDS: '2',
    },
    stop: () => isp.stop(),
  };
  afterAll(() => vw.stop());
  return vw;
}
/** Emerald services on a test database, talking to the vendor world. */
export function servicesFor(database: TestDatabase, vw: VendorWorld, env: Record<string, string> = {}): Services & { config: Config } {
  const config = loadConfig({ LOG_LEVEL: 'silent', ...vw.env, ...env });
  const jobs = createJobQueue(database.db.pool);
  const vendors = createVendors(database.db, vw.endpoints);
  afterAll(async () => {
    await jobs.release();
    await vendors.close();
  });
  const log = pino({ level: 'silent' });
  return {
    config,
    db: database.db,
    log,
    startedAt: new Date(),
    version: 'test',
    jobs,
    vendors,
    onChanges: incidentCorrelator(database.db, config, log),
  };
}
