/**
 * Applying vendor snapshots to the mirror: idempotent upserts keyed on external ids,
 * rows that vanished from a complete snapshot marked `gone_at` (never deleted), and
 * counts for the sync run. Callers run each call inside a transaction.
 */
import type {
  ConnectionRow,
  CustomerRow,
  OltRow,
  OnuRow,
  OnuSignalReading,
  OnuStatusReading,
  PlanRow,
  RouterRow,
  SecretRow,
  SessionRow,
} from './map.ts';
import { changedRows, chunk, rowHash, upsert, type Queryable } from './sql.ts';

export interface ApplyCounts {
  seen: number;
  inserted: number;
  updated: number;
  unchanged: number;
  removed: number;
}

export function emptyCounts(): ApplyCounts {
  return { seen: 0, inserted: 0, updated: 0, unchanged: 0, removed: 0 };
}

export function addCounts(a: ApplyCounts, b: ApplyCounts): ApplyCounts {
  return {
    seen: a.seen + b.seen,
    inserted: a.inserted + b.inserted,
    updated: a.updated + b.updated,
    unchanged: a.unchanged + b.unchanged,
    removed: a.removed + b.removed,
  };
}

function counts(seen: number, inserted: number, updated: number, removed = 0): ApplyCounts {
  return { seen, inserted, updated, unchanged: Math.max(0, seen - inserted - updated), removed };
}

/** Mark rows absent from a complete snapshot as gone. `scope` narrows it (e.g. one router). */
export async function markGone(
  db: Queryable,
  table: string,
  keyColumn: string,
  keys: readonly string[],
  scope?: { column: string; value: number },
): Promise<number> {
  const params: unknown[] = [keys];
  let where = `gone_at IS NULL AND ${keyColumn} NOT IN (SELECT unnest($1::text[]))`;
  if (scope) {
    params.push(scope.value);
    where += ` AND ${scope.column} = $2`;
  }
  const res = await db.query(`UPDATE ${table} SET gone_at = now(), updated_at = now() WHERE ${where}`, params);
  return res.rowCount ?? 0;
}

// ───────────────────────────── ISPCube ─────────────────────────────

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
  const removed = complete ? await markGone(db, 'plans', 'external_id', rows.map((p) => p.external_id)) : 0;
  return counts(rows.length, r.inserted, r.updated, removed);
}

export async function applyRouters(db: Queryable, rows: RouterRow[], complete: boolean): Promise<ApplyCounts> {
  const r = await upsert(
    db,
    {
      table: 'routers',
      columns: { external_id: 'text', name: 'text', host: 'text', api_port: 'int', raw: 'jsonb' },
      conflict: ['external_id'],
      gone: true,
      insertExtra: { updated_at: 'now()' },
    },
    rows as unknown as Record<string, unknown>[],
  );
  const removed = complete ? await markGone(db, 'routers', 'external_id', rows.map((p) => p.external_id)) : 0;
  return counts(rows.length, r.inserted, r.updated, removed);
}

