/**
 * Who may see and do what. Roles:
 * - ADMIN: everything.
 * - NOC: all network data (routers, OLTs, ONUs, sessions, customers and connections to
 *   know who is affected), incidents, syncs.
 * - SUPPORT: customers, search, diagnosis, tickets, work orders (create and plan).
 * - TECHNICIAN: their own work orders, and the tickets, connections, customers and
 *   network rows of those work orders.
 * API keys act as their owner's role, limited to their READ/WRITE scopes.
 */
import type { RoleValue } from '../domain/types.ts';
import type { AuthScopes } from './builder.ts';
import type { Context } from './context.ts';

export type ScopeMap = { $all?: ScopeMap; $any?: ScopeMap } & Partial<Record<keyof AuthScopes, boolean>>;

const ROLE_SCOPE: Record<RoleValue, keyof AuthScopes> = {
  ADMIN: 'admin',
  NOC: 'noc',
  SUPPORT: 'support',
  TECHNICIAN: 'technician',
};

function any(roles: RoleValue[]): ScopeMap {
  return Object.fromEntries(roles.map((r) => [ROLE_SCOPE[r], true])) as ScopeMap;
}

/** Read access for these roles (API keys need READ). */
export function readAs(...roles: RoleValue[]): ScopeMap {
  return { $all: { read: true, $any: any(roles) } };
}

/** Write access for these roles (API keys need WRITE). */
export function writeAs(...roles: RoleValue[]): ScopeMap {
  return { $all: { write: true, $any: any(roles) } };
}

export const signedIn: ScopeMap = { authenticated: true };

export const NETWORK_READERS: RoleValue[] = ['ADMIN', 'NOC', 'SUPPORT'];
export const CUSTOMER_READERS: RoleValue[] = ['ADMIN', 'NOC', 'SUPPORT'];
export const TICKET_READERS: RoleValue[] = ['ADMIN', 'SUPPORT'];

export interface TechnicianScope {
  workOrderIds: Set<number>;
  ticketIds: Set<number>;
  connectionIds: Set<number>;
  customerIds: Set<number>;
  onuIds: Set<number>;
}

/** What a technician may see: everything hanging off their work orders (loaded once per request). */
export function technicianScope(ctx: Context): Promise<TechnicianScope> {
  const cache = ctx as Context & { techScope?: Promise<TechnicianScope> };
  cache.techScope ??= (async () => {
    const userId = ctx.actor?.userId ?? -1;
    const res = await ctx.db.pool.query<{
      wo: number;
      ticket: number;
      connection: number | null;
      customer: number | null;
      onu: number | null;
    }>(
      `SELECT w.id AS wo, t.id AS ticket, t.connection_id AS connection, COALESCE(c.customer_id, t.customer_id) AS customer, o.id AS onu
       FROM work_orders w JOIN tickets t ON t.id = w.ticket_id
       LEFT JOIN connections c ON c.id = t.connection_id
       LEFT JOIN onus o ON o.connection_id = t.connection_id
       WHERE w.technician_id = $1`,
      [userId],
    );
    const scope: TechnicianScope = {
      workOrderIds: new Set(),
      ticketIds: new Set(),
      connectionIds: new Set(),
      customerIds: new Set(),
      onuIds: new Set(),
    };
    for (const r of res.rows) {
      scope.workOrderIds.add(r.wo);
      scope.ticketIds.add(r.ticket);
      if (r.connection !== null) scope.connectionIds.add(r.connection);
      if (r.customer !== null) scope.customerIds.add(r.customer);
      if (r.onu !== null) scope.onuIds.add(r.onu);
    }
    return scope;
  })();
  return cache.techScope;
}

/**
 * Marks type scopes that depend on the row only for some callers: for the others it gives
 * the scope map that applies to every row (null when it depends on the row). The compiled
 * read path (compiled/) authorizes a whole query up front with it.
 */
export const ROW_INDEPENDENT = Symbol('rowIndependentScopes');

export type RowScopes<T> = ((row: T, ctx: Context) => Promise<ScopeMap | boolean>) & {
  [ROW_INDEPENDENT]: (ctx: Context) => ScopeMap | null;
};

/**
 * Type-level scopes for rows technicians may see when they hang off their work orders.
 * Other roles: `roles` with READ.
 */
export function rowScopes<T>(roles: RoleValue[], technicianMay: (row: T, scope: TechnicianScope, ctx: Context) => boolean): RowScopes<T> {
  const check = async (row: T, ctx: Context): Promise<ScopeMap | boolean> => {
    if (ctx.actor?.role === 'TECHNICIAN') {
      if (!ctx.actor.scopes.read) return false;
      return technicianMay(row, await technicianScope(ctx), ctx);
    }
    return readAs(...roles);
  };
  return Object.assign(check, { [ROW_INDEPENDENT]: (ctx: Context) => (ctx.actor?.role === 'TECHNICIAN' ? null : readAs(...roles)) });
}

/** Whether `map` (scope-auth's semantics: keys are any-of, `$all`/`$any` nest) holds for `scopes`. */
export function scopeMapHolds(map: ScopeMap, scopes: AuthScopes, mode: 'any' | 'all' = 'any'): boolean | null {
  const results: boolean[] = [];
  for (const [key, value] of Object.entries(map)) {
    if (key === '$all' || key === '$any') {
      const nested = scopeMapHolds(value as ScopeMap, scopes, key === '$all' ? 'all' : 'any');
      if (nested === null) return null;
      results.push(nested);
    } else if (value === true && key in scopes) {
      results.push(scopes[key as keyof AuthScopes]);
    } else {
      return null; // parameters or unknown scopes: only scope-auth itself can decide
    }
  }
  return mode === 'all' ? results.every(Boolean) : results.some(Boolean);
}
