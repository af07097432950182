/** ISPCube → mirror: customers (with phones and e-mails), plans, nodes (routers), connections. */
import { z } from 'zod';
import { chunk, type Queryable } from '../db/sql.ts';
import { digitsOnly, phoneDigits } from '../domain/identifiers.ts';
import type { CustomerStatusValue } from '../domain/types.ts';
import {
  counts,
  idLike,
  lenientList,
  lenientNumber,
  lenientText,
  nameOrObject,
  optionalNumber,
  optionalText,
  parse,
  markGone,
  storablePayload,
  type ApplyCounts,
} from './common.ts';
import { changedRows, mappingVersion, payloadHash, upsert } from './upsert.ts';

// Only an id and a name are required; every other field is read tolerantly (ISPCube's
// shapes vary by endpoint and version: `city` is a string or `{id, name}`, phones are
// objects or strings, `connections[]` is sometimes nested).
const customerSchema = z.object({
  id: idLike,
  code: lenientText,
  name: z
    .union([z.string(), z.number()])
    .transform((v) => String(v).trim())
    .pipe(z.string().min(1)),
  doc_number: lenientText,
  type: lenientText,
  address: lenientText,
  city: nameOrObject,
  lat: lenientNumber,
  lng: lenientNumber,
  status: lenientText,
  debt: lenientNumber,
  speed_limited: z.union([z.boolean(), z.number(), z.string()]).nullish().catch(null),
  phones: lenientList((p) => p.number ?? p.phone),
  contact_emails: lenientList((e) => e.email),
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
  /** payloadHash of the payload under CUSTOMER_MAPPING. */
  row_hash: string;
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
  const row = customerOf(payload) as CustomerRow;
  row.row_hash = payloadHash(CUSTOMER_MAPPING, payload);
  return row;
}

function customerOf(payload: unknown): Omit<CustomerRow, 'row_hash'> {
  const c = parse(customerSchema, payload, 'ISPCube customer');
  const seenPhones = new Set<string>();
  const phones: CustomerRow['phones'] = [];
  for (const number of c.phones) {
    const digits = phoneDigits(number);
    if (digits.length < 6 || seenPhones.has(digits)) continue;
    seenPhones.add(digits);
    phones.push({ number, digits });
  }
  const emails = [...new Set(c.contact_emails.map((e) => e.toLowerCase()))];
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
    raw: storablePayload(payload),
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
  return { external_id: p.id, name: p.name, speed: p.speed, comment: p.comment, raw: storablePayload(payload) };
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
    raw: storablePayload(payload),
  };
}

const connectionSchema = z.object({
  id: idLike,
  customer_id: idLike,
  node_id: idLike.nullish().catch(null),
  plan_id: idLike.nullish().catch(null),
  user: lenientText,
  address: lenientText,
  conntype: lenientText,
  ip: lenientText,
  lat: lenientNumber,
  lng: lenientNumber,
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
  /** payloadHash of the payload under CONNECTION_MAPPING. */
  row_hash: string;
}
export function mapIspcubeConnection(payload: unknown): ConnectionRow {
  const row = connectionOf(payload) as ConnectionRow;
  row.row_hash = payloadHash(CONNECTION_MAPPING, payload);
  return row;
}

function connectionOf(payload: unknown): Omit<ConnectionRow, 'row_hash'> {
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
    raw: storablePayload(payload),
  };
}

export async function applyPlans(db: Queryable, rows: PlanRow[], complete: boolean): Promise<ApplyCounts> {
  const r = await upsert(
    db,
    {
      table: 'plans',
      columns: { external_id: 'text', name: 'text', speed: 'text', comment: 'text', raw: 'jsonb' },
      conflict: ['external_id'],
      gone: true,
      insertExtra: { updated_at: 'now()' },
    },
    rows as unknown as Record<string, unknown>[],
  );
  const removed = complete
    ? await markGone(
        db,
        'plans',
        'external_id',
        rows.map((p) => p.external_id),
      )
    : 0;
  return counts(rows.length, r.inserted, r.updated, removed);
}

/** Routers from ISPCube's nodes; `written` are the ids of routers added, changed (moved, renamed) or revived. */
export async function applyRouters(db: Queryable, rows: RouterRow[], complete: boolean): Promise<ApplyCounts & { written: number[] }> {
  const r = await upsert<{ id: number }>(
    db,
    {
      table: 'routers',
      columns: { external_id: 'text', name: 'text', host: 'text', api_port: 'int', raw: 'jsonb' },
      conflict: ['external_id'],
      gone: true,
      insertExtra: { updated_at: 'now()' },
      returning: ['id'],
    },
    rows as unknown as Record<string, unknown>[],
  );
  const removed = complete
    ? await markGone(
        db,
        'routers',
        'external_id',
        rows.map((p) => p.external_id),
      )
    : 0;
  return { ...counts(rows.length, r.inserted, r.updated, removed), written: r.rows.map((x) => x.id) };
}

