import { chunk, type Queryable } from '../db/sql.ts';
import { normalizeMac } from '../domain/identifiers.ts';
import { parseRouterosBoolean, parseRouterosDate, parseRouterosDuration } from '../domain/routerosValues.ts';
import { counts, MappingError, markGone, storablePayload, type ApplyCounts } from './common.ts';
import { changedRows, rowHash, sourceVersion } from './upsert.ts';

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
    raw: storablePayload(safe),
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
/** Counters of a session that move while nothing about it changes: never stored, never compared. */
export const VOLATILE_SESSION_FIELDS: ReadonlySet<string> = new Set(['uptime', 'limit-bytes-in', 'limit-bytes-out']);

/**
 * The version of what a `/ppp/active` sweep means to the mirror (its mapping and how it is
 * applied): a router's recorded sweep (sync_pages) is skipped only under the same one.
 */
export const SESSION_SWEEP_VERSION = sourceVersion('routeros.sessions', [
  import.meta.url,
  new URL('./common.ts', import.meta.url),
  new URL('./upsert.ts', import.meta.url),
  new URL('../domain/routerosValues.ts', import.meta.url),
  new URL('../domain/identifiers.ts', import.meta.url),
]);

/** Everything about a live session that applying an unchanged sweep again could change. */
export const SESSION_SWEEP_STATE = 'md5(row(t.name, t.address, t.caller_id, t.service, t.raw)::text)';

export function mapRouterosActive(row: RosRow, observedAt: Date): SessionRow {
  const key = row['.id'];
  const name = row.name?.trim();
  if (!key || !name) throw new MappingError('RouterOS active session: .id or name is missing');
  const uptime = parseRouterosDuration(row.uptime) ?? 0;
  // Volatile counters are not part of the stored payload: an unchanged session writes nothing.
  const stable: RosRow = {};
  for (const [k, v] of Object.entries(row)) if (!VOLATILE_SESSION_FIELDS.has(k)) stable[k] = v;
  return {
    session_key: key,
    name,
    address: row.address || null,
    caller_id: normalizeMac(row['caller-id']) ?? (row['caller-id'] || null),
    service: row.service || null,
    started_at: new Date(observedAt.getTime() - uptime * 1000).toISOString(),
    raw: storablePayload(stable),
  };
}

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
    ? await markGone(
        db,
        'ppp_secrets',
        'name',
        rows.map((s) => s.name),
        { column: 'router_id', value: routerId },
      )
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
       -- Unchanged sessions never reach ON CONFLICT: its WHERE would skip the update but still
       -- lock the row, dirtying its page and writing WAL for every live session on every sweep.
       WHERE NOT EXISTS (
         SELECT 1 FROM ppp_sessions e
          WHERE e.router_id = $2 AND e.session_key = x.session_key
            AND (e.name, e.address, e.caller_id, e.service, e.raw) IS NOT DISTINCT FROM (x.name, x.address, x.caller_id, x.service, x.raw))
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
  return res.rows.map((r) => ({
    kind: 'ended' as const,
    routerId,
    name: r.name,
    sessionKey: r.session_key,
    connectionId: r.connection_id,
  }));
}
