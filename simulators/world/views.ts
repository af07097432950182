/**
 * How each vendor shows the world: the exact field names and value formats of
 * ISPCube JSON, RouterOS API words and SmartOLT JSON (see docs in README / DOMAIN).
 */
import { createHash } from 'node:crypto';
import type { WorldConnection, WorldCustomer, WorldOlt, WorldOnu, WorldPlan, WorldRouter, WorldSecret, WorldSession } from './model.ts';

// ───────────────────────────── ISPCube ─────────────────────────────

/** ISPCube's city ids: stable per city name (the simulated instance numbers its cities). */
function cityId(city: string): number {
  let h = 0;
  for (const ch of city) h = (h * 31 + ch.charCodeAt(0)) % 997;
  return h + 1;
}

/** A PPPoE password as ISPCube holds it (a credential: Emerald must never store or show it). */
function pppoePassword(user: string): string {
  return createHash('sha1').update(`pppoe:${user}`).digest('hex').slice(0, 10);
}

/**
 * A customer as public client code shows ISPCube returning them: `city` as an object with
 * `city_id` beside it, decimal strings for money, `tags[]`, and — on some customers and on
 * `customer?doc_number=` — their `connections[]` nested.
 */
export function ispcubeCustomer(c: WorldCustomer, connections: WorldConnection[] = []): Record<string, unknown> {
  return {
    id: c.id,
    code: c.code,
    name: c.name,
    doc_number: c.docNumber,
    type: c.type,
    address: c.address,
    tax_residence: c.address,
    city_id: cityId(c.city),
    city: { id: cityId(c.city), name: c.city },
    lat: String(c.lat),
    lng: String(c.lng),
    status: c.status,
    debt: c.debt.toFixed(2),
    duedebt: (c.status === 'blocked' ? c.debt : 0).toFixed(2),
    block_date: null,
    enable_date: c.createdAt.toISOString().slice(0, 10),
    paycomm: c.id % 3 === 0 ? 'debito_automatico' : 'efectivo',
    speed_limited: c.speedLimited ? 1 : 0,
    start_date: c.createdAt.toISOString().slice(0, 10),
    phones: c.phones.map((number, i) => ({ id: c.id * 10 + i, number })),
    contact_emails: c.emails.map((email, i) => ({ id: c.id * 10 + i, email })),
    tags: c.debt > 0 ? [{ id: 3, name: 'deudor' }] : [],
    created_at: c.createdAt.toISOString().slice(0, 19).replace('T', ' '),
    ...(connections.length ? { connections: connections.map(ispcubeConnection) } : {}),
  };
}

/** A connection as ISPCube returns it, PPPoE password and SmartOLT provisioning fields included. */
export function ispcubeConnection(c: WorldConnection): Record<string, unknown> {
  const fibre = c.technology === 'fibre';
  return {
    id: c.id,
    customer_id: c.customerId,
    node_id: c.nodeId,
    plan_id: c.planId,
    user: c.user,
    password: pppoePassword(c.user),
    address: c.address,
    city: c.city,
    conntype: 'pppoe',
    technology: fibre ? 'ftth' : 'wireless',
    ip: c.ip,
    lat: String(c.lat),
    lng: String(c.lng),
    olt_id: fibre ? 1 + (c.id % 4) : null,
    smart_olt_vlans: fibre ? '100' : null,
    smart_olt_zone: fibre ? `Zona ${c.city}` : null,
    smart_olt_onu_type: fibre ? 'HG8546M' : null,
    onu_mode: fibre ? 'Routing' : null,
  };
}

export function ispcubePlan(p: WorldPlan): Record<string, unknown> {
  return { id: p.id, name: p.name, speed: p.speed, comment: p.comment };
}

export function ispcubeNode(r: WorldRouter, address?: { ip: string; port: number }): Record<string, unknown> {
  return { id: r.id, comment: r.name, ip: address?.ip ?? r.ip, port: address?.port ?? r.apiPort, type: 'mikrotik' };
}

// ───────────────────────────── RouterOS ─────────────────────────────

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
/** Routers in the simulated ISP run on Argentine time (UTC−3, no DST). */
export const ROUTER_UTC_OFFSET_MINUTES = -180;

