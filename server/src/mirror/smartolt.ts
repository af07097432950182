/** SmartOLT → mirror: OLTs, PON ports and ONUs, status and signal readings with their history. */
import { z } from 'zod';
import { chunk, type Queryable } from '../db/sql.ts';
import { parseDbm, parseOnuStatus, parseSignalCategory, parseSmartoltTime } from '../domain/smartoltValues.ts';
import type { OnuStatusValue, SignalCategoryValue } from '../domain/types.ts';
import { counts, idLike, optionalNumber, optionalText, parse, markGone, storablePayload, type ApplyCounts } from './common.ts';
import { changedRows, rowHash, sourceVersion, upsert } from './upsert.ts';

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
  return { external_id: o.id, name: o.name, hardware: o.olt_hardware_version, ip: o.ip, raw: storablePayload(payload) };
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

/**
 * The version of what an ONU inventory page means to the mirror (its mapping, row hash and
 * readings): an OLT's recorded inventory (sync_pages) is skipped only under the same one.
 */
export const ONU_INVENTORY_VERSION = sourceVersion('smartolt.onus', [
  import.meta.url,
  new URL('./common.ts', import.meta.url),
  new URL('./upsert.ts', import.meta.url),
  new URL('../domain/smartoltValues.ts', import.meta.url),
]);

/**
 * Everything about an ONU that re-reading an unchanged inventory page could change: its
 * inventory (row hash) and its status and signal (which that page's readings would set).
 */
export const ONU_INVENTORY_STATE = 'md5(row(t.row_hash, t.status, t.signal_category, t.rx_power, t.olt_rx_power)::text)';

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
      raw: storablePayload(raw),
    },
    status: o.status
      ? { serial, status: parseOnuStatus(o.status), changed_at: parseSmartoltTime(o.last_status_change)?.toISOString() ?? null }
      : null,
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

export async function applyOlts(db: Queryable, rows: OltRow[], complete: boolean): Promise<ApplyCounts> {
  const r = await upsert(
    db,
    {
      table: 'olts',
      columns: { external_id: 'text', name: 'text', hardware: 'text', ip: 'text', raw: 'jsonb' },
      conflict: ['external_id'],
      gone: true,
      insertExtra: { updated_at: 'now()' },
    },
    rows as unknown as Record<string, unknown>[],
  );
  const removed = complete
    ? await markGone(
        db,
        'olts',
        'external_id',
        rows.map((o) => o.external_id),
      )
    : 0;
  return counts(rows.length, r.inserted, r.updated, removed);
}

export interface OnuInventoryRow extends OnuRow {
  /** First status/signal, written only when the ONU is new; later changes go through applyOnuStatuses/Signals. */
  initialStatus?: OnuStatusReading | null;
  initialSignal?: OnuSignalReading | null;
}

/**
 * ONU inventory of one OLT (`get_all_onus_details` for that OLT). Creates PON ports as
 * needed. Serial is the key: SmartOLT's `unique_external_id` can repeat. A new ONU gets
 * its first status and signal in the same write, and its connection link.
 */
