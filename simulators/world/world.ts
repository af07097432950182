/**
 * The simulated ISP at run time: the generated world plus everything that happens to it
 * (fibre cuts, power failures, flaps, logins, drift). The three vendor simulators read
 * from it; tests and demo "weather" script it. Every change emits an event so RouterOS
 * `listen` streams see sessions come and go.
 */
import { EventEmitter } from 'node:events';
import { generateWorld, type GenerateOptions } from './generate.ts';
import type {
  OnuStatusValue,
  WorldConnection,
  WorldCustomer,
  WorldData,
  WorldOnu,
  WorldRouter,
  WorldSecret,
  WorldSession,
} from './model.ts';
import { Random } from './random.ts';

export interface SessionEvent {
  routerId: number;
  session: WorldSession;
  dead: boolean;
}

export interface WorldEvents {
  session: [SessionEvent];
  onu: [WorldOnu];
  customer: [WorldCustomer];
}

export class World extends EventEmitter<WorldEvents> {
  readonly data: WorldData;
  readonly rng: Random;
  /** Routers that do not answer (simulated outage or unreachable host). */
  readonly downRouters = new Set<number>();
  private readonly sessionsByRouter = new Map<number, Map<string, WorldSession>>();
  private readonly secretsByRouter = new Map<number, WorldSecret[]>();
  private readonly onusBySn = new Map<string, WorldOnu>();
  private readonly connectionsById = new Map<number, WorldConnection>();
  private readonly customersById = new Map<number, WorldCustomer>();
  private readonly secretByConnection = new Map<number, WorldSecret>();
  private readonly onuByConnection = new Map<number, WorldOnu>();
  private sessionCounter = 0x90000000;
  private ipCounter = 10_000;
  clock: () => Date = () => new Date();
  /** How long a customer's router takes to dial again after its session is removed or its secret enabled. */
  redialMs = 3_000;
  /** How long an ONU takes to come back after a reboot. */
  rebootMs = 8_000;
  /** ONUs disabled by an operator (SmartOLT "disable"): offline until enabled. */
  readonly disabledOnus = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(data: WorldData) {
    super();
    this.setMaxListeners(0);
    this.data = data;
    this.rng = new Random(data.seed).fork('weather');
    for (const r of data.routers) {
      this.sessionsByRouter.set(r.id, new Map());
      this.secretsByRouter.set(r.id, []);
    }
    for (const s of data.sessions) this.sessionsByRouter.get(s.routerId)!.set(s.rosId, s);
    for (const s of data.secrets) this.secretsByRouter.get(s.routerId)!.push(s);
    for (const o of data.onus) this.onusBySn.set(o.sn, o);
    for (const c of data.connections) this.connectionsById.set(c.id, c);
    for (const c of data.customers) this.customersById.set(c.id, c);
    for (const s of data.secrets) if (s.connectionId !== null) this.secretByConnection.set(s.connectionId, s);
    for (const o of data.onus) if (o.connectionId !== null) this.onuByConnection.set(o.connectionId, o);
  }

  static generate(options: GenerateOptions): World {
    return new World(generateWorld(options));
  }

  now(): Date {
    return this.clock();
  }

  router(id: number): WorldRouter | undefined {
    return this.data.routers.find((r) => r.id === id);
  }

  secrets(routerId: number): WorldSecret[] {
    return this.secretsByRouter.get(routerId) ?? [];
  }

  sessions(routerId: number): WorldSession[] {
    return [...(this.sessionsByRouter.get(routerId)?.values() ?? [])];
  }

  onu(sn: string): WorldOnu | undefined {
    return this.onusBySn.get(sn);
  }

  onusOfPort(oltId: number, board: number, port: number): WorldOnu[] {
    return this.data.onus.filter((o) => o.oltId === oltId && o.board === board && o.port === port);
  }

  customer(id: number): WorldCustomer | undefined {
    return this.customersById.get(id);
  }

