/**
 * Scripting a simulated ISP: a fibre cut on a PON port, a power cut, a flapping ONU,
 * signal drift, a mass PPPoE disconnect, a customer blocked for debt, a router that stops
 * answering, vendor faults. One JSON API, served by `npm run sim` (control port) and, in
 * demo mode, by Emerald itself under /sim (NOC and admin users only).
 *
 *   GET  state                       routers, OLTs and PON ports with live counts
 *   POST fibre-cut    {olt, board, port}
 *   POST power-fail   {olt, board, port, share?}
 *   POST restore-port {olt, board, port}
 *   POST onu-status   {sn, status: Online|Offline|LOS|Power fail}
 *   POST flap         {sn}
 *   POST drift        {sn, db}
 *   POST mass-disconnect {router, reason?}
 *   POST reconnect    {router}
 *   POST block        {customer, debt?}
 *   POST router-down  {router, down}
 *   POST fault        {target: routeros|smartolt|ispcube|telegram, router?, ...fault switches}
 *   GET  telegram                    the messages the Telegram bot sent (newest last)
 */
import { z } from 'zod';
import type { SimulatedIsp } from './isp.ts';
import type { SimRequest, SimResponse } from './http/server.ts';

const port = z.object({ olt: z.coerce.number().int(), board: z.coerce.number().int(), port: z.coerce.number().int() });
const onu = z.object({ sn: z.string().min(1) });
const router = z.object({ router: z.coerce.number().int() });

const faultSwitches = {
  routeros: z
    .object({
      latencyMs: z.number().int().min(0),
      fragment: z.boolean(),
      garbageNext: z.boolean(),
      fatalNext: z.boolean(),
      hang: z.boolean(),
    })
    .partial()
    .strict(),
  smartolt: z
    .object({
      latencyMs: z.number().int().min(0),
      statusFalseNext: z.number().int().min(0),
      refuseNext: z.number().int().min(0),
      serverErrorNext: z.number().int().min(0),
      rateLimitStorm: z.boolean(),
    })
    .partial()
    .strict(),
  telegram: z
    .object({
      badGatewayNext: z.number().int().min(0),
      rateLimitSeconds: z.number().int().min(1).max(3600).nullable(),
      perChatPerSecond: z.number().int().min(0),
    })
    .partial()
    .strict(),
  ispcube: z
    .object({
      latencyMs: z.number().int().min(0),
      connectionsLatencyMs: z.number().int().min(0),
      serverErrorNext: z.number().int().min(0),
      truncateNextPage: z.number().int().min(0).nullable(),
      namelessCustomers: z.boolean(),
    })
    .partial()
    .strict(),
};

class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function parse<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    throw new ControlError(400, result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  }
  return result.data;
}

export type ControlResult = Record<string, unknown>;

/** Run one control action against the simulated ISP. Throws ControlError (status + message) on bad input. */
export function control(isp: SimulatedIsp, action: string, body: unknown): ControlResult {
  const { world } = isp;
  const checkPort = <P extends z.infer<typeof port>>(p: P): P => {
    if (!world.onusOfPort(p.olt, p.board, p.port).length) throw new ControlError(404, `no ONUs on OLT ${p.olt} port ${p.board}/${p.port}`);
    return p;
  };
  const checkOnu = (sn: string) => {
    if (!world.onu(sn)) throw new ControlError(404, `no ONU ${sn}`);
    return sn;
  };
  const checkRouter = (id: number) => {
    if (!world.router(id)) throw new ControlError(404, `no router ${id}`);
    return id;
  };
  const sns = (onus: { sn: string }[]) => ({ affected: onus.length, onus: onus.map((o) => o.sn) });
  switch (action) {
    case 'state':
      return state(isp);
    case 'fibre-cut': {
      const p = checkPort(parse(port, body));
      return sns(world.fibreCut(p.olt, p.board, p.port));
    }
    case 'power-fail': {
      const p = checkPort(parse(port.extend({ share: z.number().gt(0).max(1).default(0.8) }), body));
      return sns(world.powerFail(p.olt, p.board, p.port, p.share));
    }
    case 'restore-port': {
      const p = checkPort(parse(port, body));
      return sns(world.restorePort(p.olt, p.board, p.port));
    }
    case 'onu-status': {
      const b = parse(onu.extend({ status: z.enum(['Online', 'Offline', 'LOS', 'Power fail']) }), body);
      const o = world.setOnuStatus(checkOnu(b.sn), b.status);
      return { affected: 1, onu: { sn: o.sn, status: o.status } };
    }
    case 'flap': {
      const b = parse(onu, body);
      world.flap(checkOnu(b.sn));
      return { affected: 1 };
    }
    case 'drift': {
      const b = parse(onu.extend({ db: z.number().min(-20).max(20) }), body);
      const o = world.drift(checkOnu(b.sn), b.db);
      return { affected: 1, onu: { sn: o.sn, rx1490: o.rx1490 } };
    }
    case 'mass-disconnect': {
      const b = parse(router.extend({ reason: z.string().default('nas-request') }), body);
      return { affected: world.massDisconnect(checkRouter(b.router), b.reason) };
    }
    case 'reconnect': {
      const b = parse(router, body);
      return { affected: world.reconnectAll(checkRouter(b.router)) };
    }
    case 'block': {
      const b = parse(z.object({ customer: z.coerce.number().int(), debt: z.number().min(0).default(35_000) }), body);
      if (!world.customer(b.customer)) throw new ControlError(404, `no customer ${b.customer}`);
      world.blockForDebt(b.customer, b.debt);
      return { affected: 1 };
    }
    case 'router-down': {
      const b = parse(router.extend({ down: z.boolean() }), body);
      world.setRouterDown(checkRouter(b.router), b.down);
      return { affected: 1, down: b.down };
    }
    case 'fault':
      return fault(isp, body);
    case 'telegram': {
      if (!isp.telegram) throw new ControlError(404, 'Telegram is not simulated here');
      const messages = isp.telegram.messages().slice(-100);
      return { affected: messages.length, messages: messages.map((m) => ({ chatId: m.chatId, text: m.text, date: m.date.toISOString() })) };
    }
    default:
      throw new ControlError(404, `unknown action "${action}"`);
  }
}