export async function applyOnus(
  db: Queryable,
  oltId: number,
  rows: OnuInventoryRow[],
  complete: boolean,
  observedAt: Date = new Date(),
): Promise<ApplyCounts> {
  // Duplicate serials within one snapshot: keep the last (SmartOLT lists a moved ONU twice briefly).
  const bySerial = new Map(rows.map((r) => [r.serial, r]));
  const unique = [...bySerial.values()];
  const ports = [...new Set(unique.filter((r) => r.board !== null && r.port !== null).map((r) => `${r.board}/${r.port}`))];
  if (ports.length) {
    await db.query(
      `INSERT INTO pon_ports (olt_id, board, port)
       SELECT $1, split_part(p, '/', 1)::int, split_part(p, '/', 2)::int FROM unnest($2::text[]) AS p
       ON CONFLICT (olt_id, board, port) DO NOTHING`,
      [oltId, ports],
    );
  }
  let inserted = 0;
  let updated = 0;
  // The hash covers the inventory only: status and signal are applied as readings.
  const hashed = unique.map((r) => {
    const { initialStatus: _s, initialSignal: _g, ...inventory } = r;
    return { ...r, row_hash: rowHash(inventory) };
  });
  for (const all of chunk(hashed, 2000)) {
    const part = await changedRows(db, 'onus', 'serial', (o) => o.serial, all, { column: 'olt_id', value: oltId });
    if (part.length === 0) continue;
    const payload = part.map(({ initialStatus, initialSignal, ...onu }) => ({
      ...onu,
      status: initialStatus?.status ?? 'UNKNOWN',
      status_changed_at: initialStatus?.changed_at ?? null,
      signal_category: initialSignal?.category ?? 'UNKNOWN',
      rx_power: initialSignal?.rx_power ?? null,
      olt_rx_power: initialSignal?.olt_rx_power ?? null,
    }));
    const res = await db.query<{ inserted: boolean }>(
      `WITH input AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(serial text, external_id text, board int, port int, onu_index int,
           onu_type text, name text, mode text, vlan text, zone text, raw jsonb, row_hash text, status "OnuStatus", status_changed_at timestamptz,
           signal_category "SignalCategory", rx_power float8, olt_rx_power float8)
       ),
       written AS (
         INSERT INTO onus AS t (serial, external_id, olt_id, pon_port_id, onu_index, onu_type, name, mode, vlan, zone, raw, row_hash,
                                status, status_changed_at, status_observed_at, signal_category, rx_power, olt_rx_power,
                                signal_observed_at, connection_id, updated_at)
         SELECT i.serial, i.external_id, $2, pp.id, i.onu_index, i.onu_type, i.name, i.mode, i.vlan, i.zone, i.raw, i.row_hash,
                i.status, LEAST(COALESCE(i.status_changed_at, $3), $3), $3, i.signal_category, i.rx_power, i.olt_rx_power,
                CASE WHEN i.rx_power IS NULL THEN NULL ELSE $3::timestamptz END,
                (SELECT c.id FROM connections c WHERE c.username_key = nullif(lower(btrim(i.name)), '') AND c.gone_at IS NULL
                  ORDER BY c.id LIMIT 1),
                now()
         FROM input i LEFT JOIN pon_ports pp ON pp.olt_id = $2 AND pp.board = i.board AND pp.port = i.port
         ON CONFLICT (serial) DO UPDATE SET
           external_id = EXCLUDED.external_id, olt_id = EXCLUDED.olt_id, pon_port_id = EXCLUDED.pon_port_id,
           onu_index = EXCLUDED.onu_index, onu_type = EXCLUDED.onu_type, name = EXCLUDED.name, mode = EXCLUDED.mode,
           vlan = EXCLUDED.vlan, zone = EXCLUDED.zone, raw = EXCLUDED.raw, row_hash = EXCLUDED.row_hash, connection_id = EXCLUDED.connection_id,
           gone_at = NULL, updated_at = now()
         WHERE (t.external_id, t.olt_id, t.pon_port_id, t.onu_index, t.onu_type, t.name, t.mode, t.vlan, t.zone, t.raw, t.row_hash, t.connection_id)
               IS DISTINCT FROM (EXCLUDED.external_id, EXCLUDED.olt_id, EXCLUDED.pon_port_id, EXCLUDED.onu_index,
               EXCLUDED.onu_type, EXCLUDED.name, EXCLUDED.mode, EXCLUDED.vlan, EXCLUDED.zone, EXCLUDED.raw, EXCLUDED.row_hash, EXCLUDED.connection_id)
            OR t.gone_at IS NOT NULL
         RETURNING t.id, t.signal_category, t.rx_power, t.olt_rx_power, (xmax = 0) AS inserted
       ),
       first_sample AS (
         INSERT INTO onu_signal_samples (onu_id, category, rx_power, olt_rx_power, observed_at, source)
         SELECT id, signal_category, rx_power, olt_rx_power, $3, 'SMARTOLT' FROM written WHERE inserted AND rx_power IS NOT NULL
         RETURNING 1
       )
       SELECT inserted FROM written`,
      [JSON.stringify(payload), oltId, observedAt],
    );
    for (const row of res.rows) {
      if (row.inserted) inserted++;
      else updated++;
    }
  }
  const removed = complete
    ? await markGone(
        db,
        'onus',
        'serial',
        unique.map((o) => o.serial),
        { column: 'olt_id', value: oltId },
      )
    : 0;
  return counts(unique.length, inserted, updated, removed);
}