export async function applyCustomers(db: Queryable, rows: CustomerRow[], complete: boolean): Promise<ApplyCounts> {
  let inserted = 0;
  let updated = 0;
  // The hash covers phones and e-mails: a phone can change without the rest of the row.
  const hashed = rows.map((r) => ({ ...r, row_hash: rowHash(r) }));
  for (const part of chunk(hashed, 2000)) {
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
    const phones = written.flatMap((c) => c.phones.map((p, position) => ({ customer_id: idOf.get(c.external_id), position, number: p.number, digits: p.digits })));
    const emails = written.flatMap((c) => c.emails.map((email, position) => ({ customer_id: idOf.get(c.external_id), position, email })));
    await replaceChildren(db, 'customer_phones', { number: 'text', digits: 'text' }, customerIds, phones);
    await replaceChildren(db, 'customer_emails', { email: 'text' }, customerIds, emails);
  }
  const removed = complete ? await markGone(db, 'customers', 'external_id', rows.map((c) => c.external_id)) : 0;
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
  const hashed = rows.map((r) => ({ ...r, row_hash: rowHash(r) }));
  for (const all of chunk(hashed, 2000)) {
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

// ───────────────────────────── RouterOS ─────────────────────────────

/**
 * A `/ppp/secret` snapshot of one router. The connection link is resolved in the same
 * statement (same rule as link.ts: prefer the connection on this router).
 */
export async function applySecrets(db: Queryable, routerId: number, rows: SecretRow[], complete: boolean): Promise<ApplyCounts> {
  let inserted = 0;
  let updated = 0;
  const hashed = rows.map((r) => ({ ...r, row_hash: rowHash(r) }));
  for (const all of chunk(hashed, 2000)) {
    const part = await changedRows(db, 'ppp_secrets', 'name', (x) => x.name, all, { column: 'router_id', value: routerId });
    if (part.length === 0) continue;
    const res = await db.query<{ inserted: boolean }>(
      `INSERT INTO ppp_secrets AS t (router_id, name, profile, service, remote_address, disabled, comment, last_logged_out,
                                     last_caller_id, last_disconnect_reason, raw, row_hash, connection_id, updated_at)
       SELECT $2, x.name, x.profile, x.service, x.remote_address, x.disabled, x.comment, x.last_logged_out, x.last_caller_id,
              x.last_disconnect_reason, x.raw, x.row_hash,
              (SELECT c.id FROM connections c WHERE c.username_key = lower(btrim(x.name)) AND c.gone_at IS NULL
                ORDER BY (c.router_id = $2) DESC NULLS LAST, c.id LIMIT 1),
              now()
       FROM jsonb_to_recordset($1::jsonb) AS x(name text, profile text, service text, remote_address text, disabled boolean,
            comment text, last_logged_out timestamptz, last_caller_id text, last_disconnect_reason text, raw jsonb, row_hash text)
       ON CONFLICT (router_id, name) DO UPDATE SET
         profile = EXCLUDED.profile, service = EXCLUDED.service, remote_address = EXCLUDED.remote_address,
         disabled = EXCLUDED.disabled, comment = EXCLUDED.comment, last_logged_out = EXCLUDED.last_logged_out,
         last_caller_id = EXCLUDED.last_caller_id, last_disconnect_reason = EXCLUDED.last_disconnect_reason,
         raw = EXCLUDED.raw, row_hash = EXCLUDED.row_hash, connection_id = EXCLUDED.connection_id, gone_at = NULL, updated_at = now()
       WHERE (t.profile, t.service, t.remote_address, t.disabled, t.comment, t.last_logged_out, t.last_caller_id,
              t.last_disconnect_reason, t.raw, t.row_hash, t.connection_id)
             IS DISTINCT FROM
             (EXCLUDED.profile, EXCLUDED.service, EXCLUDED.remote_address, EXCLUDED.disabled, EXCLUDED.comment,
              EXCLUDED.last_logged_out, EXCLUDED.last_caller_id, EXCLUDED.last_disconnect_reason, EXCLUDED.raw, EXCLUDED.row_hash, EXCLUDED.connection_id)
          OR t.gone_at IS NOT NULL
       RETURNING (xmax = 0) AS inserted`,
      [JSON.stringify(part), routerId],
    );
    for (const row of res.rows) {
      if (row.inserted) inserted++;
      else updated++;
    }
  }
  const removed = complete
    ? await markGone(db, 'ppp_secrets', 'name', rows.map((s) => s.name), { column: 'router_id', value: routerId })
    : 0;
  return counts(rows.length, inserted, updated, removed);
}

export interface SessionChange {
  kind: 'started' | 'ended';
  routerId: number;
  name: string;
  sessionKey: string;
  connectionId: number | null;
}

export interface SessionApplyResult extends ApplyCounts {
  changes: SessionChange[];
}

/**
 * Reconcile live sessions of one router. With `complete` (a full `/ppp/active` print),
 * sessions missing from the snapshot ended: they move to the history table.
 */
export async function applySessions(
  db: Queryable,
  routerId: number,
  rows: SessionRow[],
  observedAt: Date,
  complete: boolean,
): Promise<SessionApplyResult> {
  const changes: SessionChange[] = [];
  let inserted = 0;
  let updated = 0;
  for (const part of chunk(rows, 2000)) {
    const res = await db.query<{ session_key: string; name: string; connection_id: number | null; inserted: boolean }>(
      `INSERT INTO ppp_sessions AS t (router_id, session_key, name, address, caller_id, service, started_at, observed_at, raw, connection_id)
       SELECT $2, x.session_key, x.name, x.address, x.caller_id, x.service, x.started_at, $3, x.raw,
              (SELECT s.connection_id FROM ppp_secrets s WHERE s.router_id = $2 AND s.name = x.name)
       FROM jsonb_to_recordset($1::jsonb) AS x(session_key text, name text, address text, caller_id text, service text, started_at timestamptz, raw jsonb)
       ON CONFLICT (router_id, session_key) DO UPDATE SET
         name = EXCLUDED.name, address = EXCLUDED.address, caller_id = EXCLUDED.caller_id, service = EXCLUDED.service,
         raw = EXCLUDED.raw, observed_at = EXCLUDED.observed_at
       WHERE (t.name, t.address, t.caller_id, t.service, t.raw) IS DISTINCT FROM
             (EXCLUDED.name, EXCLUDED.address, EXCLUDED.caller_id, EXCLUDED.service, EXCLUDED.raw)
       RETURNING t.session_key, t.name, t.connection_id, (xmax = 0) AS inserted`,
      [JSON.stringify(part), routerId, observedAt],
    );
    for (const row of res.rows) {
      if (row.inserted) {
        inserted++;
        changes.push({ kind: 'started', routerId, name: row.name, sessionKey: row.session_key, connectionId: row.connection_id });
      } else updated++;
    }
  }
  let removed = 0;
  if (complete) {
    const ended = await endSessions(db, routerId, observedAt, { keepKeys: rows.map((r) => r.session_key) });
    removed = ended.length;
    changes.push(...ended);
  }
  return { ...counts(rows.length, inserted, updated, removed), changes };
}

/**
 * Move sessions of a router to history: those not in `keepKeys`, or exactly `keys`.
 * The end time is the secret's `last-logged-out` when it is newer than the start, else `endedAt`.
 */
export async function endSessions(
  db: Queryable,
  routerId: number,
  endedAt: Date,
  select: { keepKeys: string[] } | { keys: string[] },
): Promise<SessionChange[]> {
  const filter = 'keepKeys' in select ? 's.session_key NOT IN (SELECT unnest($3::text[]))' : 's.session_key = ANY($3::text[])';
  const list = 'keepKeys' in select ? select.keepKeys : select.keys;
  const res = await db.query<{ name: string; session_key: string; connection_id: number | null }>(
    `WITH gone AS (
       DELETE FROM ppp_sessions s WHERE s.router_id = $1 AND ${filter}
       RETURNING s.*
     ),
     logged AS (
       INSERT INTO ppp_session_history (router_id, name, connection_id, session_key, address, caller_id, started_at, ended_at,
                                        duration_seconds, disconnect_reason)
       SELECT g.router_id, g.name, g.connection_id, g.session_key, g.address, g.caller_id, g.started_at, e.ended_at,
              GREATEST(0, EXTRACT(EPOCH FROM e.ended_at - g.started_at))::int, sec.last_disconnect_reason
       FROM gone g
       LEFT JOIN ppp_secrets sec ON sec.router_id = g.router_id AND sec.name = g.name
       CROSS JOIN LATERAL (SELECT CASE WHEN sec.last_logged_out > g.started_at AND sec.last_logged_out <= $2
                                       THEN sec.last_logged_out ELSE $2::timestamptz END AS ended_at) e
       RETURNING 1
     )
     SELECT name, session_key, connection_id FROM gone`,
    [routerId, endedAt, list],
  );
  return res.rows.map((r) => ({ kind: 'ended' as const, routerId, name: r.name, sessionKey: r.session_key, connectionId: r.connection_id }));
}

// ───────────────────────────── SmartOLT ─────────────────────────────

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
  const removed = complete ? await markGone(db, 'olts', 'external_id', rows.map((o) => o.external_id)) : 0;
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
    ? await markGone(db, 'onus', 'serial', unique.map((o) => o.serial), { column: 'olt_id', value: oltId })
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
