/**
 * Deterministic world generation: the same seed, size and clock give the same world.
 * Scales from 10 to 100,000 subscribers in well under a second per 10k.
 */
import type {
  OnuStatusValue,
  WorldConnection,
  WorldCustomer,
  WorldData,
  WorldOlt,
  WorldOnu,
  WorldPlan,
  WorldRouter,
  WorldSecret,
  WorldSession,
} from './model.ts';
import {
  cities,
  companyNames,
  companySuffixes,
  companyWords,
  disconnectReasons,
  emailDomains,
  femaleFirstNames,
  macOuis,
  maleFirstNames,
  onuModels,
  plans as planSpecs,
  streets,
  surnames,
  type City,
} from './names.ts';
import { Random } from './random.ts';

export interface GenerateOptions {
  seed?: number;
  subscribers: number;
  /** The world's "now"; timestamps are offsets from it. */
  now?: Date;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Strip accents and anything that is not a-z0-9 (for usernames and e-mails). */
export function asciiSlug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/** CUIT/CUIL check digit (modulo 11). */
export function cuitCheckDigit(prefix: string, dni: string): number {
  const digits = `${prefix}${dni}`.split('').map(Number);
  const weights = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
  const sum = digits.reduce((s, d, i) => s + d * weights[i]!, 0);
  const rest = 11 - (sum % 11);
  return rest === 11 ? 0 : rest === 10 ? 9 : rest;
}

function phoneFor(rng: Random, city: City): string {
  const local = `${rng.int(4, 6)}${rng.int(0, 9)}${rng.int(0, 9)}${rng.int(0, 9)}${rng.int(0, 9)}${rng.int(0, 9)}`;
  const area = city.areaCode;
  // Local numbers have 10 digits with the area code; real data mixes every format.
  const subscriber = local.slice(0, 10 - area.length);
  const split = Math.ceil(subscriber.length / 2);
  const formats = [
    `+54 9 ${area} ${subscriber.slice(0, split)}-${subscriber.slice(split)}`,
    `0${area} 15-${subscriber.slice(0, split)}-${subscriber.slice(split)}`,
    `${area}${subscriber}`,
    `(0${area}) 15 ${subscriber}`,
    `549${area}${subscriber}`,
    `0${area}-4${subscriber.slice(1)}`,
  ];
  return rng.pick(formats);
}

function macFor(rng: Random): string {
  return `${rng.pick(macOuis)}:${rng.hex(2)}:${rng.hex(2)}:${rng.hex(2)}`;
}

function rosId(n: number): string {
  return `*${n.toString(16).toUpperCase()}`;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

export function generateWorld(options: GenerateOptions): WorldData {
  const seed = options.seed ?? 42;
  const subscribers = Math.max(1, Math.floor(options.subscribers));
  const now = options.now ?? new Date();
  const t = now.getTime();
  const root = new Random(seed);
  const rPeople = root.fork('people');
  const rNet = root.fork('network');
  const rMess = root.fork('mess');
  const rLive = root.fork('live');

  // ── Plans
  const plans: WorldPlan[] = planSpecs.map((p, i) => ({
    id: i + 1,
    name: p.name,
    speed: p.speed,
    comment: p.technology === 'fibre' ? 'FTTH' : 'Enlace inalámbrico 5 GHz',
    profile: p.profile,
    technology: p.technology,
  }));
  const planWeights = planSpecs.map((p, i) => [plans[i]!, p.weight] as const);

  // ── Areas: a router and OLTs per city cluster
  const areaCount = Math.min(cities.length, Math.max(1, Math.ceil(subscribers / 1200)));
  const areas = cities.slice(0, areaCount);
  const routerCount = Math.max(1, Math.ceil(subscribers / 2500));
  const routers: WorldRouter[] = [];
  for (let i = 0; i < routerCount; i++) {
    const area = areas[i % areas.length]!;
    const n = Math.floor(i / areas.length) + 1;
    routers.push({
      id: i + 1,
      name: `NAS-${asciiSlug(area.name).slice(0, 12)}-${n}`,
      ip: `10.10.${i}.1`,
      apiPort: 8728,
      identity: `BRAS-${asciiSlug(area.name).toUpperCase().slice(0, 10)}-${n}`,
      version: rNet.pick(['7.16.2 (stable)', '7.18.2 (stable)', '7.19.4 (stable)', '6.49.17 (long-term)']),
      boardName: rNet.pick(['CCR2004-1G-12S+2XS', 'CCR2116-12G-4S+', 'CCR1036-8G-2S+', 'RB5009UG+S+']),
      bootedAt: new Date(t - rNet.int(3, 90) * DAY - rNet.int(0, 86_399) * 1000),
    });
  }
  const routersByArea = areas.map((_, a) => routers.filter((r) => (r.id - 1) % areas.length === a));

  // OLTs: 4 boards × 16 ports, filled with 32–64 ONUs per port.
  const fibreEstimate = Math.ceil(subscribers * 0.85 * 1.05);
  const oltCount = Math.max(1, Math.ceil(fibreEstimate / (64 * 48)));
  const olts: WorldOlt[] = [];
  for (let i = 0; i < oltCount; i++) {
    const area = areas[i % areas.length]!;
    olts.push({
      id: i + 1,
      name: `OLT-${asciiSlug(area.name).slice(0, 12).toUpperCase()}-${Math.floor(i / areas.length) + 1}`,
      hardware: rNet.pick(['Huawei MA5800-X7', 'Huawei MA5608T', 'ZTE C320', 'ZTE C600']),
      ip: `10.20.${i}.2`,
      boards: 4,
      portsPerBoard: 16,
    });
  }
  const oltsByArea = areas.map((_, a) => olts.filter((o) => (o.id - 1) % areas.length === a));
  // Fill cursor per OLT: current board/port and how many ONUs that port takes.
  const ponCursor = new Map<number, { board: number; port: number; used: number; capacity: number }>();
  const nextPonSlot = (area: number): { olt: WorldOlt; board: number; port: number; index: number } => {
    const candidates = oltsByArea[area]!.length > 0 ? oltsByArea[area]! : olts;
    // Spread over the area's OLTs, preferring the least used.
    let best = candidates[0]!;
    let bestLoad = Infinity;
    for (const o of candidates) {
      const c = ponCursor.get(o.id);
      const load = c ? c.board * 100 + c.port : -1;
      if (load < bestLoad) {
        best = o;
        bestLoad = load;
      }
    }
    let cursor = ponCursor.get(best.id);
    if (!cursor) {
      cursor = { board: 0, port: 0, used: 0, capacity: rNet.int(32, 64) };
      ponCursor.set(best.id, cursor);
    }
    if (cursor.used >= cursor.capacity) {
      cursor.port++;
      if (cursor.port >= best.portsPerBoard) {
        cursor.port = 0;
        cursor.board++;
        if (cursor.board >= best.boards) cursor.board = 0; // wrap: overbook rather than fail
      }
      cursor.used = 0;
      cursor.capacity = rNet.int(32, 64);
    }
    cursor.used++;
    return { olt: best, board: cursor.board, port: cursor.port, index: cursor.used };
  };

  // ── People and services
  const customers: WorldCustomer[] = [];
  const connections: WorldConnection[] = [];
  const secrets: WorldSecret[] = [];
  const sessions: WorldSession[] = [];
  const onus: WorldOnu[] = [];
  const usedDocs = new Set<string>();
  const usedUsers = new Set<string>();
  const usedSerials = new Set<string>();
  const rosCounters = new Map<number, { secret: number; session: number; ip: number }>();
  const rosCounter = (routerId: number) => {
    let c = rosCounters.get(routerId);
    if (!c) {
      c = { secret: 0, session: 0x80000000, ip: 0 };
      rosCounters.set(routerId, c);
    }
    return c;
  };
  const onuCountPerPort = new Map<string, number>();

  const uniqueSerial = (prefix: string): string => {
    let sn: string;
    do sn = `${prefix}${rNet.hex(8)}`;
    while (usedSerials.has(sn));
    usedSerials.add(sn);
    return sn;
  };

  const sessionAddress = (routerId: number): string => {
    const c = rosCounter(routerId);
    c.ip++;
    return `100.${64 + (routerId % 64)}.${Math.floor(c.ip / 250) % 256}.${(c.ip % 250) + 2}`;
  };

  let connectionId = 5000;
  for (let i = 0; i < subscribers; i++) {
    const id = 1001 + i;
    const areaIndex = rPeople.int(0, areas.length - 1);
    const city = areas[areaIndex]!;
    const isCompany = rPeople.chance(0.06);
    const female = rPeople.chance(0.5);
    const first = rPeople.pick(female ? femaleFirstNames : maleFirstNames);
    const second = rPeople.chance(0.3) ? ` ${rPeople.pick(female ? femaleFirstNames : maleFirstNames)}` : '';
    const last = rPeople.pick(surnames);
    const last2 = rPeople.chance(0.15) ? ` ${rPeople.pick(surnames)}` : '';
    let name: string;
    let docNumber: string;
    if (isCompany) {
      const suffix = rPeople.pick(companySuffixes);
      name = `${rPeople.pick(companyWords)} ${rPeople.pick(companyNames)}${suffix ? ` ${suffix}` : ''}`;
      let body: string;
      do body = String(rPeople.int(50_000_000, 71_999_999));
      while (usedDocs.has(body));
      usedDocs.add(body);
      const prefix = rPeople.pick(['30', '33']);
      docNumber = `${prefix}${body}${cuitCheckDigit(prefix, body)}`;
    } else {
      // Real exports write names as "SURNAME, First" or "First Surname", in any case.
      const style = rPeople.next();
      name =
        style < 0.55
          ? `${first}${second} ${last}${last2}`
          : style < 0.85
            ? `${last}${last2}, ${first}${second}`
            : `${last}${last2} ${first}${second}`.toUpperCase();
      let dni: string;
      do dni = String(rPeople.int(8_000_000, 46_999_999));
      while (usedDocs.has(dni));
      usedDocs.add(dni);
      // Most customers are stored by DNI; some by CUIL (20/27-DNI-check).
      if (rPeople.chance(0.2)) {
        const prefix = female ? '27' : '20';
        docNumber = `${prefix}${dni.padStart(8, '0')}${cuitCheckDigit(prefix, dni.padStart(8, '0'))}`;
      } else {
        docNumber = dni;
      }
    }
    const street = rPeople.pick(streets);
    const address = `${street} ${rPeople.int(1, 40) * 50 + rPeople.int(0, 49)}${rPeople.chance(0.12) ? ` Dpto ${rPeople.int(1, 12)}${rPeople.pick(['A', 'B', 'C'])}` : ''}`;
    const lat = round6(city.lat + rPeople.normal(0, 0.012));
    const lng = round6(city.lng + rPeople.normal(0, 0.012));
    const statusRoll = rPeople.next();
    const status = statusRoll < 0.925 ? 'enabled' : statusRoll < 0.975 ? 'blocked' : 'no_service';
    const debt =
      status === 'blocked'
        ? round2(rPeople.int(2, 6) * rPeople.float(9000, 24000))
        : rPeople.chance(0.08)
          ? round2(rPeople.float(500, 15000))
          : 0;
    const phones: string[] = [];
    const phoneCount = rPeople.weighted([
      [0, 5],
      [1, 70],
      [2, 22],
      [3, 3],
    ] as const);
    for (let p = 0; p < phoneCount; p++) phones.push(phoneFor(rPeople, city));
    const emails: string[] = [];
    if (rPeople.chance(0.8)) {
      const base = isCompany ? asciiSlug(name).slice(0, 16) : `${asciiSlug(first)}${rPeople.pick(['.', '_', ''])}${asciiSlug(last)}`;
      emails.push(`${base}${rPeople.chance(0.5) ? rPeople.int(1, 99) : ''}@${rPeople.pick(emailDomains)}`);
      if (rPeople.chance(0.05)) emails.push(`${base}.facturacion@${rPeople.pick(emailDomains)}`);
    }
    const customer: WorldCustomer = {
      id,
      code: String(10_000 + i),
      name,
      docNumber,
      type: isCompany ? 'empresa' : 'particular',
      address,
      city: city.name,
      lat,
      lng,
      status,
      debt,
      speedLimited: status === 'enabled' && debt > 0 && rPeople.chance(0.3),
      phones,
      emails,
      createdAt: new Date(t - rPeople.int(10, 3000) * DAY),
    };
    customers.push(customer);

    const connectionCount = rPeople.chance(0.04) ? 2 : 1;
    for (let c = 0; c < connectionCount; c++) {
      connectionId++;
      const plan = rPeople.weighted(planWeights);
      const areaRouters = routersByArea[areaIndex]!.length > 0 ? routersByArea[areaIndex]! : routers;
      const router = areaRouters[connectionId % areaRouters.length]!;
      const baseUser = isCompany ? asciiSlug(name).slice(0, 10) : `${asciiSlug(first)[0]}${asciiSlug(last)}`;
      let user = `${baseUser}${customer.code}${c > 0 ? `-${c + 1}` : ''}`;
      while (usedUsers.has(user)) user = `${user}x`;
      usedUsers.add(user);
      const connAddress = c === 0 ? address : `${rPeople.pick(streets)} ${rPeople.int(100, 2500)}`;
      const staticIp = isCompany && rPeople.chance(0.5) ? `190.2.${rNet.int(0, 255)}.${rNet.int(2, 254)}` : null;
      // 0.3%: ISPCube still points to the old node after a migration.
      const nodeId = rMess.chance(0.003) && routers.length > 1 ? routers[router.id % routers.length]!.id : router.id;
      const connection: WorldConnection = {
        id: connectionId,
        customerId: id,
        nodeId,
        planId: plan.id,
        user,
        address: connAddress,
        city: city.name,
        lat: round6(lat + (c > 0 ? rPeople.normal(0, 0.004) : 0)),
        lng: round6(lng + (c > 0 ? rPeople.normal(0, 0.004) : 0)),
        technology: plan.technology,
        ip: staticIp,
      };
      connections.push(connection);

      // ── ONU (fibre)
      let onu: WorldOnu | undefined;
      if (plan.technology === 'fibre') {
        const slot = nextPonSlot(areaIndex);
        const model = rNet.weighted(onuModels.map((m) => [m, m.weight] as const));
        const statusRoll2 = rLive.next();
        const onuStatus: OnuStatusValue =
          statusRoll2 < 0.95 ? 'Online' : statusRoll2 < 0.97 ? 'Offline' : statusRoll2 < 0.982 ? 'LOS' : 'Power fail';
        const baseRx = clamp(rNet.normal(-20.5, 2.3), -29.5, -12);
        const baseOltRx = clamp(baseRx - rNet.float(1, 4), -32, -14);
        const sn = uniqueSerial(model.prefix);
        const portKey = `${slot.olt.id}/${slot.board}/${slot.port}`;
        onuCountPerPort.set(portKey, (onuCountPerPort.get(portKey) ?? 0) + 1);
        let onuName = user;
        if (rMess.chance(0.01)) onuName = user.toUpperCase();
        else if (rMess.chance(0.005)) onuName = `${user} `;
        onu = {
          externalId: sn,
          sn,
          oltId: slot.olt.id,
          board: slot.board,
          port: slot.port,
          index: slot.index,
          onuType: model.type,
          name: onuName,
          mode: rNet.chance(0.9) ? 'Routing' : 'Bridging',
          vlan: String(100 + router.id),
          zone: city.name,
          status: onuStatus,
          lastStatusChange: new Date(t - (onuStatus === 'Online' ? rLive.int(1, 60 * 24 * 30) : rLive.int(5, 60 * 72)) * MINUTE),
          rx1490: onuStatus === 'Online' ? round2(baseRx + rLive.normal(0, 0.2)) : null,
          rx1310: onuStatus === 'Online' ? round2(baseOltRx + rLive.normal(0, 0.2)) : null,
          baseRx1490: round2(baseRx),
          baseRx1310: round2(baseOltRx),
          connectionId: connection.id,
        };
        onus.push(onu);
      }

      // ── PPP secret on the router (0.7% of connections have none: a provisioning gap)
      if (!rMess.chance(0.007)) {
        const counter = rosCounter(router.id);
        counter.secret++;
        const mac = macFor(rNet);
        const blocked = customer.status !== 'enabled';
        const secret: WorldSecret = {
          routerId: router.id,
          rosId: rosId(counter.secret),
          name: user,
          password: rNet.hex(10).toLowerCase(),
          profile: blocked && rMess.chance(0.6) ? 'moroso' : plan.profile,
          service: 'pppoe',
          remoteAddress: staticIp,
          disabled: blocked && customer.status === 'no_service',
          comment: `${customer.code} ${name}`.slice(0, 60),
          lastLoggedOut: null,
          lastCallerId: mac,
          lastDisconnectReason: null,
          connectionId: connection.id,
          mac,
        };
        secrets.push(secret);
        const onuUp = !onu || onu.status === 'Online';
        const online = !secret.disabled && secret.profile !== 'moroso' && onuUp && rLive.chance(0.975);
        if (online) {
          const uptimeMs = Math.min(t - customer.createdAt.getTime(), Math.floor(-Math.log(1 - rLive.next()) * 4 * DAY) + 60_000);
          const startedAt = new Date(t - uptimeMs);
          counter.session++;
          const rate = rLive.float(0.2, 25) * 1e6;
          sessions.push({
            routerId: router.id,
            rosId: rosId(counter.session),
            name: user,
            address: staticIp ?? sessionAddress(router.id),
            callerId: mac,
            startedAt,
            sessionId: `0x${(0x81000000 + (counter.session - 0x80000000)).toString(16).toUpperCase()}`,
            rxBytes: Math.floor((rate / 8) * (uptimeMs / 1000) * 0.3),
            txBytes: Math.floor((rate / 8) * (uptimeMs / 1000) * 0.05),
            rxRate: Math.floor(rate),
            txRate: Math.floor(rate * 0.15),
          });
          secret.lastLoggedOut = new Date(startedAt.getTime() - rLive.int(5, 600) * 1000);
          secret.lastDisconnectReason = rLive.pick(disconnectReasons);
        } else {
          const when = onu && onu.status !== 'Online' ? onu.lastStatusChange.getTime() : t - rLive.int(1, 60 * 24 * 20) * MINUTE;
          secret.lastLoggedOut = new Date(when);
          secret.lastDisconnectReason = onu && onu.status !== 'Online' ? 'peer-not-responding' : rLive.pick(disconnectReasons);
        }
      }
    }
  }

  // ── Messiness beyond the per-connection quirks
  // Secrets with no ISPCube connection ("not linked"): tests, ex-customers, typos.
  const orphanSecrets = Math.max(1, Math.round(connections.length * 0.012));
  for (let i = 0; i < orphanSecrets; i++) {
    const router = rMess.pick(routers);
    const counter = rosCounter(router.id);
    counter.secret++;
    const kind = rMess.next();
    const name =
      kind < 0.3
        ? `prueba${rMess.int(1, 99)}`
        : kind < 0.8
          ? `${asciiSlug(rMess.pick(maleFirstNames))[0]}${asciiSlug(rMess.pick(surnames))}${rMess.int(1000, 9999)}`
          : `ex-${asciiSlug(rMess.pick(surnames))}${rMess.int(10, 99)}`;
    if (usedUsers.has(name)) continue;
    usedUsers.add(name);
    const mac = macFor(rMess);
    secrets.push({
      routerId: router.id,
      rosId: rosId(counter.secret),
      name,
      password: rMess.hex(8).toLowerCase(),
      profile: rMess.pick(['fibra-100', 'fibra-300', 'default']),
      service: 'pppoe',
      remoteAddress: null,
      disabled: rMess.chance(0.4),
      comment: kind < 0.3 ? 'prueba técnico' : '',
      lastLoggedOut: new Date(t - rMess.int(1, 400) * DAY),
      lastCallerId: mac,
      lastDisconnectReason: rMess.pick(disconnectReasons),
      connectionId: null,
      mac,
    });
  }

  // ONUs with no connection: spares on the bench, old names, blank names.
  const orphanOnus = Math.max(1, Math.round(onus.length * 0.01));
  for (let i = 0; i < orphanOnus; i++) {
    const slot = nextPonSlot(rMess.int(0, areas.length - 1));
    const model = rMess.pick(onuModels);
    const sn = uniqueSerial(model.prefix);
    const online = rMess.chance(0.5);
    const baseRx = round2(clamp(rMess.normal(-21, 2), -28, -14));
    onus.push({
      externalId: sn,
      sn,
      oltId: slot.olt.id,
      board: slot.board,
      port: slot.port,
      index: slot.index,
      onuType: model.type,
      name: rMess.pick(['', 'SIN ASIGNAR', `baja-${asciiSlug(rMess.pick(surnames))}`, `reserva${rMess.int(1, 20)}`]),
      mode: 'Routing',
      vlan: '100',
      zone: '',
      status: online ? 'Online' : 'Offline',
      lastStatusChange: new Date(t - rMess.int(1, 200) * DAY),
      rx1490: online ? baseRx : null,
      rx1310: online ? round2(baseRx - 2) : null,
      baseRx1490: baseRx,
      baseRx1310: round2(baseRx - 2),
      connectionId: null,
    });
  }

  // Duplicate `unique_external_id`s: SmartOLT hands the same one to two ONUs (0.3%).
  const duplicates = Math.max(1, Math.round(onus.length * 0.003));
  for (let i = 0; i < duplicates && onus.length > 1; i++) {
    const a = rMess.int(0, onus.length - 1);
    const b = rMess.int(0, onus.length - 1);
    if (a !== b) onus[b]!.externalId = onus[a]!.externalId;
  }

  // A PON port serves one neighbourhood (one splitter tree): its customers live near each
  // other, so a fibre cut darkens an area, as it does in the field. Each port's centre is
  // where its first customer lives; its customers are placed around it (about 300 m).
  const rGeo = root.fork('geo');
  const connectionById = new Map(connections.map((c) => [c.id, c]));
  const firstConnection = new Map<number, number>();
  for (const c of connections) if (!firstConnection.has(c.customerId)) firstConnection.set(c.customerId, c.id);
  const centres = new Map<string, { lat: number; lng: number }>();
  for (const o of onus) {
    const conn = o.connectionId === null ? undefined : connectionById.get(o.connectionId);
    if (!conn) continue;
    const key = `${o.oltId}/${o.board}/${o.port}`;
    let centre = centres.get(key);
    if (!centre) {
      centre = { lat: conn.lat, lng: conn.lng };
      centres.set(key, centre);
    }
    conn.lat = round6(centre.lat + rGeo.normal(0, 0.0027));
    conn.lng = round6(centre.lng + rGeo.normal(0, 0.0027));
  }
  for (const customer of customers) {
    const first = connectionById.get(firstConnection.get(customer.id) ?? -1);
    if (first) {
      customer.lat = first.lat;
      customer.lng = first.lng;
    }
  }

  return { seed, subscribers, generatedAt: now, plans, routers, customers, connections, secrets, sessions, olts, onus };
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