export interface OnuStatusChange {
  onuId: number;
  serial: string;
  status: string;
  previousStatus: string | null;
  changedAt: string;
  ponPortId: number | null;
  oltId: number;
  connectionId: number | null;
}

/**
 * Apply ONU status readings. Only real changes write: the ONU row and one
 * onu_status_events row each. Identical consecutive readings write nothing. The first
 * reading of a new ONU (from UNKNOWN) sets its state without an event: it is not a change
 * anyone observed, and `status_changed_at` already says since when.
 */
export async function applyOnuStatuses(db: Queryable, readings: OnuStatusReading[], observedAt: Date): Promise<OnuStatusChange[]> {
  const changes: OnuStatusChange[] = [];
  for (const part of chunk(readings, 5000)) {
    const res = await db.query<OnuStatusChange>(
      `WITH input AS (
         SELECT DISTINCT ON (serial) * FROM jsonb_to_recordset($1::jsonb) AS x(serial text, status "OnuStatus", changed_at timestamptz)
       ),
       changed AS (
         UPDATE onus o SET status = i.status,
                           status_changed_at = LEAST(COALESCE(i.changed_at, $2), $2),
                           status_observed_at = $2
         FROM input i, onus prev
         WHERE o.serial = i.serial AND prev.id = o.id AND o.status IS DISTINCT FROM i.status
         RETURNING o.id, o.serial, o.status, prev.status AS previous_status, o.status_changed_at, o.pon_port_id, o.olt_id, o.connection_id
       ),
       logged AS (
         INSERT INTO onu_status_events (onu_id, status, previous_status, changed_at, observed_at, source)
         SELECT id, status, previous_status, status_changed_at, $2, 'SMARTOLT' FROM changed
         WHERE previous_status <> 'UNKNOWN'
         RETURNING 1
       )
       SELECT id AS "onuId", serial, status::text, previous_status::text AS "previousStatus",
              status_changed_at AS "changedAt", pon_port_id AS "ponPortId", olt_id AS "oltId", connection_id AS "connectionId"
       FROM changed WHERE previous_status <> 'UNKNOWN'`,
      [JSON.stringify(part), observedAt],
    );
    changes.push(...res.rows);
  }
  return changes;
}

export interface OnuSignalChange {
  onuId: number;
  category: string;
  rxPower: number | null;
}

/** Minimum change in dBm worth a new signal sample (SmartOLT readings jitter by ~0.1 dB). */
export const SIGNAL_SAMPLE_DELTA_DB = 0.3;

/**
 * Apply signal readings. A reading writes when the category changes or the power moves
 * by at least SIGNAL_SAMPLE_DELTA_DB. An unmeasurable reading (offline ONU) keeps the last value.
 */
export async function applyOnuSignals(db: Queryable, readings: OnuSignalReading[], observedAt: Date): Promise<OnuSignalChange[]> {
  const changes: OnuSignalChange[] = [];
  for (const part of chunk(readings, 5000)) {
    const res = await db.query<OnuSignalChange>(
      `WITH input AS (
         SELECT DISTINCT ON (serial) * FROM jsonb_to_recordset($1::jsonb)
           AS x(serial text, category "SignalCategory", rx_power float8, olt_rx_power float8)
         WHERE rx_power IS NOT NULL
       ),
       changed AS (
         UPDATE onus o SET signal_category = i.category, rx_power = i.rx_power, olt_rx_power = i.olt_rx_power, signal_observed_at = $2
         FROM input i
         WHERE o.serial = i.serial
           AND (o.signal_category IS DISTINCT FROM i.category OR o.rx_power IS NULL
                OR abs(o.rx_power - i.rx_power) >= $3 OR abs(COALESCE(o.olt_rx_power, 0) - COALESCE(i.olt_rx_power, 0)) >= $3)
         RETURNING o.id, o.signal_category, o.rx_power, o.olt_rx_power
       ),
       logged AS (
         INSERT INTO onu_signal_samples (onu_id, category, rx_power, olt_rx_power, observed_at, source)
         SELECT id, signal_category, rx_power, olt_rx_power, $2, 'SMARTOLT' FROM changed
         RETURNING 1
       )
       SELECT id AS "onuId", signal_category::text AS category, rx_power AS "rxPower" FROM changed`,
      [JSON.stringify(part), observedAt, SIGNAL_SAMPLE_DELTA_DB],
    );
    changes.push(...res.rows);
  }
  return changes;
}
