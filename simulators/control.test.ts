/**
 * The simulators' control API: scripted events change what every vendor API reports, bad
 * input is refused and changes nothing; and `npm run sim` serves all of it standalone.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RouterConnection } from '../server/src/vendors/routeros.ts';
import { controlHandler } from './control.ts';
import { startHttpSim, type RunningHttpSim } from './http/server.ts';
import { startSimulatedIsp, type SimulatedIsp } from './isp.ts';
import { World } from './world/world.ts';

const root = path.resolve(import.meta.dirname, '..');
const credentials = {
  ispcube: { apiKey: 'k', clientId: '1', username: 'u', password: 'p' },
  smartoltToken: 'tok',
  routeros: { user: 'api', password: 'secret' },
};

let isp: SimulatedIsp;
let ctl: RunningHttpSim;
beforeAll(async () => {
  isp = await startSimulatedIsp({
    world: World.generate({ seed: 3, subscribers: 300 }),
    credentials,
    telegram: { token: '42:bot-token-xyz' },
  });
  ctl = await startHttpSim(controlHandler(isp));
});
afterAll(async () => {
  await ctl?.stop();
  await isp?.stop();
});

const post = async (action: string, body: unknown) => {
  const res = await fetch(`${ctl.url}/control/${action}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

async function smartoltStatuses(oltId: number): Promise<Map<string, string>> {
  const res = await fetch(`${isp.smartolt!.url}/api/onu/get_onus_statuses?olt_id=${oltId}`, { headers: { 'X-Token': 'tok' } });
  const json = (await res.json()) as { response: { sn: string; status: string }[] };
  return new Map(json.response.map((r) => [r.sn, r.status]));
}

describe('control API', () => {
  it('cuts the fibre of a PON port: SmartOLT reports LOS, the routers drop those sessions; a repair brings them back', async () => {
    const port = isp.world.ponPorts().find((p) => p.onus.filter((o) => o.status === 'Online' && o.connectionId !== null).length >= 3)!;
    const online = port.onus.filter((o) => o.status === 'Online');
    const cut = await post('fibre-cut', { olt: port.oltId, board: port.board, port: port.port });
    expect(cut.status).toBe(200);
    expect(cut.body.affected).toBe(online.length);
    const statuses = await smartoltStatuses(port.oltId);
    for (const o of online) expect(statuses.get(o.sn)).toBe('LOS');
    const names = new Set(
      online.flatMap((o) => (o.connectionId === null ? [] : [isp.world.secretOf(o.connectionId)?.name])).filter(Boolean),
    );
    const up = isp.world.data.routers.flatMap((r) => isp.world.sessions(r.id).map((s) => s.name));
    expect(up.filter((n) => names.has(n))).toEqual([]);

    const repaired = await post('restore-port', { olt: port.oltId, board: port.board, port: port.port });
    // The repair also brings back ONUs of the port that were down before the cut.
    expect(repaired.body.affected).toBeGreaterThanOrEqual(online.length);
    expect(
      [...(await smartoltStatuses(port.oltId)).entries()]
        .filter(([sn]) => online.some((o) => o.sn === sn))
        .every(([, s]) => s === 'Online'),
    ).toBe(true);
  });

  it('drops every session of a router at once and logs them back in', async () => {
    const router = isp.world.data.routers[0]!;
    const before = isp.world.sessions(router.id).length;
    expect(before).toBeGreaterThan(0);
    expect((await post('mass-disconnect', { router: router.id })).body.affected).toBe(before);
    expect(isp.world.sessions(router.id)).toHaveLength(0);
    expect((await post('reconnect', { router: router.id })).body.affected).toBeGreaterThan(0);
  });

  it('switches vendor faults: a router that hangs, SmartOLT status:false', async () => {
    const router = isp.world.data.routers.at(-1)!;
    expect((await post('fault', { target: 'routeros', router: router.id, hang: true })).status).toBe(200);
    expect(isp.routers.get(router.id)!.faults.hang).toBe(true);
    await post('fault', { target: 'routeros', router: router.id, hang: false });
    await post('fault', { target: 'smartolt', statusFalseNext: 1 });
    const res = await fetch(`${isp.smartolt!.url}/api/system/get_olts`, { headers: { 'X-Token': 'tok' } });
    expect(((await res.json()) as { status: boolean }).status).toBe(false);
  });

  it('scripts the Telegram bot: a 429 storm, then lists what it sent', async () => {
    isp.telegram!.startChat('777');
    const send = () =>
      fetch(`${isp.telegram!.apiUrl}/bot42:bot-token-xyz/sendMessage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ chat_id: 777, text: 'Corte de fibra en OLT-1 0/3' }),
      });
    expect((await post('fault', { target: 'telegram', rateLimitSeconds: 30 })).body).toMatchObject({
      ok: true,
      faults: { rateLimitSeconds: 30 },
    });
    const throttled = await send();
    expect(throttled.status).toBe(429);
    expect(await throttled.json()).toEqual({
      ok: false,
      error_code: 429,
      description: 'Too Many Requests: retry after 30',
      parameters: { retry_after: 30 },
    });
    await post('fault', { target: 'telegram', rateLimitSeconds: null });
    expect((await send()).status).toBe(200);
    const listed = await fetch(`${ctl.url}/control/telegram`);
    expect(await listed.json()).toMatchObject({
      ok: true,
      affected: 1,
      messages: [{ chatId: '777', text: 'Corte de fibra en OLT-1 0/3' }],
    });
    expect((await post('telegram', {})).status).toBe(405);
    expect((await post('fault', { target: 'telegram', rateLimitSeconds: -1 })).status).toBe(400);
  });

  it('refuses bad input with a clear error and changes nothing', async () => {
    const snapshot = JSON.stringify(isp.world.data.onus.map((o) => o.status));
    const cases: [string, unknown, number, RegExp][] = [
      ['fibre-cut', { olt: 1 }, 400, /board: /],
      ['fibre-cut', { olt: 999, board: 0, port: 0 }, 404, /no ONUs on OLT 999/],
      ['onu-status', { sn: isp.world.data.onus[0]!.sn, status: 'Exploded' }, 400, /status/],
      ['onu-status', { sn: 'NOPE0000', status: 'LOS' }, 404, /no ONU NOPE0000/],
      ['fault', { target: 'routeros', hang: 'yes' }, 400, /hang/],
      ['fault', { target: 'smartolt', meltdown: true }, 400, /meltdown|Unrecognized/i],
      ['teleport', {}, 404, /unknown action/],
    ];
    for (const [action, body, status, message] of cases) {
      const res = await post(action, body);
      expect(res.status, action).toBe(status);
      expect(res.body.ok).toBe(false);
      expect(res.body.error).toMatch(message);
    }
    expect(JSON.stringify(isp.world.data.onus.map((o) => o.status))).toBe(snapshot);
  });

  it('describes the world: routers with their API address, PON ports with counts by status', async () => {
    const res = await fetch(`${ctl.url}/control/state`);
    const state = (await res.json()) as {
      routers: { id: number; api: string; sessions: number }[];
      olts: { ponPorts: { onus: number; byStatus: Record<string, number> }[] }[];
    };
    expect(state.routers.map((r) => r.id)).toEqual(isp.world.data.routers.map((r) => r.id));
    expect(state.routers[0]!.api).toBe(`${isp.routers.get(state.routers[0]!.id)!.host}:${isp.routers.get(state.routers[0]!.id)!.port}`);
    const onus = state.olts.flatMap((o) => o.ponPorts).reduce((n, p) => n + p.onus, 0);
    expect(onus).toBe(isp.world.data.onus.length);
  });
});

describe('npm run sim', () => {
  it('runs the three simulators standalone with the given credentials, prints how to use them, and stops on SIGINT', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'simulators/cli.ts', 'all', '--subscribers', '40', '--user', 'noc', '--password', 'pw1'],
      { cwd: root },
    );
    let out = '';
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Ctrl-C stops them.')) resolve();
      });
      child.once('exit', () => reject(new Error(`sim exited early:\n${out}`)));
    });
    try {
      const control = /Control\s+(http:\/\/\S+)\/control\/state/.exec(out)![1]!;
      const [, host, port] = /RouterOS\s+([\d.]+):(\d+)/.exec(out)!;
      // A real RouterOS client logs in with the chosen credentials.
      const c = new RouterConnection({ id: 1, name: 'r', host: host!, port: Number(port), user: 'noc', password: 'pw1', tls: false }, 3);
      await c.connect();
      const [identity] = await c.print('/system/identity');
      expect(identity?.name).toBeTruthy();
      await c.close();
      const cut = /curl -s -X POST (\S+) -d '(.+)'/.exec(out)!;
      const res = await fetch(cut[1]!, { method: 'POST', body: cut[2] });
      expect(((await res.json()) as { ok: boolean; affected: number }).affected).toBeGreaterThan(0);
      expect(out).toMatch(/^ISPCUBE_URL=http:\/\/127\.0\.0\.1:\d+\/api$/m);
      expect((await fetch(`${control}/control/state`)).status).toBe(200);
    } finally {
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    }
  });
});
