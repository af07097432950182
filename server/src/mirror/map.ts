/**
 * Vendor payload → mirror row. Vendors send loosely typed JSON (numbers as strings,
 * wrappers, blanks); each mapper validates what it needs with zod and keeps the whole
 * payload as `raw`. A payload that cannot be mapped is reported, not half-stored.
 */
import { z } from 'zod';
import { digitsOnly, normalizeMac, phoneDigits } from '../domain/identifiers.ts';
import { parseRouterosBoolean, parseRouterosDate, parseRouterosDuration } from '../domain/routerosValues.ts';
import { parseDbm, parseOnuStatus, parseSignalCategory, parseSmartoltTime } from '../domain/smartoltValues.ts';
import type { CustomerStatusValue, OnuStatusValue, SignalCategoryValue } from '../domain/types.ts';

const idLike = z.union([z.string().min(1), z.number()]).transform((v) => String(v).trim());
const optionalText = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => (v === null || v === undefined || String(v).trim() === '' ? null : String(v).trim()));
const optionalNumber = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => (v === null || v === undefined || v === '' || Number.isNaN(Number(v)) ? null : Number(v)));

export class MappingError extends Error {
  override readonly name = 'MappingError';
}

function parse<T>(schema: z.ZodType<T>, payload: unknown, what: string): T {
  const result = schema.safeParse(payload);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new MappingError(`${what}: ${issue.path.join('.') || 'payload'} ${issue.message}`);
  }
  return result.data;
}

// ───────────────────────────── ISPCube ─────────────────────────────

const customerSchema = z.object({
  id: idLike,
  code: optionalText,
  name: z.string().trim().min(1),
  doc_number: optionalText,
  type: optionalText,
  address: optionalText,
  city: optionalText,
  lat: optionalNumber,
  lng: optionalNumber,
  status: optionalText,
  debt: optionalNumber,
  speed_limited: z.union([z.boolean(), z.number(), z.string()]).nullish(),
  phones: z.array(z.object({ number: optionalText })).nullish(),
  contact_emails: z.array(z.object({ email: optionalText })).nullish(),
});

export interface CustomerRow {
  external_id: string;
  code: string | null;
  name: string;
  doc_number: string | null;
  doc_type: string | null;
  customer_type: string | null;
  address: string | null;
  city: string | null;
  latitude: number | null;
  longitude: number | null;
  status: CustomerStatusValue;
  debt: number;
  speed_limited: boolean;
  raw: unknown;
  phones: { number: string; digits: string }[];
  emails: string[];
}

function customerStatus(value: string | null): CustomerStatusValue {
  switch ((value ?? '').toLowerCase()) {
    case 'enabled':
    case 'habilitado':
      return 'ENABLED';
    case 'blocked':
    case 'bloqueado':
      return 'BLOCKED';
    case 'no_service':
    case 'sin servicio':
      return 'NO_SERVICE';
    default:
      return 'UNKNOWN';
  }
}

/** DNI has 7–8 digits, CUIT/CUIL 11 (with a check digit). */
export function docType(doc: string | null): string | null {
  if (!doc) return null;
  const d = digitsOnly(doc);
  if (d.length === 11) return 'CUIT';
  if (d.length >= 7 && d.length <= 8) return 'DNI';
  return null;
}

function truthy(v: unknown): boolean {
  return v === true || v === 1 || v === '1' || v === 'true' || v === 'yes';
}

export function mapIspcubeCustomer(payload: unknown): CustomerRow {
  const c = parse(customerSchema, payload, 'ISPCube customer');
  const seenPhones = new Set<string>();
  const phones: CustomerRow['phones'] = [];
  for (const p of c.phones ?? []) {
    if (!p.number) continue;
    const digits = phoneDigits(p.number);
    if (digits.length < 6 || seenPhones.has(digits)) continue;
    seenPhones.add(digits);
    phones.push({ number: p.number, digits });
  }
  const emails = [...new Set((c.contact_emails ?? []).map((e) => e.email?.toLowerCase()).filter((e): e is string => !!e))];
  const doc = c.doc_number ? digitsOnly(c.doc_number) || c.doc_number : null;
  return {
    external_id: c.id,
    code: c.code,
    name: c.name,
    doc_number: doc,
    doc_type: docType(doc),
    customer_type: c.type,
    address: c.address,
    city: c.city,
    latitude: c.lat,
    longitude: c.lng,
    status: customerStatus(c.status),
    debt: c.debt ?? 0,
    speed_limited: truthy(c.speed_limited),
    raw: payload,
    phones,
    emails,
  };
}

