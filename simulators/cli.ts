/**
 * `npm run sim -- [all|ispcube|smartolt|routeros] [options]`: run the vendor simulators
 * standalone, so any RouterOS / SmartOLT / ISPCube client (Emerald's or another) can be
 * pointed at them, and script events through the control API.
 *
 *   --subscribers N   world size (default 2000)        --seed S         world seed (default 42)
 *   --host H          listen address (default 127.0.0.1)
 *   --port P          first port: ISPCube P, SmartOLT P+1, routers P+2… (default: free ports)
 *   --control-port C  control API port (default: a free port)
 *   --weather R       random events per minute (default 0)
 *   --user U --password W                RouterOS API login (default api / api)
 *   --token T                            SmartOLT X-Token (default smartolt-token)
 *   --api-key K --client-id I --ispcube-user U --ispcube-password W   ISPCube login
 *   --hourly-limit N                     SmartOLT calls per hour before 429 (default 1000)
 */
import { parseArgs } from 'node:util';
import { controlHandler } from './control.ts';
import { startHttpSim } from './http/server.ts';
import { startSimulatedIsp, type SimulatedIspOptions } from './isp.ts';
import { World } from './world/world.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    subscribers: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '42' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    'control-port': { type: 'string', default: '0' },
    weather: { type: 'string', default: '0' },
    user: { type: 'string', default: 'api' },
    password: { type: 'string', default: 'api' },
    token: { type: 'string', default: 'smartolt-token' },
    'api-key': { type: 'string', default: 'ispcube-api-key' },
    'client-id': { type: 'string', default: '1' },
    'ispcube-user': { type: 'string', default: 'emerald' },
    'ispcube-password': { type: 'string', default: 'ispcube-password' },
    'hourly-limit': { type: 'string', default: '1000' },
  },
});

function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(1);
}

const which = positionals[0] ?? 'all';
if (!['all', 'ispcube', 'smartolt', 'routeros'].includes(which) || positionals.length > 1) {
  fail('usage: npm run sim -- [all|ispcube|smartolt|routeros] [--subscribers N] [--port P] … (see simulators/cli.ts or the README)');
}
const number = (name: keyof typeof values, min: number, max: number): number => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min || n > max) fail(`--${name} must be a whole number from ${min} to ${max}`);
  return n;
};
const subscribers = number('subscribers', 10, 100_000);
const seed = number('seed', 0, 2 ** 31);
const basePort = number('port', 0, 65_000);
const controlPort = number('control-port', 0, 65_535);
const weatherRate = number('weather', 0, 600);
const hourlyLimit = number('hourly-limit', 1, 1_000_000);

const world = World.generate({ seed, subscribers });
const options: SimulatedIspOptions = {
  world,
  host: values.host,
  basePort,
  smartoltHourlyLimit: hourlyLimit,
  weatherRate,
  onWeather: (e) => console.log(`${e.at.toISOString().slice(11, 19)} weather: ${e.kind} ${e.detail}`),
  credentials: {
    ispcube: {
      apiKey: values['api-key'],
      clientId: values['client-id'],
      username: values['ispcube-user'],
      password: values['ispcube-password'],
    },
    smartoltToken: values.token,
    routeros: { user: values.user, password: values.password },
  },
  ...(which === 'all' ? {} : { only: which as 'ispcube' | 'smartolt' | 'routeros' }),
};

let isp: Awaited<ReturnType<typeof startSimulatedIsp>>;
try {
  isp = await startSimulatedIsp(options);
} catch (error) {
  fail(`could not start the simulators: ${(error as Error).message}`);
}
const controlServer = await startHttpSim(controlHandler(isp, '/control'), { host: values.host, port: controlPort });

const out: string[] = [
  `Simulated ISP: ${subscribers} subscribers (seed ${seed}), ${world.data.routers.length} routers, ${world.data.olts.length} OLTs`,
  '',
];
if (isp.ispcube)
  out.push(
    `ISPCube   ${isp.ispcube.url}/api  (api-key ${values['api-key']}, client-id ${values['client-id']}, user ${values['ispcube-user']})`,
  );
if (isp.smartolt) out.push(`SmartOLT  ${isp.smartolt.url}/api  (X-Token ${values.token}, ${hourlyLimit} calls/hour)`);
for (const r of world.data.routers) {
  const sim = isp.routers.get(r.id);
  if (sim) out.push(`RouterOS  ${sim.host}:${sim.port}  ${r.name} (RouterOS ${r.version}, login ${values.user})`);
}
out.push('', `Control   ${controlServer.url}/control/state`);
out.push('', 'Point Emerald at them (.env):');
if (isp.ispcube) {
  out.push(`ISPCUBE_URL=${isp.ispcube.url}/api`, `ISPCUBE_API_KEY=${values['api-key']}`, `ISPCUBE_CLIENT_ID=${values['client-id']}`);
  out.push(`ISPCUBE_USERNAME=${values['ispcube-user']}`, `ISPCUBE_PASSWORD=${values['ispcube-password']}`);
}
if (isp.smartolt)
  out.push(`SMARTOLT_URL=${isp.smartolt.url}/api`, `SMARTOLT_TOKEN=${values.token}`, `SMARTOLT_HOURLY_BUDGET=${hourlyLimit}`);
if (isp.routers.size) out.push(`ROUTEROS_USER=${values.user}`, `ROUTEROS_PASSWORD=${values.password}`);
const port = world.ponPorts().find((p) => p.onus.length >= 8) ?? world.ponPorts()[0];
if (port) {
  out.push('', 'Script a fibre cut and its repair:');
  out.push(`curl -s -X POST ${controlServer.url}/control/fibre-cut -d '{"olt":${port.oltId},"board":${port.board},"port":${port.port}}'`);
  out.push(
    `curl -s -X POST ${controlServer.url}/control/restore-port -d '{"olt":${port.oltId},"board":${port.board},"port":${port.port}}'`,
  );
}
out.push('', 'Ctrl-C stops them.');
console.log(out.join('\n'));

const stop = async (): Promise<void> => {
  await controlServer.stop();
  await isp.stop();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
