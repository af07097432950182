/**
 * Demo mode: the simulated ISP (ISPCube, SmartOLT and one RouterOS API per router) built
 * on the same world as the demo data, with live weather, and a Telegram Bot API for the
 * alerts. Emerald's clients are pointed at them exactly as at real systems.
 */
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { startSimulatedIsp, type IspCredentials, type SimulatedIsp } from '../../../simulators/isp.ts';
import type { RunningIspcubeSim } from '../../../simulators/ispcube/server.ts';
import type { RunningSmartoltSim } from '../../../simulators/smartolt/server.ts';
import { World } from '../../../simulators/world/world.ts';
import type { VendorEndpoints } from '../vendors/factory.ts';

/** The demo's Telegram bot (the simulator accepts any chat id). */
export const DEMO_TELEGRAM_TOKEN = '7000000042:demo-telegram-bot-token';

export const DEMO_CREDENTIALS: IspCredentials = {
  ispcube: { apiKey: 'demo-api-key', clientId: '1', username: 'emerald', password: 'demo-password' },
  smartoltToken: 'demo-smartolt-token',
  routeros: { user: 'api', password: 'demo-router-password' },
};

export interface DemoSimulators extends SimulatedIsp {
  ispcube: RunningIspcubeSim;
  smartolt: RunningSmartoltSim;
  endpoints: VendorEndpoints;
}

/** Where Emerald's clients find a simulated ISP that runs all three APIs. */
export function endpointsFor(
  isp: SimulatedIsp,
  options: { hourlyBudget: number; routerTimeoutSeconds: number; httpTimeoutMs?: number; connectionsTimeoutMs?: number },
): VendorEndpoints {
  if (!isp.ispcube || !isp.smartolt) throw new Error('endpointsFor needs ISPCube and SmartOLT simulated');
  const timeouts = {
    ...(options.httpTimeoutMs ? { timeoutMs: options.httpTimeoutMs } : {}),
    ...(options.connectionsTimeoutMs ? { connectionsTimeoutMs: options.connectionsTimeoutMs } : {}),
  };
  return {
    ispcube: { url: `${isp.ispcube.url}/api`, ...isp.credentials.ispcube, ...timeouts },
    smartolt: {
      url: `${isp.smartolt.url}/api`,
      token: isp.credentials.smartoltToken,
      hourlyBudget: options.hourlyBudget,
      ...(options.httpTimeoutMs ? { timeoutMs: options.httpTimeoutMs } : {}),
    },
    routeros: {
      defaultCredential: { ...isp.credentials.routeros },
      perRouter: {},
      tls: false,
      timeoutSeconds: options.routerTimeoutSeconds,
    },
  };
}

export async function startDemoSimulators(config: Config, options: { weather?: boolean; log?: Logger } = {}): Promise<DemoSimulators> {
  const world = World.generate({ seed: config.demo.seed, subscribers: config.demo.subscribers });
  const weatherOn = (options.weather ?? config.demo.weather) && config.demo.weatherRate > 0;
  const isp = await startSimulatedIsp({
    world,
    credentials: DEMO_CREDENTIALS,
    smartoltHourlyLimit: config.smartoltBudget.hourlyBudget,
    telegram: { token: DEMO_TELEGRAM_TOKEN, anyChat: true },
    ...(weatherOn ? { weatherRate: config.demo.weatherRate } : {}),
    onWeather: (e) => options.log?.debug({ weather: e.kind, detail: e.detail }, 'demo weather'),
  });
  return {
    ...isp,
    ispcube: isp.ispcube!,
    smartolt: isp.smartolt!,
    endpoints: endpointsFor(isp, {
      hourlyBudget: config.smartoltBudget.hourlyBudget,
      routerTimeoutSeconds: config.routeros.timeoutSeconds,
    }),
  };
}

/**
 * The simulators listen on new ports at each start: point the mirrored routers at them
 * (what the next ISPCube sync would report anyway).
 */
export async function pointRoutersAtSimulators(db: Db, sims: SimulatedIsp): Promise<void> {
  for (const [id, sim] of sims.routers) {
    await db.pool.query('UPDATE routers SET host = $2, api_port = $3 WHERE external_id = $1', [String(id), sim.host, sim.port]);
  }
}

/** Demo configuration: alerts go to the simulated Telegram unless a real bot is configured. */
export function withDemoNotifications(config: Config, sims: SimulatedIsp): Config {
  if (!sims.telegram || config.notifications.telegram) return config;
  return { ...config, notifications: { ...config.notifications, telegram: { token: sims.telegram.token, apiUrl: sims.telegram.apiUrl } } };
}