function fault(isp: SimulatedIsp, body: unknown): ControlResult {
  const {
    target,
    router: routerId,
    ...switches
  } = parse(
    z.object({ target: z.enum(['routeros', 'smartolt', 'ispcube', 'telegram']), router: z.coerce.number().int().optional() }).passthrough(),
    body,
  );
  switch (target) {
    case 'routeros': {
      const sims = routerId === undefined ? [...isp.routers.values()] : [isp.routers.get(routerId)].filter((s) => s !== undefined);
      if (!sims.length) throw new ControlError(404, routerId === undefined ? 'no routers are simulated here' : `no router ${routerId}`);
      const set = parse(faultSwitches.routeros, switches);
      for (const s of sims) Object.assign(s.faults, set);
      return { affected: sims.length, faults: sims[0]!.faults };
    }
    case 'smartolt': {
      if (!isp.smartolt) throw new ControlError(404, 'SmartOLT is not simulated here');
      Object.assign(isp.smartolt.faults, parse(faultSwitches.smartolt, switches));
      return { affected: 1, faults: isp.smartolt.faults };
    }
    case 'telegram': {
      if (!isp.telegram) throw new ControlError(404, 'Telegram is not simulated here');
      Object.assign(isp.telegram.faults, parse(faultSwitches.telegram, switches));
      return { affected: 1, faults: isp.telegram.faults };
    }
    default: {
      if (!isp.ispcube) throw new ControlError(404, 'ISPCube is not simulated here');
      Object.assign(isp.ispcube.faults, parse(faultSwitches.ispcube, switches));
      return { affected: 1, faults: isp.ispcube.faults };
    }
  }
}

function state(isp: SimulatedIsp): ControlResult {
  const { world } = isp;
  const count = (onus: { status: string }[]) => {
    const byStatus: Record<string, number> = {};
    for (const o of onus) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
    return byStatus;
  };
  return {
    subscribers: world.data.subscribers,
    seed: world.data.seed,
    weather: isp.weather ? isp.weather.events.slice(-20) : null,
    ispcube: isp.ispcube?.url ?? null,
    smartolt: isp.smartolt?.url ?? null,
    routers: world.data.routers.map((r) => ({
      id: r.id,
      name: r.name,
      api: isp.routers.get(r.id) ? `${isp.routers.get(r.id)!.host}:${isp.routers.get(r.id)!.port}` : null,
      sessions: world.sessions(r.id).length,
      secrets: world.secrets(r.id).length,
      down: world.downRouters.has(r.id),
    })),
    olts: world.data.olts.map((o) => ({
      id: o.id,
      name: o.name,
      ponPorts: world
        .ponPorts()
        .filter((p) => p.oltId === o.id)
        .map((p) => ({ board: p.board, port: p.port, onus: p.onus.length, byStatus: count(p.onus) })),
    })),
  };
}

/** The control API as an HTTP handler (JSON in, JSON out) under `prefix`. */
export function controlHandler(isp: SimulatedIsp, prefix = '/control'): (req: SimRequest) => SimResponse {
  return (req) => {
    if (!req.path.startsWith(`${prefix}/`)) return { status: 404, body: { error: `control API is under ${prefix}/` } };
    const action = req.path.slice(prefix.length + 1);
    const readOnly = action === 'state' || action === 'telegram';
    if (readOnly !== (req.method === 'GET')) return { status: 405, body: { error: readOnly ? 'use GET' : 'use POST' } };
    try {
      return { status: 200, body: { ok: true, ...control(isp, action, req.body) } };
    } catch (error) {
      if (error instanceof ControlError) return { status: error.status, body: { ok: false, error: error.message } };
      throw error;
    }
  };
}
