/**
 * A simulated ISP for integration tests: the three vendor simulators on 127.0.0.1 (port 0)
 * over one world, and Emerald services pointed at them like at real systems.
 */
import { afterAll } from 'vitest';
import pino from 'pino';
import { loadConfig, type Config } from '../server/src/config.ts';
import type { Services } from '../server/src/graphql/context.ts';
import { createVendors, type VendorEndpoints } from '../server/src/sync/vendors.ts';
import { startIspcubeSim, type RunningIspcubeSim } from '../simulators/ispcube/server.ts';
import { startRouterOsSim, type RunningRouterOsSim } from '../simulators/routeros/server.ts';
import { startSmartoltSim, type RunningSmartoltSim } from '../simulators/smartolt/server.ts';
import { World } from '../simulators/world/world.ts';
import { createJobQueue } from '../workers/queue.ts';
import type { TestDatabase } from './db.ts';

export interface VendorWorld {
  world: World;
  ispcube: RunningIspcubeSim;
  smartolt: RunningSmartoltSim;
  routers: Map<number, RunningRouterOsSim>;
  endpoints: VendorEndpoints;
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startVendorWorld(options: { seed?: number; subscribers?: number; smartoltLimit?: number } = {}): Promise<VendorWorld> {
  const world = World.generate({ seed: options.seed ?? 5, subscribers: options.subscribers ?? 600 });
  const routers = new Map<number, RunningRouterOsSim>();
  for (const r of world.data.routers) routers.set(r.id, await startRouterOsSim({ world, routerId: r.id, user: 'api', password: 'router-pass' }));
  const ispcube = await startIspcubeSim({
    world,
    apiKey: 'k',
    clientId: '9',
    username: 'emerald',
    password: 'isp-pass',
    nodeAddress: (id) => ({ ip: routers.get(id)!.host, port: routers.get(id)!.port }),
  });
  const smartolt = await startSmartoltSim({ world, token: 't', hourlyLimit: options.smartoltLimit ?? 5000 });
  const endpoints: VendorEndpoints = {
    ispcube: { url: `${ispcube.url}/api`, apiKey: 'k', clientId: '9', username: 'emerald', password: 'isp-pass', timeoutMs: 5000, connectionsTimeoutMs: 20_000 },
    smartolt: { url: `${smartolt.url}/api`, token: 't', hourlyBudget: options.smartoltLimit ?? 5000, timeoutMs: 5000 },
    routeros: { defaultCredential: { user: 'api', password: 'router-pass' }, perRouter: {}, tls: false, timeoutSeconds: 2 },
  };
  const vw: VendorWorld = {
    world,
    ispcube,
    smartolt,
    routers,
    endpoints,
    env: {
      ISPCUBE_URL: endpoints.ispcube!.url,
      ISPCUBE_API_KEY: 'k',
      ISPCUBE_CLIENT_ID: '9',
      ISPCUBE_USERNAME: 'emerald',
      ISPCUBE_PASSWORD: 'isp-pass',
      SMARTOLT_URL: endpoints.smartolt!.url,
      SMARTOLT_TOKEN: 't',
      SMARTOLT_HOURLY_BUDGET: String(options.smartoltLimit ?? 5000),
      ROUTEROS_USER: 'api',
      ROUTEROS_PASSWORD: 'router-pass',
      ROUTEROS_TIMEOUT_SECONDS: '2',
    },
    stop: async () => {
      await Promise.all([ispcube.stop(), smartolt.stop(), ...[...routers.values()].map((r) => r.stop())]);
    },
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
  return { config, db: database.db, log: pino({ level: 'silent' }), startedAt: new Date(), version: 'test', jobs, vendors };
}
