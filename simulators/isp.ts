/**
 * A whole simulated ISP: one world behind an ISPCube API, a SmartOLT API and one RouterOS
 * API server per router (and, if asked, the Telegram Bot API its alerts go to), with the endpoints Emerald's clients need to reach them. Used by
 * demo mode, the tests, the benchmarks and `npm run sim`.
 */
import { startIspcubeSim, type RunningIspcubeSim } from './ispcube/server.ts';
import { startRouterOsSim, type RunningRouterOsSim } from './routeros/server.ts';
import { startSmartoltSim, type RunningSmartoltSim } from './smartolt/server.ts';
import { startTelegramSim, type RunningTelegramSim } from './telegram/server.ts';
import { startWeather, type Weather, type WeatherEvent } from './weather.ts';
import type { World } from './world/world.ts';

export interface IspCredentials {
  ispcube: { apiKey: string; clientId: string; username: string; password: string };
  smartoltToken: string;
  routeros: { user: string; password: string };
}

export interface SimulatedIspOptions {
  world: World;
  credentials: IspCredentials;
  /** Listen address for every simulator (default 127.0.0.1). */
  host?: string;
  /** First port: ISPCube on it, SmartOLT on the next, routers after. Default: free ports. */
  basePort?: number;
  /** SmartOLT calls allowed per hour. */
  smartoltHourlyLimit?: number;
  /** Which APIs to run (default all three). */
  only?: 'ispcube' | 'smartolt' | 'routeros';
  /** Also run a Telegram Bot API for this bot token (where alerts go). */
  telegram?: { token: string; anyChat?: boolean };
  /** Demo weather: events per minute (0 or absent: none). */
  weatherRate?: number;
  onWeather?: (e: WeatherEvent) => void;
}

export interface SimulatedIsp {
  world: World;
  credentials: IspCredentials;
  ispcube: RunningIspcubeSim | null;
  smartolt: RunningSmartoltSim | null;
  routers: Map<number, RunningRouterOsSim>;
  telegram: RunningTelegramSim | null;
  weather: Weather | null;
  stop(): Promise<void>;
}

export async function startSimulatedIsp(options: SimulatedIspOptions): Promise<SimulatedIsp> {
  const { world, credentials } = options;
  const host = options.host ?? '127.0.0.1';
  const base = options.basePort ?? 0;
  const portAt = (offset: number): number => (base ? base + offset : 0);
  const wants = (what: NonNullable<SimulatedIspOptions['only']>): boolean => !options.only || options.only === what;
  const started: { stop(): Promise<void> }[] = [];
  try {
    const routers = new Map<number, RunningRouterOsSim>();
    if (wants('routeros')) {
      // ISPCube's nodes_list names each router's API address: the simulated routers' own.
      let offset = options.only === 'routeros' ? 0 : 2;
      for (const r of world.data.routers) {
        const sim = await startRouterOsSim({ world, routerId: r.id, ...credentials.routeros, host, port: portAt(offset++) });
        started.push(sim);
        routers.set(r.id, sim);
      }
    }
    const ispcube = wants('ispcube')
      ? await startIspcubeSim({
          world,
          ...credentials.ispcube,
          host,
          port: portAt(0),
          nodeAddress: (id) => {
            const sim = routers.get(id);
            return sim ? { ip: sim.host, port: sim.port } : undefined;
          },
        })
      : null;
    if (ispcube) started.push(ispcube);
    const smartolt = wants('smartolt')
      ? await startSmartoltSim({
          world,
          token: credentials.smartoltToken,
          host,
          port: portAt(options.only === 'smartolt' ? 0 : 1),
          hourlyLimit: options.smartoltHourlyLimit ?? 1000,
        })
      : null;
    if (smartolt) started.push(smartolt);
    const telegram = options.telegram ? await startTelegramSim({ ...options.telegram, host }) : null;
    if (telegram) started.push(telegram);
    const weather = options.weatherRate
      ? startWeather(world, { ratePerMinute: options.weatherRate, ...(options.onWeather ? { onEvent: options.onWeather } : {}) })
      : null;
    return {
      world,
      credentials,
      ispcube,
      smartolt,
      routers,
      telegram,
      weather,
      async stop() {
        weather?.stop();
        await Promise.all(started.map((s) => s.stop()));
      },
    };
  } catch (error) {
    await Promise.all(started.map((s) => s.stop().catch(() => {})));
    throw error;
  }
}