  connection(id: number): WorldConnection | undefined {
    return this.connectionsById.get(id);
  }

  /** The ONU serving a connection (fibre), if any. */
  onuOfConnection(connectionId: number): WorldOnu | undefined {
    return this.onuByConnection.get(connectionId);
  }

  secretOf(connectionId: number): WorldSecret | undefined {
    return this.secretByConnection.get(connectionId);
  }

  // ───────────────────────────── sessions ─────────────────────────────

  /** Log a secret in (a new PPPoE session), unless it is already up or cannot log in. */
  login(secret: WorldSecret): WorldSession | null {
    const sessions = this.sessionsByRouter.get(secret.routerId)!;
    if ([...sessions.values()].some((s) => s.name === secret.name)) return null;
    if (secret.disabled) return null;
    const now = this.now();
    this.sessionCounter++;
    this.ipCounter++;
    const session: WorldSession = {
      routerId: secret.routerId,
      rosId: `*${this.sessionCounter.toString(16).toUpperCase()}`,
      name: secret.name,
      address:
        secret.remoteAddress ??
        `100.${64 + (secret.routerId % 64)}.${Math.floor(this.ipCounter / 250) % 256}.${(this.ipCounter % 250) + 2}`,
      callerId: secret.mac,
      startedAt: now,
      sessionId: `0x${(0x82000000 + this.sessionCounter - 0x90000000).toString(16).toUpperCase()}`,
      rxBytes: 0,
      txBytes: 0,
      rxRate: Math.floor(this.rng.float(0.2, 25) * 1e6),
      txRate: Math.floor(this.rng.float(0.05, 4) * 1e6),
    };
    sessions.set(session.rosId, session);
    this.emit('session', { routerId: secret.routerId, session, dead: false });
    return session;
  }

  /** End a user's session on a router (logout / link lost). */
  logout(routerId: number, name: string, reason = 'peer-not-responding'): boolean {
    const sessions = this.sessionsByRouter.get(routerId)!;
    for (const [key, s] of sessions) {
      if (s.name !== name) continue;
      sessions.delete(key);
      const secret = this.secrets(routerId).find((x) => x.name === name);
      if (secret) {
        secret.lastLoggedOut = this.now();
        secret.lastDisconnectReason = reason;
        secret.lastCallerId = s.callerId;
      }
      this.emit('session', { routerId, session: s, dead: true });
      return true;
    }
    return false;
  }

  /** Every session of a router drops at once (router or upstream problem). */
  massDisconnect(routerId: number, reason = 'nas-request'): number {
    let n = 0;
    for (const s of this.sessions(routerId)) if (this.logout(routerId, s.name, reason)) n++;
    return n;
  }

  /** Log back in every secret of a router whose ONU (if any) is online. */
  reconnectAll(routerId: number): number {
    let n = 0;
    for (const secret of this.secrets(routerId)) {
      if (secret.connectionId === null || secret.profile === 'moroso') continue;
      const onu = this.onuOfConnection(secret.connectionId);
      if (onu && onu.status !== 'Online') continue;
      if (this.login(secret)) n++;
    }
    return n;
  }