const planSchema = z.object({ id: idLike, name: z.string().trim().min(1), speed: optionalText, comment: optionalText });
export interface PlanRow {
  external_id: string;
  name: string;
  speed: string | null;
  comment: string | null;
  raw: unknown;
}
export function mapIspcubePlan(payload: unknown): PlanRow {
  const p = parse(planSchema, payload, 'ISPCube plan');
  return { external_id: p.id, name: p.name, speed: p.speed, comment: p.comment, raw: payload };
}

const nodeSchema = z.object({ id: idLike, comment: optionalText, name: optionalText, ip: z.string().trim().min(1), port: optionalNumber });
export interface RouterRow {
  external_id: string;
  name: string;
  host: string;
  api_port: number;
  raw: unknown;
}
export function mapIspcubeNode(payload: unknown): RouterRow {
  const n = parse(nodeSchema, payload, 'ISPCube node');
  return {
    external_id: n.id,
    name: n.comment ?? n.name ?? n.ip,
    host: n.ip,
    api_port: n.port && n.port > 0 ? n.port : 8728,
    raw: payload,
  };
}

const connectionSchema = z.object({
  id: idLike,
  customer_id: idLike,
  node_id: idLike.nullish(),
  plan_id: idLike.nullish(),
  user: optionalText,
  address: optionalText,
  conntype: optionalText,
  ip: optionalText,
  lat: optionalNumber,
  lng: optionalNumber,
});
export interface ConnectionRow {
  external_id: string;
  customer_external_id: string;
  router_external_id: string | null;
  plan_external_id: string | null;
  pppoe_username: string | null;
  conn_type: string | null;
  address: string | null;
  ip_address: string | null;
  latitude: number | null;
  longitude: number | null;
  raw: unknown;
}
export function mapIspcubeConnection(payload: unknown): ConnectionRow {
  const c = parse(connectionSchema, payload, 'ISPCube connection');
  return {
    external_id: c.id,
    customer_external_id: c.customer_id,
    router_external_id: c.node_id ?? null,
    plan_external_id: c.plan_id ?? null,
    pppoe_username: c.user,
    conn_type: c.conntype,
    address: c.address,
    ip_address: c.ip,
    latitude: c.lat,
    longitude: c.lng,
    raw: payload,
  };
}

// ───────────────────────────── RouterOS ─────────────────────────────

type RosRow = Record<string, string | undefined>;

export interface SecretRow {
  name: string;
  profile: string | null;
  service: string | null;
  remote_address: string | null;
  disabled: boolean;
  comment: string | null;
  last_logged_out: string | null;
  last_caller_id: string | null;
  last_disconnect_reason: string | null;
  raw: unknown;
}

/** A `/ppp/secret` row; the password is dropped before anything is stored. */
export function mapRouterosSecret(row: RosRow, utcOffsetMinutes = -180): SecretRow {
  const name = row.name?.trim();
  if (!name) throw new MappingError('RouterOS secret: name is missing');
  const { password: _password, ...safe } = row;
  return {
    name,
    profile: row.profile || null,
    service: row.service || null,
    remote_address: row['remote-address'] || null,
    disabled: parseRouterosBoolean(row.disabled) ?? false,
    comment: row.comment || null,
    last_logged_out: parseRouterosDate(row['last-logged-out'], utcOffsetMinutes)?.toISOString() ?? null,
    last_caller_id: normalizeMac(row['last-caller-id']) ?? (row['last-caller-id'] || null),
    last_disconnect_reason: row['last-disconnect-reason'] || null,
    raw: safe,
  };
}

export interface SessionRow {
  session_key: string;
  name: string;
  address: string | null;
  caller_id: string | null;
  service: string | null;
  started_at: string;
  raw: unknown;
}

/** A `/ppp/active` row; `started_at` is derived from the uptime at `observedAt`. */
export function mapRouterosActive(row: RosRow, observedAt: Date): SessionRow {
  const key = row['.id'];
  const name = row.name?.trim();
  if (!key || !name) throw new MappingError('RouterOS active session: .id or name is missing');
  const uptime = parseRouterosDuration(row.uptime) ?? 0;
  // Volatile counters are not part of the stored payload: an unchanged session writes nothing.
  const { uptime: _u, 'limit-bytes-in': _i, 'limit-bytes-out': _o, ...stable } = row;
  return {
    session_key: key,
    name,
    address: row.address || null,
    caller_id: normalizeMac(row['caller-id']) ?? (row['caller-id'] || null),
    service: row.service || null,
    started_at: new Date(observedAt.getTime() - uptime * 1000).toISOString(),
    raw: stable,
  };
}

