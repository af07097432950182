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

type ScopeMap = { $all?: ScopeMap; $any?: ScopeMap } & Partial<Record<keyof AuthScopes, boolean>>;

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
 * Type-level scopes for rows technicians may see when they hang off their work orders.
 * Other roles: `roles` with READ.
 */
export function rowScopes<T>(
  roles: RoleValue[],
  technicianMay: (row: T, scope: TechnicianScope, ctx: Context) => boolean,
): (row: T, ctx: Context) => Promise<ScopeMap | boolean> {
  return async (row, ctx) => {
    if (ctx.actor?.role === 'TECHNICIAN') {
      if (!ctx.actor.scopes.read) return false;
      return technicianMay(row, await technicianScope(ctx), ctx);
    }
    return readAs(...roles);
  };
}