export async function applyCustomers(db: Queryable, rows: CustomerRow[], complete: boolean): Promise<ApplyCounts> {
  let inserted = 0;
  let updated = 0;
  // The hash covers phones and e-mails (they come in the same payload).
  for (const part of chunk(rows, 2000)) {
    const changed = await changedRows(db, 'customers', 'external_id', (c) => c.external_id, part);
    if (changed.length === 0) continue;
    const r = await upsert<{ id: number; external_id: string }>(
      db,
      {
        table: 'customers',
        columns: {
          external_id: 'text',
          code: 'text',
          name: 'text',
          doc_number: 'text',
          doc_type: 'text',
          customer_type: 'text',
          address: 'text',
          city: 'text',
          latitude: 'float8',
          longitude: 'float8',
          status: '"CustomerStatus"',
          debt: 'numeric',
          speed_limited: 'boolean',
          raw: 'jsonb',
          row_hash: 'text',
        },
        conflict: ['external_id'],
        gone: true,
        insertExtra: { updated_at: 'now()' },
        returning: ['id', 'external_id'],
      },
      changed as unknown as Record<string, unknown>[],
    );
    inserted += r.inserted;
    updated += r.updated;
    const idOf = new Map(r.rows.map((x) => [x.external_id, x.id]));
    const written = changed.filter((c) => idOf.has(c.external_id));
    const customerIds = [...idOf.values()];
    const phones = written.flatMap((c) =>
      c.phones.map((p, position) => ({ customer_id: idOf.get(c.external_id), position, number: p.number, digits: p.digits })),
    );
    const emails = written.flatMap((c) => c.emails.map((email, position) => ({ customer_id: idOf.get(c.external_id), position, email })));
    await replaceChildren(db, 'customer_phones', { number: 'text', digits: 'text' }, customerIds, phones);
    await replaceChildren(db, 'customer_emails', { email: 'text' }, customerIds, emails);
  }
  const removed = complete
    ? await markGone(
        db,
        'customers',
        'external_id',
        rows.map((c) => c.external_id),
      )
    : 0;
  return counts(rows.length, inserted, updated, removed);
}

/** Make a customer's child rows equal to `rows` (keyed by customer_id + position), writing only differences. */
async function replaceChildren(
  db: Queryable,
  table: string,
  columns: Record<string, string>,
  customerIds: number[],
  rows: Record<string, unknown>[],
): Promise<number> {
  if (customerIds.length === 0) return 0;
  const cols = Object.keys(columns);
  const def = ['customer_id int', 'position int', ...cols.map((c) => `${c} ${columns[c]}`)].join(', ');
  const res = await db.query<{ deleted: number; written: number }>(
    `WITH input AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(${def})),
     deleted AS (
       DELETE FROM ${table} t WHERE t.customer_id = ANY($2::int[])
         AND NOT EXISTS (SELECT 1 FROM input i WHERE i.customer_id = t.customer_id AND i.position = t.position)
       RETURNING 1),
     written AS (
       INSERT INTO ${table} AS t (customer_id, position, ${cols.join(', ')})
       SELECT customer_id, position, ${cols.join(', ')} FROM input
       ON CONFLICT (customer_id, position) DO UPDATE SET ${cols.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}
       WHERE (${cols.map((c) => `t.${c}`).join(', ')}) IS DISTINCT FROM (${cols.map((c) => `EXCLUDED.${c}`).join(', ')})
       RETURNING 1)
     SELECT (SELECT count(*) FROM deleted)::int AS deleted, (SELECT count(*) FROM written)::int AS written`,
    [JSON.stringify(rows), customerIds],
  );
  return (res.rows[0]?.deleted ?? 0) + (res.rows[0]?.written ?? 0);
}

export interface ConnectionApplyResult extends ApplyCounts {
  /** Connections whose customer is not in the mirror (skipped). */
  orphans: string[];
}

