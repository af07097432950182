/**
 * What the compiled read path (compile.ts) knows beyond the schema itself: the root fields it
 * answers and how each relation joins, as SQL. Everything else (columns, resolvers, scalars,
 * authorization) is read from the Pothos schema and Prisma's data model, so a field added to
 * a type is compiled, or falls back to the regular executor, without a change here.
 *
 * Each entry mirrors the Prisma query of the field it names (schema/<aggregate>.ts); the
 * differential tests (compiled.db.test.ts) run both on the same data and compare the answers.
 */
import { idOf, optionalIdOf } from '../ids.ts';

/** How a field reaches the rows of `model` from its parent row (aliases: child `c`, parent `p`). */
export interface Relation {
  model: string;
  shape: 'one' | 'list' | 'connection';
  on: (c: string, p: string) => string;
  where?: (c: string) => string;
  orderBy?: (c: string, p: string) => string;
}

const fk =
  (column: string) =>
  (c: string, p: string): string =>
    `${c}.id = ${p}.${column}`;
const back =
  (column: string) =>
  (c: string, p: string): string =>
    `${c}.${column} = ${p}.id`;
const notGone = (c: string): string => `${c}.gone_at IS NULL`;
/** Tickets newest first (customer.ts and connection.ts `tickets`). */
const ticketsBy = (column: string): Relation => ({
  model: 'Ticket',
  shape: 'connection',
  on: back(column),
  orderBy: (c) => `${c}.created_at DESC, ${c}.id DESC`,
});

export const RELATIONS: Record<string, Relation> = {
  'Customer.phones': { model: 'CustomerPhone', shape: 'list', on: back('customer_id'), orderBy: (c) => `${c}.position ASC` },
  'Customer.emails': { model: 'CustomerEmail', shape: 'list', on: back('customer_id'), orderBy: (c) => `${c}.position ASC` },
  'Customer.connections': {
    model: 'Connection',
    shape: 'list',
    on: back('customer_id'),
    where: notGone,
    orderBy: (c) => `${c}.id ASC`,
  },
  'Customer.tickets': ticketsBy('customer_id'),
  'Connection.customer': { model: 'Customer', shape: 'one', on: fk('customer_id') },
  'Connection.plan': { model: 'Plan', shape: 'one', on: fk('plan_id') },
  'Connection.router': { model: 'Router', shape: 'one', on: fk('router_id') },
  // The secret on the connection's own router first, else any (connection.ts `pppSecret`).
  'Connection.pppSecret': {
    model: 'PppSecret',
    shape: 'one',
    on: back('connection_id'),
    where: notGone,
    orderBy: (c, p) => `COALESCE(${c}.router_id = ${p}.router_id, false) DESC, ${c}.id ASC`,
  },
  'Connection.session': { model: 'PppSession', shape: 'one', on: back('connection_id'), orderBy: (c) => `${c}.started_at DESC` },
  'Connection.onu': { model: 'Onu', shape: 'one', on: back('connection_id'), where: notGone, orderBy: (c) => `${c}.id ASC` },
  'Connection.tickets': ticketsBy('connection_id'),
  'Onu.olt': { model: 'Olt', shape: 'one', on: fk('olt_id') },
  'Onu.ponPort': { model: 'PonPort', shape: 'one', on: fk('pon_port_id') },
  'Onu.connection': { model: 'Connection', shape: 'one', on: fk('connection_id') },
  'PonPort.olt': { model: 'Olt', shape: 'one', on: fk('olt_id') },
  'PppSecret.router': { model: 'Router', shape: 'one', on: fk('router_id') },
  'PppSecret.connection': { model: 'Connection', shape: 'one', on: fk('connection_id') },
  'PppSession.router': { model: 'Router', shape: 'one', on: fk('router_id') },
  'PppSession.connection': { model: 'Connection', shape: 'one', on: fk('connection_id') },
  'Ticket.customer': { model: 'Customer', shape: 'one', on: fk('customer_id') },
  'Ticket.connection': { model: 'Connection', shape: 'one', on: fk('connection_id') },
};

/** SQL conditions with their parameters; `$` numbers them. */
export interface Condition {
  sql: string;
  params: unknown[];
}

/** A root field the compiled path answers: its rows' conditions from the field's arguments. */
export interface Root {
  model: string;
  shape: 'one' | 'connection';
  /**
   * Conditions for these arguments (row alias `c`), or null when this use of the field is
   * not compiled. Throws on bad input: the regular executor then reports it as it always does.
   */
  where: (args: Record<string, unknown>, c: string, param: (value: unknown) => string) => string | null;
  /** Connections: the ORDER BY for these arguments, or null when not compiled. */
  orderBy?: (args: Record<string, unknown>, c: string) => string | null;
  /** Arguments it understands (any other one, when given, sends the query to the regular executor). */
  args: string[];
}

const byId =
  (model: string): Root['where'] =>
  (args, c, param) =>
    `${c}.id = ${param(idOf(String(args.id), model, 'id'))}`;

interface OnuFilterArg {
  oltId?: string | null;
  ponPortId?: string | null;
  status?: string[] | null;
  [other: string]: unknown;
}

const ONU_ORDER: Record<string, (c: string, dir: 'ASC' | 'DESC') => string> = {
  SERIAL: (c, d) => `${c}.serial ${d}, ${c}.id ASC`,
  PON_POSITION: (c, d) => `${c}.olt_id ${d}, ${c}.pon_port_id ${d}, ${c}.onu_index ${d}, ${c}.id ASC`,
};

export const ROOTS: Record<string, Root> = {
  customer: { model: 'Customer', shape: 'one', where: byId('Customer'), args: ['id'] },
  connection: { model: 'Connection', shape: 'one', where: byId('Connection'), args: ['id'] },
  onu: { model: 'Onu', shape: 'one', where: byId('Onu'), args: ['id'] },
  // onu.ts `onus` with `onuWhere`/`onuOrderBy`: the filters and orders the monitor uses.
  onus: {
    model: 'Onu',
    shape: 'connection',
    args: ['first', 'filter', 'orderBy'],
    where: (args, c, param) => {
      const f = (args.filter ?? {}) as OnuFilterArg;
      for (const [key, value] of Object.entries(f)) {
        if (value !== null && value !== undefined && !['oltId', 'ponPortId', 'status'].includes(key)) return null;
      }
      const parts = [`${c}.gone_at IS NULL`];
      const olt = optionalIdOf(f.oltId, 'Olt', 'filter.oltId');
      if (olt !== null) parts.push(`${c}.olt_id = ${param(olt)}`);
      const port = optionalIdOf(f.ponPortId, 'PonPort', 'filter.ponPortId');
      if (port !== null) parts.push(`${c}.pon_port_id = ${param(port)}`);
      if (f.status?.length) parts.push(`${c}.status::text = ANY(${param(f.status)}::text[])`);
      return parts.join(' AND ');
    },
    orderBy: (args, c) => {
      const order = args.orderBy as { field: string; direction?: string | null } | null | undefined;
      const build = ONU_ORDER[order?.field ?? 'SERIAL'];
      return build ? build(c, order?.direction === 'DESC' ? 'DESC' : 'ASC') : null;
    },
  },
};
