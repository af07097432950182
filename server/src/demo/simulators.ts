/**
 * Demo mode: the three vendor simulators, built on the same world as the demo data, with
 * live weather. The vendor clients are pointed at them exactly as at real systems.
 */
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { startIspcubeSim, type RunningIspcubeSim } from '../../../simulators/ispcube/server.ts';
import { startRouterOsSim, type RunningRouterOsSim } from '../../../simulators/routeros/server.ts';
import { startSmartoltSim, type RunningSmartoltSim } from '../../../simulators/smartolt/server.ts';
import { startWeather, type Weather } from '../../../simulators/weather.ts';
import { World } from '../../../simulators/world/world.ts';
import type { VendorEndpoints } from '../sync/vendors.ts';

export const DEMO_CREDENTIALS = {
  ispcube: { apiKey: 'demo-api-key', clientId: '1', username: 'emerald', password: 'demo-password' },
  smartoltToken: 'demo-smartolt-token',
  routeros: { user: 'api', password: 'demo-router-password' },
} as const;

export interface DemoSimulators {
  world: World;
  endpoints: VendorEndpoints;
  ispcube: RunningIspcubeSim;
  smartolt: RunningSmartoltSim;
  routers: Map<number, RunningRouterOsSim>;
  weather: Weather | null;
  stop(): Promise<void>;
}

export async function startDemoSimulators(config: Config, options: { weather?: boolean; log?: Logger } = {}): Promise<DemoSimulators> {
  const world = World.generate({ seed: config.demo.seed, subscribers: config.demo.subscribers });
  const routers = new Map<number, RunningRouterOsSim>();
  for (const r of world.data.routers) {
    routers.set(r.id, await startRouterOsSim({ world, routerId: r.id, ...DEMO_CREDENTIALS.routeros }));
  }
  const ispcube = await startIspcubeSim({
    world,
    ...DEMO_CREDENTIALS.ispcube,
    nodeAddress: (id) => {
      const sim = routers.get(id);
      return sim ? { ip: sim.host, port: sim.port } : undefined;
    },
  });
  const smartolt = await startSmartoltSim({ world, token: DEMO_CREDENTIALS.smartoltToken, hourlyLimit: config.smartoltBudget.hourlyBudget });
  const weather =
    (options.weather ?? config.demo.weather) && config.demo.weatherRate > 0
      ? startWeather(world, { ratePerMinute: config.demo.weatherRate, onEvent: (e) => options.log?.debug({ weather: e.kind, detail: e.detail }, 'demo weather') })
      : null;
  return {
    world,
    ispcube,
    smartolt,
    routers,
    weather,
    endpoints: {
      ispcube: { url: `${ispcube.url}/api`, ...DEMO_CREDENTIALS.ispcube },
      smartolt: { url: `${smartolt.url}/api`, token: DEMO_CREDENTIALS.smartoltToken, hourlyBudget: config.smartoltBudget.hourlyBudget },
      routeros: { defaultCredential: { ...DEMO_CREDENTIALS.routeros }, perRouter: {}, tls: false, timeoutSeconds: config.routeros.timeoutSeconds },
    },
    async stop() {
      weather?.stop();
      await Promise.all([ispcube.stop(), smartolt.stop(), ...[...routers.values()].map((r) => r.stop())]);
    },
  };
}

/**
 * The simulators listen on new ports at each start: point the mirrored routers at them
 * (what the next ISPCube sync would report anyway).
 */
export async function pointRoutersAtSimulators(db: Db, sims: DemoSimulators): Promise<void> {
  for (const [id, sim] of sims.routers) {
    await db.pool.query('UPDATE routers SET host = $2, api_port = $3 WHERE external_id = $1', [String(id), sim.host, sim.port]);
  }
}
