/** The Pothos builder: plugins, scalars and auth scopes. Types live in schema/<aggregate>.ts. */
import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ZodPlugin from '@pothos/plugin-zod';
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import type PrismaTypes from '../generated/pothos-prisma-types.ts';
import { getDatamodel } from '../generated/pothos-prisma-types.ts';
import type { Context } from './context.ts';

export interface AuthScopes {
  /** Any signed-in user or valid API key. */
  authenticated: boolean;
  admin: boolean;
  noc: boolean;
  support: boolean;
  technician: boolean;
  /** Sessions always; API keys only with the WRITE scope. */
  write: boolean;
}

const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An instant in time, ISO 8601 with time zone (e.g. 2026-11-27T13:42:00.000Z).',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTime cannot represent an invalid date');
    return date.toISOString();
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
});

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
  plugins: [ScopeAuthPlugin, ErrorsPlugin, ZodPlugin, RelayPlugin, PrismaPlugin],
  scopeAuth: {
    authorizeOnSubscribe: true,
    authScopes: (ctx) => {
      const role = ctx.actor?.role;
      return {
        authenticated: !!ctx.actor,
        admin: role === 'ADMIN',
        noc: role === 'NOC',
        support: role === 'SUPPORT',
        technician: role === 'TECHNICIAN',
        write: !!ctx.actor && ctx.actor.scopes.write,
      };
    },
    unauthorizedError: (_parent, context) =>
      new GraphQLError(context.actor ? 'You are not allowed to do this' : 'Sign in first', {
        extensions: { code: context.actor ? 'FORBIDDEN' : 'UNAUTHENTICATED' },
      }),
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodesOnConnection: true,
  },
  prisma: {
    client: (ctx) => ctx.db.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
  },
  errors: {
    defaultTypes: [],
  },
  zod: {
    validationError: (error) => error,
  },
});

builder.addScalarType('DateTime', DateTime);
builder.addScalarType('JSON', JSONScalar);

builder.queryType({ description: 'Everything Emerald can answer.' });
