import type { Queryable } from '../db/sql.ts';
/**
 * Joins across vendors on the PPPoE username: secret → connection, session → connection,
 * ONU → connection. Secrets prefer the connection whose ISPCube node is the secret's
 * router, then a unique username match anywhere (ISPCube sometimes still points to an old
 * node). ONU names are matched trimmed and case-insensitively; an ONU whose name matches
 * no connection links where a visit installed its serial (stock). Only differences write.
 */

/**
 * The link lock, held until the transaction ends. ISPCube's inventory and the device
 * inventories (a router's secrets, an OLT's ONUs) run side by side, each in one
 * transaction; a connection and the secret that names it can arrive in the same cycle, one
 * in each. A link statement sees only what was committed before it started, so the ISPCube
 * run links under the lock 'exclusive' (after every device transaction holding it has
 * committed), and a device run holds it 'shared' from its first write (so it runs wholly
 * before or wholly after ISPCube's linking): whichever commits second links against the
 * other's rows. Taken before a device's first write, never later: ISPCube's link statements
 * update secrets and ONUs, and a device transaction that held their row locks while waiting
 * for the lock would deadlock with it.
 */
export async function holdLinks(db: Queryable, mode: 'shared' | 'exclusive'): Promise<void> {
  await db.query(
    mode === 'shared'
      ? `SELECT pg_advisory_xact_lock_shared(hashtext('mirror:link'))`
      : `SELECT pg_advisory_xact_lock(hashtext('mirror:link'))`,
  );
}

export interface LinkCounts {
  secrets: number;
  sessions: number;
  onus: number;
}

/**
 * The ONU link statement: every ONU, one OLT's (`$1` the OLT id) or one serial's (`$1`
 * the serial, upper case as the mirror stores it).
 */
function onuLink(by: 'all' | 'olt' | 'serial'): string {
  const where = { all: '', olt: 'WHERE o.olt_id = $1', serial: 'WHERE o.serial = $1' }[by];
  return `WITH best AS (
       SELECT DISTINCT ON (o.id) o.id AS onu_id, coalesce(c.id, si.connection_id) AS connection_id
       FROM onus o
       LEFT JOIN connections c ON c.username_key = o.name_key AND c.gone_at IS NULL
       -- Not named after a customer yet, but a technician installed that serial at a connection.
       LEFT JOIN stock_items si ON si.serial = upper(o.serial) AND si.status = 'INSTALLED'
       ${where}
       ORDER BY o.id, c.id
     )
     UPDATE onus o SET connection_id = b.connection_id
     FROM best b WHERE o.id = b.onu_id AND o.connection_id IS DISTINCT FROM b.connection_id`;
}

/**
 * Relink the ONU with this serial, in the transaction that installed the unit at a
 * connection or took it back: an ONU no customer's name matches links through its install,
 * and nothing else would relink it (ISPCube's run relinks everything only when connections
 * changed; an OLT's sync only when its ONUs did).
 */
export async function relinkOnuSerial(
  tx: { $executeRawUnsafe(sql: string, ...values: unknown[]): Promise<number> },
  serial: string,
): Promise<number> {
  return tx.$executeRawUnsafe(onuLink('serial'), serial.toUpperCase());
}

/**
 * Link everything (no scope), or only what one router's or one OLT's sync can have changed:
 * a router's secrets and sessions, an OLT's ONUs (a per-router job relinking all 90k ONUs
 * made 70 per-target jobs cost ~0.3–0.5 s each for nothing).
 */
export async function linkAll(db: Queryable, scope: { routerId?: number; oltId?: number } = {}): Promise<LinkCounts> {
  const scoped = scope.routerId !== undefined || scope.oltId !== undefined;
  const linkRouter = !scoped || scope.routerId !== undefined;
  const linkOlt = !scoped || scope.oltId !== undefined;
  const none = { rowCount: 0 };
  const secretParams = scope.routerId ? [scope.routerId] : [];
  const secrets = !linkRouter
    ? none
    : await db.query(
        `WITH best AS (
       SELECT DISTINCT ON (s.id) s.id AS secret_id, c.id AS connection_id
       FROM ppp_secrets s
       LEFT JOIN connections c ON c.username_key = lower(btrim(s.name)) AND c.gone_at IS NULL
       ${scope.routerId ? 'WHERE s.router_id = $1' : ''}
       ORDER BY s.id, (c.router_id = s.router_id) DESC NULLS LAST, c.id
     )
     UPDATE ppp_secrets s SET connection_id = b.connection_id
     FROM best b WHERE s.id = b.secret_id AND s.connection_id IS DISTINCT FROM b.connection_id`,
        secretParams,
      );
  const sessions = !linkRouter
    ? none
    : await db.query(
        `UPDATE ppp_sessions p SET connection_id = s.connection_id
     FROM ppp_secrets s
     WHERE s.router_id = p.router_id AND s.name = p.name ${scope.routerId ? 'AND p.router_id = $1' : ''}
       AND p.connection_id IS DISTINCT FROM s.connection_id`,
        secretParams,
      );
  const onus = !linkOlt ? none : scope.oltId !== undefined ? await db.query(onuLink('olt'), [scope.oltId]) : await db.query(onuLink('all'));
  return { secrets: secrets.rowCount ?? 0, sessions: sessions.rowCount ?? 0, onus: onus.rowCount ?? 0 };
}
