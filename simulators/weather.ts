/**
 * Demo "weather": random life in the simulated ISP so the product is alive on first run.
 * About `ratePerMinute` events a minute: ONU flaps, signal drift, session bounces, now and
 * then a fibre cut or a power cut on one PON port that is repaired a few minutes later.
 */
import type { World } from './world/world.ts';

export interface WeatherEvent {
  at: Date;
  kind: 'flap' | 'drift' | 'bounce' | 'fibre-cut' | 'power-cut' | 'repair';
  detail: string;
}

export interface Weather {
  events: WeatherEvent[];
  stop(): void;
}

export function startWeather(
  world: World,
  options: {
    ratePerMinute: number;
    repairAfterMs?: [number, number];
    /** Also cut a PON port now and then (default true; benchmarks turn it off to count false incidents). */
    cuts?: boolean;
    onEvent?: (e: WeatherEvent) => void;
  },
): Weather {
  const rng = world.rng;
  const events: WeatherEvent[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const [minRepair, maxRepair] = options.repairAfterMs ?? [120_000, 300_000];
  const record = (kind: WeatherEvent['kind'], detail: string): void => {
    const e = { at: world.now(), kind, detail };
    events.push(e);
    if (events.length > 500) events.shift();
    options.onEvent?.(e);
  };
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    t.unref();
    timers.add(t);
  };

  const step = (): void => {
    world.tick(1);
    if (rng.next() >= options.ratePerMinute / 60) return;
    const roll = rng.next();
    const linked = world.data.onus.filter((o) => o.connectionId !== null);
    if (roll < 0.45 && linked.length) {
      const onu = rng.pick(linked);
      if (onu.status !== 'Online') return;
      world.setOnuStatus(onu.sn, rng.chance(0.5) ? 'LOS' : 'Offline');
      record('flap', onu.sn);
      later(rng.int(20_000, 90_000), () => world.setOnuStatus(onu.sn, 'Online'));
    } else if (roll < 0.65 && linked.length) {
      const onu = rng.pick(linked);
      world.drift(onu.sn, rng.float(-1.2, 0.8));
      record('drift', onu.sn);
    } else if (roll < 0.9) {
      const session = rng.pick(world.data.routers.flatMap((r) => world.sessions(r.id)));
      if (!session) return;
      world.logout(session.routerId, session.name, rng.pick(['hung-up', 'peer-not-responding', 'lost-carrier']));
      record('bounce', session.name);
      const secret = world.secrets(session.routerId).find((s) => s.name === session.name);
      if (secret) later(rng.int(5_000, 30_000), () => world.login(secret));
    } else if (options.cuts !== false) {
      const port = rng.pick(world.ponPorts().filter((p) => p.onus.length >= 8));
      if (!port) return;
      const power = rng.chance(0.35);
      const hit = power ? world.powerFail(port.oltId, port.board, port.port, 0.7) : world.fibreCut(port.oltId, port.board, port.port);
      record(power ? 'power-cut' : 'fibre-cut', `OLT ${port.oltId} ${port.board}/${port.port}: ${hit.length} ONUs`);
      later(rng.int(minRepair, maxRepair), () => {
        const back = world.restorePort(port.oltId, port.board, port.port);
        record('repair', `OLT ${port.oltId} ${port.board}/${port.port}: ${back.length} ONUs`);
      });
    }
  };
  const interval = setInterval(step, 1000);
  interval.unref();
  return {
    events,
    stop() {
      clearInterval(interval);
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