export async function applyConnections(db: Queryable, rows: ConnectionRow[], complete: boolean): Promise<ConnectionApplyResult> {
  let inserted = 0;
  let updated = 0;
  const orphans: string[] = [];
  for (const all of chunk(rows, 2000)) {
    const part = await changedRows(db, 'connections', 'external_id', (c) => c.external_id, all);
    if (part.length === 0) continue;
    const res = await db.query<{ external_id: string; inserted: boolean | null; orphan: boolean }>(
      `WITH input AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(
           external_id text, customer_external_id text, router_external_id text, plan_external_id text,
           pppoe_username text, conn_type text, address text, ip_address text, latitude float8, longitude float8, raw jsonb, row_hash text)
       ),
       resolved AS (
         SELECT i.*, c.id AS customer_id, r.id AS router_id, p.id AS plan_id
         FROM input i
         LEFT JOIN customers c ON c.external_id = i.customer_external_id
         LEFT JOIN routers r ON r.external_id = i.router_external_id
         LEFT JOIN plans p ON p.external_id = i.plan_external_id
       ),
       written AS (
         INSERT INTO connections AS t (external_id, customer_id, router_id, plan_id, pppoe_username, conn_type, address,
                                       ip_address, latitude, longitude, raw, row_hash, updated_at)
         SELECT external_id, customer_id, router_id, plan_id, pppoe_username, conn_type, address, ip_address, latitude, longitude, raw, row_hash, now()
         FROM resolved WHERE customer_id IS NOT NULL
         ON CONFLICT (external_id) DO UPDATE SET
           customer_id = EXCLUDED.customer_id, router_id = EXCLUDED.router_id, plan_id = EXCLUDED.plan_id,
           pppoe_username = EXCLUDED.pppoe_username, conn_type = EXCLUDED.conn_type, address = EXCLUDED.address,
           ip_address = EXCLUDED.ip_address, latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude,
           raw = EXCLUDED.raw, row_hash = EXCLUDED.row_hash, gone_at = NULL, updated_at = now()
         WHERE (t.customer_id, t.router_id, t.plan_id, t.pppoe_username, t.conn_type, t.address, t.ip_address, t.latitude, t.longitude, t.raw, t.row_hash)
               IS DISTINCT FROM
               (EXCLUDED.customer_id, EXCLUDED.router_id, EXCLUDED.plan_id, EXCLUDED.pppoe_username, EXCLUDED.conn_type,
                EXCLUDED.address, EXCLUDED.ip_address, EXCLUDED.latitude, EXCLUDED.longitude, EXCLUDED.raw, EXCLUDED.row_hash)
            OR t.gone_at IS NOT NULL
         RETURNING t.external_id, (xmax = 0) AS inserted
       )
       SELECT external_id, inserted, false AS orphan FROM written
       UNION ALL
       SELECT external_id, NULL, true FROM resolved WHERE customer_id IS NULL`,
      [JSON.stringify(part)],
    );
    for (const row of res.rows) {
      if (row.orphan) orphans.push(row.external_id);
      else if (row.inserted) inserted++;
      else updated++;
    }
  }
  const kept = rows.filter((r) => !orphans.includes(r.external_id)).map((r) => r.external_id);
  const removed = complete ? await markGone(db, 'connections', 'external_id', kept) : 0;
  return { ...counts(rows.length - orphans.length, inserted, updated, removed), orphans };
}

// ── Mapping versions (see mappingVersion): payloads that exercise every field and quirk ──

export const CUSTOMER_FIXTURES: unknown[] = [
  {
    id: 1008,
    code: '10007',
    name: ' Carnicería San Cayetano ',
    doc_number: '30-58551226-1',
    type: 'empresa',
    address: 'Dr. Ñañez 104',
    city: { id: 679, name: 'La Falda' },
    lat: '-31.095664',
    lng: '-64.492562',
    status: 'enabled',
    debt: '1500.50',
    speed_limited: 0,
    phones: [{ id: 1, number: '3548 69-8793' }, { phone: '3548698793' }, '351 555 1234', '12'],
    contact_emails: [{ email: 'A@Example.com' }, 'a@example.com'],
    connections: [{ id: 5008, user: 'carniceria10007', password: 'secret-pass', token: 'Bearer abc' }],
  },
  {
    id: ' 77 ',
    name: 4521,
    doc_number: 23456789,
    city: 'Cosquín',
    lat: 'n/a',
    lng: '',
    status: 'Bloqueado',
    debt: null,
    speed_limited: 'true',
    phones: 'not a list',
    contact_emails: [{ email: '' }, 42],
  },
  { id: 9, name: 'Sin Servicio', status: 'sin servicio', doc_number: '123', speed_limited: 'yes', city: ['x'] },
  { id: 10, name: 'Nadie', status: 'habilitado', doc_number: '20123456789', debt: 'abc', type: { x: 1 } },
  { id: 11, name: '' },
  { name: 'no id' },
];

export const CONNECTION_FIXTURES: unknown[] = [
  {
    id: 5008,
    customer_id: 1008,
    node_id: 3,
    plan_id: '4',
    user: ' carniceria10007 ',
    password: '0095e15f6f',
    address: 'Dr. Ñañez 104',
    conntype: 'pppoe',
    ip: '100.64.1.20',
    lat: '-31.095664',
    lng: -64.49,
    api_key: 'k',
  },
  { id: '5009', customer_id: '1009', node_id: { bad: true }, plan_id: null, user: 12345, ip: '', lat: 'x' },
  { id: 5010 },
  { customer_id: 1 },
];

/** Versions of the customer and connection mappings; part of each row's payload hash. */
export const CUSTOMER_MAPPING = mappingVersion('ispcube.customer', CUSTOMER_FIXTURES, customerOf);
export const CONNECTION_MAPPING = mappingVersion('ispcube.connection', CONNECTION_FIXTURES, connectionOf);