  /** Run `fn` after `ms` (unref'd: a pending redial never keeps a process alive). */
  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  /** Forget pending redials and reboots (tests, shutdown). */
  cancelPending(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** The customer's router dials again after `redialMs`, if its line and account allow it. */
  private redial(secret: WorldSecret): void {
    this.later(this.redialMs, () => {
      if (this.downRouters.has(secret.routerId) || secret.disabled || secret.profile === 'moroso') return;
      const onu = secret.connectionId === null ? undefined : this.onuOfConnection(secret.connectionId);
      if (onu && onu.status !== 'Online') return;
      this.login(secret);
    });
  }

  /** `/ppp/active/remove`: an operator ends a session; the customer's router dials again. */
  removeSession(routerId: number, rosId: string): WorldSession | null {
    const session = this.sessionsByRouter.get(routerId)?.get(rosId);
    if (!session) return null;
    this.logout(routerId, session.name, 'admin-disconnect');
    const secret = this.secrets(routerId).find((x) => x.name === session.name);
    if (secret) this.redial(secret);
    return session;
  }

  /**
   * `/ppp/secret/set`: change a secret. Like RouterOS, disabling a secret or changing its
   * profile does not touch a session already up; enabling one (or taking it off the debt
   * profile, which this world keeps offline) lets the customer's router in on its next attempt.
   */
  setSecret(routerId: number, rosId: string, patch: { disabled?: boolean; comment?: string; profile?: string }): WorldSecret | null {
    const secret = this.secrets(routerId).find((x) => x.rosId === rosId);
    if (!secret) return null;
    const wasDisabled = secret.disabled;
    const wasOnDebt = secret.profile === 'moroso';
    if (patch.disabled !== undefined) secret.disabled = patch.disabled;
    if (patch.comment !== undefined) secret.comment = patch.comment;
    if (patch.profile !== undefined) secret.profile = patch.profile;
    // The customer's router keeps trying: it gets in once nothing keeps it out.
    if ((wasDisabled && !secret.disabled) || (wasOnDebt && secret.profile !== 'moroso')) this.redial(secret);
    return secret;
  }

  // ───────────────────────────── ONUs ─────────────────────────────

  /** SmartOLT "reboot": the ONU goes offline and comes back after `rebootMs` (its session drops and returns). */
  rebootOnu(sn: string): boolean {
    const onu = this.onusBySn.get(sn);
    if (onu?.status !== 'Online' || this.disabledOnus.has(sn)) return false;
    this.setOnuStatus(sn, 'Offline');
    this.later(this.rebootMs, () => {
      if (onu.status === 'Offline' && !this.disabledOnus.has(sn)) this.setOnuStatus(sn, 'Online');
    });
    return true;
  }

  /** SmartOLT "disable"/"enable": a disabled ONU is shut out of the PON (offline, no session). */
  setOnuEnabled(sn: string, enabled: boolean): WorldOnu {
    const onu = this.onusBySn.get(sn);
    if (!onu) throw new Error(`no ONU ${sn}`);
    if (!enabled) {
      this.disabledOnus.add(sn);
      if (onu.status === 'Online') this.setOnuStatus(sn, 'Offline');
    } else if (this.disabledOnus.delete(sn) && onu.status === 'Offline') {
      this.later(Math.min(this.rebootMs, 2_000), () => {
        if (onu.status === 'Offline' && !this.disabledOnus.has(sn)) this.setOnuStatus(sn, 'Online');
      });
    }
    return onu;
  }

  /** Change an ONU's state; its customer's PPPoE session follows (drops when down, returns when up). */
  setOnuStatus(sn: string, status: OnuStatusValue): WorldOnu {
    const onu = this.onusBySn.get(sn);
    if (!onu) throw new Error(`no ONU ${sn}`);
    if (onu.status === status) return onu;
    onu.status = status;
    onu.lastStatusChange = this.now();
    if (status === 'Online') {
      onu.rx1490 = Math.round((onu.baseRx1490 + this.rng.normal(0, 0.15)) * 100) / 100;
      onu.rx1310 = Math.round((onu.baseRx1310 + this.rng.normal(0, 0.15)) * 100) / 100;
    } else {
      onu.rx1490 = null;
      onu.rx1310 = null;
    }
    this.emit('onu', onu);
    if (onu.connectionId !== null) {
      const secret = this.secretOf(onu.connectionId);
      if (secret) {
        if (status === 'Online') {
          if (secret.profile !== 'moroso') this.login(secret);
        } else {
          this.logout(secret.routerId, secret.name, status === 'Power fail' ? 'lost-carrier' : 'peer-not-responding');
        }
      }
    }
    return onu;
  }

  /** A fibre cut: every ONU of a PON port loses light. Returns the ONUs affected. */
  fibreCut(oltId: number, board: number, port: number): WorldOnu[] {
    return this.onusOfPort(oltId, board, port)
      .filter((o) => o.status === 'Online')
      .map((o) => this.setOnuStatus(o.sn, 'LOS'));
  }

  /** A power cut in an area: a share of a port's ONUs report dying gasp. */
  powerFail(oltId: number, board: number, port: number, share = 0.8): WorldOnu[] {
    const online = this.onusOfPort(oltId, board, port).filter((o) => o.status === 'Online');
    return online.slice(0, Math.max(1, Math.round(online.length * share))).map((o) => this.setOnuStatus(o.sn, 'Power fail'));
  }

  /** Repair: every ONU of the port that is down for LOS or power comes back. */
  restorePort(oltId: number, board: number, port: number): WorldOnu[] {
    return this.onusOfPort(oltId, board, port)
      .filter((o) => o.status === 'LOS' || o.status === 'Power fail')
      .map((o) => this.setOnuStatus(o.sn, 'Online'));
  }

  /** A flapping ONU: down and back. */
  flap(sn: string): void {
    this.setOnuStatus(sn, 'LOS');
    this.setOnuStatus(sn, 'Online');
  }

  /** Optical drift (dirty connector, bent fibre): the ONU's power moves by `deltaDb`. */
  drift(sn: string, deltaDb: number): WorldOnu {
    const onu = this.onusBySn.get(sn);
    if (!onu) throw new Error(`no ONU ${sn}`);
    onu.baseRx1490 = Math.round((onu.baseRx1490 + deltaDb) * 100) / 100;
    onu.baseRx1310 = Math.round((onu.baseRx1310 + deltaDb) * 100) / 100;
    if (onu.status === 'Online') {
      onu.rx1490 = onu.baseRx1490;
      onu.rx1310 = onu.baseRx1310;
    }
    this.emit('onu', onu);
    return onu;
  }

  // ───────────────────────────── billing ─────────────────────────────

  /** Block a customer for debt: billing status, debt profile on the router, session dropped. */
  blockForDebt(customerId: number, debt = 35_000): void {
    const c = this.customersById.get(customerId);
    if (!c) throw new Error(`no customer ${customerId}`);
    c.status = 'blocked';
    c.debt = debt;
    this.emit('customer', c);
    for (const conn of this.data.connections.filter((x) => x.customerId === customerId)) {
      const secret = this.secretOf(conn.id);
      if (!secret) continue;
      secret.profile = 'moroso';
      this.logout(secret.routerId, secret.name, 'admin-disconnect');
    }
  }

  // ───────────────────────────── routers ─────────────────────────────

  setRouterDown(routerId: number, down: boolean): void {
    if (down) this.downRouters.add(routerId);
    else this.downRouters.delete(routerId);
  }

  /** Let traffic counters advance with time (monitor-traffic and /interface counters). */
  tick(seconds: number): void {
    for (const sessions of this.sessionsByRouter.values()) {
      for (const s of sessions.values()) {
        s.rxBytes += Math.floor((s.rxRate / 8) * seconds * 0.3);
        s.txBytes += Math.floor((s.txRate / 8) * seconds * 0.3);
      }
    }
  }

  /** PON ports as (olt, board, port) with their ONUs. */
  ponPorts(): { oltId: number; board: number; port: number; onus: WorldOnu[] }[] {
    const map = new Map<string, { oltId: number; board: number; port: number; onus: WorldOnu[] }>();
    for (const o of this.data.onus) {
      const key = `${o.oltId}/${o.board}/${o.port}`;
      let entry = map.get(key);
      if (!entry) map.set(key, (entry = { oltId: o.oltId, board: o.board, port: o.port, onus: [] }));
      entry.onus.push(o);
    }
    return [...map.values()];
  }
}
