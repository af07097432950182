/** The Pothos builder: plugins, scalars, auth scopes and limits. Types live in schema/<aggregate>.ts. */
import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import type PrismaTypes from '../generated/pothos-prisma-types.ts';
import { getDatamodel } from '../generated/pothos-prisma-types.ts';
import type { Context } from './context.ts';
import { isoString } from '../domain/isoString.ts';

/**
 * Field extension for an object-valued field with a `select`: the columns each of its
 * sub-fields reads. The compiled read path (compiled/) then loads only those for the
 * sub-fields asked for (a sub-field not listed needs the whole select) and calls the
 * resolver with a row holding only them: what it makes of a missing column lands in a
 * sub-field nobody asked for. compiled.db.test.ts checks every listed sub-field alone.
 */
export type SelectFor<T> = { readonly selectFor: Record<keyof T & string, readonly string[]> };

export interface AuthScopes {
  /** A valid session or API key. */
  authenticated: boolean;
  /** Sessions always; API keys with the READ scope. */
  read: boolean;
  /** Sessions always; API keys with the WRITE scope. */
  write: boolean;
  admin: boolean;
  noc: boolean;
  support: boolean;
  technician: boolean;
}

/** Largest page a list returns (`first`/`last` above it are refused). */
export const MAX_PAGE_SIZE = 100;
export const LIMITS = { complexity: 5000, depth: 12, breadth: 300 } as const;

const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An instant in time, ISO 8601 with time zone (e.g. 2026-11-27T13:42:00.000Z).',
  serialize(value) {
    const ms = value instanceof Date ? value.getTime() : new Date(String(value)).getTime();
    if (Number.isNaN(ms)) throw new GraphQLError('DateTime cannot represent an invalid date');
    return isoString(ms);
  },
  parseValue(value) {
    const date = new Date(String(value));
    if (typeof value !== 'string' || Number.isNaN(date.getTime())) throw new GraphQLError('DateTime must be an ISO 8601 string');
    return date;
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be an ISO 8601 string');
    const date = new Date(ast.value);
    if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTime must be an ISO 8601 string');
    return date;
  },
});

const JSONScalar = new GraphQLScalarType<unknown, unknown>({
  name: 'JSON',
  description: 'Arbitrary JSON: vendor payloads and evidence details.',
  serialize: (v) => v,
  parseValue: (v) => v,
  parseLiteral: () => {
    throw new GraphQLError('JSON literals are not accepted; pass JSON as a variable');
  },
});