// ───────────────────────────── SmartOLT ─────────────────────────────

const oltSchema = z.object({ id: idLike, name: z.string().trim().min(1), olt_hardware_version: optionalText, ip: optionalText });
export interface OltRow {
  external_id: string;
  name: string;
  hardware: string | null;
  ip: string | null;
  raw: unknown;
}
export function mapSmartoltOlt(payload: unknown): OltRow {
  const o = parse(oltSchema, payload, 'SmartOLT OLT');
  return { external_id: o.id, name: o.name, hardware: o.olt_hardware_version, ip: o.ip, raw: payload };
}

const onuSchema = z.object({
  unique_external_id: optionalText,
  sn: z.string().trim().min(4),
  olt_id: idLike,
  board: optionalNumber,
  port: optionalNumber,
  onu: optionalNumber,
  onu_type: optionalText,
  name: z.string().nullish(),
  mode: optionalText,
  zone_name: optionalText,
  service_ports: z.array(z.object({ vlan: optionalText })).nullish(),
  status: optionalText,
  last_status_change: optionalText,
  signal: optionalText,
  signal_1310: optionalText,
  signal_1490: optionalText,
});

export interface OnuRow {
  serial: string;
  external_id: string | null;
  olt_external_id: string;
  board: number | null;
  port: number | null;
  onu_index: number | null;
  onu_type: string | null;
  name: string | null;
  mode: string | null;
  vlan: string | null;
  zone: string | null;
  raw: unknown;
}

export interface OnuStatusReading {
  serial: string;
  status: OnuStatusValue;
  changed_at: string | null;
}

export interface OnuSignalReading {
  serial: string;
  category: SignalCategoryValue;
  rx_power: number | null;
  olt_rx_power: number | null;
}

const VOLATILE_ONU_FIELDS = ['status', 'last_status_change', 'signal', 'signal_1310', 'signal_1490'] as const;

/** ONU inventory from `get_all_onus_details`; status and signal in the same payload are returned apart. */
export function mapSmartoltOnu(payload: unknown): { onu: OnuRow; status: OnuStatusReading | null; signal: OnuSignalReading | null } {
  const o = parse(onuSchema, payload, 'SmartOLT ONU');
  const serial = o.sn.toUpperCase();
  const raw = { ...(payload as Record<string, unknown>) };
  for (const f of VOLATILE_ONU_FIELDS) delete raw[f];
  const name = typeof o.name === 'string' ? o.name : null;
  return {
    onu: {
      serial,
      external_id: o.unique_external_id,
      olt_external_id: o.olt_id,
      board: o.board,
      port: o.port,
      onu_index: o.onu,
      onu_type: o.onu_type,
      name: name && name.trim() !== '' ? name : null,
      mode: o.mode,
      vlan: o.service_ports?.[0]?.vlan ?? null,
      zone: o.zone_name,
      raw,
    },
    status: o.status ? { serial, status: parseOnuStatus(o.status), changed_at: parseSmartoltTime(o.last_status_change)?.toISOString() ?? null } : null,
    signal: o.signal !== null || o.signal_1490 !== null ? mapSignalFields(serial, o.signal, o.signal_1490, o.signal_1310) : null,
  };
}

function mapSignalFields(serial: string, category: unknown, s1490: unknown, s1310: unknown): OnuSignalReading {
  return { serial, category: parseSignalCategory(category), rx_power: parseDbm(s1490), olt_rx_power: parseDbm(s1310) };
}

const statusSchema = z.object({ sn: z.string().trim().min(4), status: z.string(), last_status_change: optionalText });
export function mapSmartoltStatus(payload: unknown): OnuStatusReading {
  const s = parse(statusSchema, payload, 'SmartOLT ONU status');
  return {
    serial: s.sn.toUpperCase(),
    status: parseOnuStatus(s.status),
    changed_at: parseSmartoltTime(s.last_status_change)?.toISOString() ?? null,
  };
}

const signalSchema = z.object({ sn: z.string().trim().min(4), signal: optionalText, signal_1490: optionalText, signal_1310: optionalText });
export function mapSmartoltSignal(payload: unknown): OnuSignalReading {
  const s = parse(signalSchema, payload, 'SmartOLT ONU signal');
  return mapSignalFields(s.sn.toUpperCase(), s.signal, s.signal_1490, s.signal_1310);
}
