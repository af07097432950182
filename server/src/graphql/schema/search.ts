/** The one search box. */
import { builder } from '../builder.ts';
import { readAs } from '../access.ts';
import { GraphQLError } from 'graphql';
import { MAX_QUERY_LENGTH, MIN_QUERY_LENGTH, search, type SearchHit } from '../../search/search.ts';
import { ConnectionRef } from './connection.ts';
import { CustomerRef } from './customer.ts';
import { OnuRef } from './onu.ts';
import { PppSecretRef } from './ppp.ts';

const SearchHitKindEnum = builder.enumType('SearchHitKind', {
  description: 'What a search hit is.',
  values: {
    CUSTOMER: { description: 'A customer (and the connection that matched, if a service identifier matched).' },
    PPP_SECRET: { description: 'A PPP secret that matches no ISPCube connection (not linked).' },
    ONU: { description: 'An ONU that matches no ISPCube connection (not linked).' },
  } as const,
});

const SearchHitRef = builder.objectRef<SearchHit>('SearchHit').implement({
  description: 'One search result, with what matched.',
  fields: (t) => ({
    kind: t.field({ type: SearchHitKindEnum, description: 'What it is.', resolve: (h) => h.kind }),
    score: t.exposeFloat('score', { description: 'Relevance (exact identifier matches score ≥ 900).' }),
    exact: t.exposeBoolean('exact', {
      description: 'An identifier matched exactly (DNI/CUIT, username, serial, IP, MAC, phone, e-mail, code).',
    }),
    matchedField: t.exposeString('matchedField', {
      description: 'What matched: docNumber, code, name, address, phone, email, pppoeUsername, ip, mac, onuSerial, onuName.',
    }),
    matchedValue: t.exposeString('matchedValue', { description: 'The matching value.' }),
    linked: t.boolean({
      description: 'False for PPP secrets and ONUs that match no ISPCube connection.',
      resolve: (h) => h.kind === 'CUSTOMER',
    }),
    customer: t.field({
      type: CustomerRef,
      nullable: true,
      description: 'The customer.',
      resolve: (h, _a, ctx) => (h.customerId ? ctx.db.prisma.customer.findUnique({ where: { id: h.customerId } }) : null),
    }),
    connection: t.field({
      type: ConnectionRef,
      nullable: true,
      description: 'The connection that matched (for service identifiers).',
      resolve: (h, _a, ctx) => (h.connectionId ? ctx.db.prisma.connection.findUnique({ where: { id: h.connectionId } }) : null),
    }),
    pppSecret: t.field({
      type: PppSecretRef,
      nullable: true,
      description: 'The unlinked PPP secret (PPP_SECRET hits).',
      resolve: (h, _a, ctx) => (h.secretId ? ctx.db.prisma.pppSecret.findUnique({ where: { id: h.secretId } }) : null),
    }),
    onu: t.field({
      type: OnuRef,
      nullable: true,
      description: 'The unlinked ONU (ONU hits).',
      resolve: (h, _a, ctx) => (h.onuId ? ctx.db.prisma.onu.findUnique({ where: { id: h.onuId } }) : null),
    }),
  }),
});

const SearchResultRef = builder.objectRef<{ query: string; hits: SearchHit[] }>('SearchResult').implement({
  description: 'Search results, best first.',
  fields: (t) => ({
    query: t.exposeString('query', { description: 'The query as given.' }),
    hits: t.field({
      type: [SearchHitRef],
      description: 'Hits, best first (exact identifier matches first).',
      // `search(first:)` already multiplied the cost by the page size.
      complexity: { field: 0, multiplier: 1 },
      resolve: (r) => r.hits,
    }),
  }),
});

builder.queryField('search', (t) =>
  t.field({
    type: SearchResultRef,
    description:
      'One box for everything: name, address, DNI/CUIT, phone, e-mail, customer code, PPPoE username, ONU serial, MAC, IP. Accent- and case-insensitive, tolerant of typos; includes PPP secrets and ONUs that match no connection.',
    authScopes: readAs('ADMIN', 'NOC', 'SUPPORT'),
    args: {
      query: t.arg.string({ required: true, description: `What to look for (at least ${MIN_QUERY_LENGTH} characters).` }),
      first: t.arg.int({ required: false, defaultValue: 10, description: 'How many hits (1–50).' }),
    },
    complexity: (args) => ({ field: 5, multiplier: Math.min(50, Math.max(1, args.first ?? 10)) }),
    resolve: async (_root, args, ctx) => {
      const query = args.query.trim();
      if (query.length < MIN_QUERY_LENGTH) {
        // A query reports bad input as a GraphQL error with a code (never masked).
        throw new GraphQLError(`Type at least ${MIN_QUERY_LENGTH} characters to search`, {
          extensions: { code: 'BAD_USER_INPUT', field: 'query' },
        });
      }
      if (query.length > MAX_QUERY_LENGTH) {
        throw new GraphQLError(`Type at most ${MAX_QUERY_LENGTH} characters to search`, {
          extensions: { code: 'BAD_USER_INPUT', field: 'query' },
        });
      }
      const first = Math.min(50, Math.max(1, args.first ?? 10));
      return { query, hits: await search(ctx.db.pool, query, first) };
    },
  }),
);