function routerLocal(date: Date): Date {
  return new Date(date.getTime() + ROUTER_UTC_OFFSET_MINUTES * 60_000);
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** `may/01/2023 20:52:13` (RouterOS 6 and early 7) or `2023-05-01 20:52:13` (7.10+). */
export function routerosDate(date: Date, style: 'legacy' | 'iso'): string {
  const d = routerLocal(date);
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  if (style === 'iso') return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${time}`;
  return `${MONTHS[d.getUTCMonth()]}/${pad(d.getUTCDate())}/${d.getUTCFullYear()} ${time}`;
}

/** `1w2d3h4m5s` as RouterOS prints uptimes. */
export function routerosDuration(ms: number): string {
  let s = Math.max(0, Math.floor(ms / 1000));
  const w = Math.floor(s / 604800);
  s -= w * 604800;
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const out = `${w ? `${w}w` : ''}${d ? `${d}d` : ''}${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
  return out || '0s';
}

export function dateStyleFor(router: WorldRouter): 'legacy' | 'iso' {
  const [major, minor] = router.version.split(/[.\s]/).map(Number);
  return (major ?? 0) > 7 || ((major ?? 0) === 7 && (minor ?? 0) >= 10) ? 'iso' : 'legacy';
}

export function booleanWord(value: boolean, router: WorldRouter): string {
  // RouterOS 6 answers yes/no, 7 answers true/false.
  return router.version.startsWith('6') ? (value ? 'yes' : 'no') : value ? 'true' : 'false';
}

export function routerosSecret(s: WorldSecret, router: WorldRouter): Record<string, string> {
  const row: Record<string, string> = {
    '.id': s.rosId,
    name: s.name,
    service: s.service,
    'caller-id': '',
    password: s.password,
    profile: s.profile,
    routes: '',
    'ipv6-routes': '',
    'limit-bytes-in': '0',
    'limit-bytes-out': '0',
    disabled: booleanWord(s.disabled, router),
    comment: s.comment,
  };
  if (s.remoteAddress) row['remote-address'] = s.remoteAddress;
  if (s.lastLoggedOut) row['last-logged-out'] = routerosDate(s.lastLoggedOut, dateStyleFor(router));
  if (s.lastCallerId) row['last-caller-id'] = s.lastCallerId;
  if (s.lastDisconnectReason) row['last-disconnect-reason'] = s.lastDisconnectReason;
  if (!s.comment) delete row.comment;
  return row;
}

export function routerosActive(s: WorldSession, router: WorldRouter, now: Date): Record<string, string> {
  return {
    '.id': s.rosId,
    name: s.name,
    service: 'pppoe',
    'caller-id': s.callerId,
    encoding: '',
    address: s.address,
    uptime: routerosDuration(now.getTime() - s.startedAt.getTime()),
    'session-id': s.sessionId,
    'limit-bytes-in': '0',
    'limit-bytes-out': '0',
    radius: booleanWord(false, router),
  };
}

// ───────────────────────────── SmartOLT ─────────────────────────────

const STATUS_TIME = (d: Date): string => {
  const l = routerLocal(d);
  return `${l.getUTCFullYear()}-${pad(l.getUTCMonth() + 1)}-${pad(l.getUTCDate())} ${pad(l.getUTCHours())}:${pad(l.getUTCMinutes())}:${pad(l.getUTCSeconds())}`;
};

/** SmartOLT's own signal category of an ONU receive power. */
export function smartoltSignalCategory(onu: WorldOnu): string {
  if (onu.status !== 'Online' || onu.rx1490 === null) return '-';
  if (onu.rx1490 < -27 || onu.rx1490 > -8) return 'Critical';
  if (onu.rx1490 < -25) return 'Warning';
  return 'Very good';
}

const dbmText = (v: number | null): string => (v === null ? '-' : `${v.toFixed(2)} dBm`);

export function smartoltOlt(o: WorldOlt): Record<string, unknown> {
  return { id: String(o.id), name: o.name, olt_hardware_version: o.hardware, ip: o.ip, telnet_port: '23', snmp_port: '161' };
}

export function smartoltOnuDetails(onu: WorldOnu, olt: WorldOlt, disabled = false): Record<string, unknown> {
  return {
    unique_external_id: onu.externalId,
    sn: onu.sn,
    olt_id: String(onu.oltId),
    olt_name: olt.name,
    board: String(onu.board),
    port: String(onu.port),
    onu: String(onu.index),
    onu_type_id: String(onu.onuType.length),
    onu_type: onu.onuType,
    zone_id: '1',
    zone_name: onu.zone,
    name: onu.name,
    address: '',
    mode: onu.mode,
    wan_mode: 'Setup via ONU webpage',
    ip_address: '',
    administrative_status: disabled ? 'Disabled' : 'Enabled',
    status: onu.status,
    last_status_change: STATUS_TIME(onu.lastStatusChange),
    signal: smartoltSignalCategory(onu),
    signal_1310: dbmText(onu.rx1310),
    signal_1490: dbmText(onu.rx1490),
    catv: 'Not supported',
    service_ports: [
      {
        service_port: '1',
        vlan: onu.vlan,
        cvlan: '',
        svlan: '',
        tag_transform_mode: 'translate',
        upload_speed: '1G',
        download_speed: '1G',
      },
    ],
  };
}

export function smartoltOnuStatus(onu: WorldOnu): Record<string, unknown> {
  return {
    unique_external_id: onu.externalId,
    sn: onu.sn,
    olt_id: String(onu.oltId),
    board: String(onu.board),
    port: String(onu.port),
    onu: String(onu.index),
    status: onu.status,
    last_status_change: STATUS_TIME(onu.lastStatusChange),
  };
}

export function smartoltOnuSignal(onu: WorldOnu): Record<string, unknown> {
  return {
    unique_external_id: onu.externalId,
    sn: onu.sn,
    olt_id: String(onu.oltId),
    board: String(onu.board),
    port: String(onu.port),
    onu: String(onu.index),
    signal: smartoltSignalCategory(onu),
    signal_1310: dbmText(onu.rx1310),
    signal_1490: dbmText(onu.rx1490),
  };
}