/** The scopes a caller holds (scope-auth's map; the compiled read path evaluates the same one). */
export function scopesOf(a: Context['actor']): AuthScopes {
  return {
    authenticated: !!a,
    read: !!a && a.scopes.read,
    write: !!a && a.scopes.write,
    admin: a?.role === 'ADMIN',
    noc: a?.role === 'NOC',
    support: a?.role === 'SUPPORT',
    technician: a?.role === 'TECHNICIAN',
  };
}

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  AuthScopes: AuthScopes;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
    ID: { Input: string; Output: string | number | bigint };
  };
}>({
  defaultFieldNullability: false,
  plugins: [ScopeAuthPlugin, ErrorsPlugin, ComplexityPlugin, RelayPlugin, PrismaPlugin],
  scopeAuth: {
    authorizeOnSubscribe: true,
    // A type the caller may not see fails as a whole (one error, the object is null),
    // wherever it appears: root fields, relations, node(id).
    runScopesOnType: true,
    authScopes: (ctx) => scopesOf(ctx.actor),
    unauthorizedError: (_parent, context) =>
      context.actor
        ? new GraphQLError('You are not allowed to do this', { extensions: { code: 'FORBIDDEN' } })
        : new GraphQLError('Sign in first', { extensions: { code: 'UNAUTHENTICATED' } }),
  },
  complexity: {
    // Lists multiply: a connection costs its page size times its selection.
    fieldComplexity: (args, _ctx, field) => {
      const a = args as { first?: number | null; last?: number | null };
      const page = a.first ?? a.last;
      if (typeof page === 'number' && (page > MAX_PAGE_SIZE || page < 0)) {
        throw new GraphQLError(
          `${a.first !== undefined && a.first !== null ? 'first' : 'last'} must be between 0 and ${MAX_PAGE_SIZE} (page through the rest with after/before)`,
          {
            extensions: { code: 'BAD_USER_INPUT', field: field.name },
          },
        );
      }
      if (typeof page === 'number') return { field: 1, multiplier: Math.max(1, Math.min(page, MAX_PAGE_SIZE)) };
      // edges/nodes under a connection are already counted by the page size.
      if (field.name === 'edges' || field.name === 'nodes') return { field: 0, multiplier: 1 };
      const named = String(field.type).replace(/[![\]]/g, '');
      const isList = String(field.type).includes('[');
      return { field: 1, multiplier: isList && !/Edge$|Connection$/.test(named) ? 10 : 1 };
    },
    limit: LIMITS,
    complexityError: (kind, result) =>
      new GraphQLError(
        kind === 'Depth'
          ? `Query is too deep: depth ${result.depth} exceeds ${result.maxDepth}`
          : kind === 'Breadth'
            ? `Query selects too many fields: ${result.breadth} exceeds ${result.maxBreadth}`
            : `Query is too expensive: cost ${result.complexity} exceeds ${result.maxComplexity} (lists multiply by their page size)`,
        { extensions: { code: 'QUERY_TOO_COMPLEX', kind } },
      ),
  },
  relay: {
    // Strict global ids: `Type:<positive integer>` of a known type, or a typed input error
    // (never a database error from an id that does not fit a column).
    decodeGlobalID: (globalID: string) => {
      let typename: string | undefined;
      let id: string | undefined;
      try {
        const text = Buffer.from(globalID, 'base64').toString('utf8');
        [typename, id] = [text.slice(0, text.indexOf(':')), text.slice(text.indexOf(':') + 1)];
      } catch {}
      if (!typename || !id || !/^\d{1,15}$/.test(id) || !Number.isSafeInteger(Number(id))) {
        throw new GraphQLError(`Invalid global ID: ${globalID.slice(0, 60)}`, { extensions: { code: 'BAD_USER_INPUT' } });
      }
      return { typename, id };
    },
    clientMutationId: 'omit',
    cursorType: 'String',
    nodesOnConnection: true,
    idFieldOptions: { description: 'Opaque global id (use it with `node(id:)`).' },
    nodeTypeOptions: { description: 'An object with a global id, fetchable with `node(id:)`.' },
    pageInfoTypeOptions: { description: 'Where a page sits in a list.' },
    hasNextPageFieldOptions: { description: 'More items after this page.' },
    hasPreviousPageFieldOptions: { description: 'More items before this page.' },
    startCursorFieldOptions: { description: 'Cursor of the first item of the page.' },
    endCursorFieldOptions: { description: 'Cursor of the last item of the page.' },
    pageInfoFieldOptions: { description: 'Paging information.' },
    edgesFieldOptions: { description: 'Items of the page with their cursors.' },
    nodesFieldOptions: { description: 'Items of the page.' },
    cursorFieldOptions: { description: 'Cursor of this item (for after/before).' },
    nodeFieldOptions: { description: 'The item.' },
    firstArgOptions: { description: `Items from the start (at most ${MAX_PAGE_SIZE}).` },
    lastArgOptions: { description: `Items from the end (at most ${MAX_PAGE_SIZE}).` },
    afterArgOptions: { description: 'Items after this cursor.' },
    beforeArgOptions: { description: 'Items before this cursor.' },
    nodeQueryOptions: {
      description: 'Any object by its global id, with the same authorization as the object itself.',
      authScopes: { authenticated: true },
    },
    nodesQueryOptions: {
      description: 'Objects by global ids (at most 100), each authorized like the object itself.',
      authScopes: { authenticated: true },
    },
  },
  prisma: {
    client: (ctx) => ctx.db.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    filterConnectionTotalCount: true,
    maxConnectionSize: MAX_PAGE_SIZE,
    defaultConnectionSize: 25,
    onUnusedQuery: null,
  },
  errors: {
    defaultTypes: [],
  },
});

builder.addScalarType('DateTime', DateTime);
builder.addScalarType('JSON', JSONScalar);

builder.queryType({ description: 'Everything Emerald can answer.' });
builder.mutationType({ description: 'Everything Emerald can change. Expected failures come back as typed errors, never half-applied.' });
