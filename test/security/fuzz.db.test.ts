/**
 * Every root field and mutation called with hostile arguments — wrong types, empty and
 * huge strings, NUL bytes, numbers past 32 bits, dates that do not exist, ids of other
 * types — as an admin (who may call everything) and anonymously. Each answer must be a
 * typed error or a normal result: never a 5xx, never INTERNAL_SERVER_ERROR, and nothing
 * Emerald owns may change. Deterministic (seeded); the seed is in the test name.
 */
import { createHash } from 'node:crypto';
import { encodeGlobalID } from '@pothos/plugin-relay';
import {
  getNamedType,
  type GraphQLArgument,
  type GraphQLField,
  GraphQLInputObjectType,
  type GraphQLInputType,
  GraphQLEnumType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLScalarType,
  isCompositeType,
} from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../simulators/world/random.ts';
import { schema } from '../../server/src/graphql/schema/index.ts';
import { createTestApi, type TestApi } from '../api.ts';

const SEED = 20261129;
const VARIANTS = 12;
/** Fields that change things by design when called without arguments, or sign in. */
const SKIP = new Set(['logout', 'login']);

let api: TestApi;
let adminToken: string;
beforeAll(async () => {
  api = await createTestApi({ subscribers: 40 });
  adminToken = (await api.as('admin')).token!;
});

/** Mostly values of the right type that no sane input holds; sometimes a value of the wrong type. */
function hostileScalar(type: GraphQLScalarType, rng: Random, wrong: boolean): unknown {
  // Text no input may hold: empty, blank, NUL bytes, far past every length limit. (Merely
  // unusual text — quotes, markup, emoji — is valid input and covered by other tests.)
  const strings = ['', ' ', '\u0000', 'a\u0000b', 'x'.repeat(20_000), '\u0000'.repeat(3)];
  switch (type.name) {
    case 'String':
      return wrong ? rng.pick([12, true, { a: 1 }]) : rng.pick(strings);
    case 'ID':
      return wrong
        ? rng.pick([12, false])
        : rng.pick([
            '',
            'bad',
            '-1',
            encodeGlobalID('Olt', 1),
            encodeGlobalID('Ticket', '99999999999999999999'),
            encodeGlobalID('User', -5),
            encodeGlobalID('Nope', 1),
            'x'.repeat(5000),
            '\u0000',
          ]);
    case 'Int':
      return wrong ? rng.pick([2 ** 40, 1.5, '12']) : rng.pick([2147483647, -2147483648, -1, 0]);
    case 'Float':
      return wrong ? rng.pick(['NaN', 'x']) : rng.pick([1e308, -1e308, -1, 0]);
    case 'Boolean':
      return wrong ? rng.pick(['yes', 1]) : rng.pick([true, false]);
    case 'DateTime':
      return rng.pick([
        '',
        '2026-13-45T99:99:99Z',
        '0000-00-00',
        '9999-12-31T23:59:59Z',
        '1900-01-01T00:00:00Z',
        '1969-12-31T23:59:59Z',
        'yesterday',
        12,
      ]);
    case 'JSON':
      return rng.pick([{ a: { b: { c: { d: 'x'.repeat(1000) } } } }, [1, 2, 3], null, 'x']);
    default:
      return 'x';
  }
}

function hostile(type: GraphQLInputType, rng: Random, depth = 0): unknown {
  if (type instanceof GraphQLNonNull) return hostile(type.ofType, rng, depth);
  if (type instanceof GraphQLList) {
    return rng.pick([
      [],
      Array.from({ length: rng.int(1, 3) }, () => hostile(type.ofType, rng, depth + 1)),
      hostile(type.ofType, rng, depth + 1),
    ]);
  }
  if (type instanceof GraphQLEnumType) return rng.chance(0.1) ? 'NOT_A_VALUE' : rng.pick(type.getValues()).name;
  if (type instanceof GraphQLScalarType) return hostileScalar(type, rng, rng.chance(0.1));
  if (type instanceof GraphQLInputObjectType) {
    if (depth > 3) return {};
    const out: Record<string, unknown> = {};
    for (const f of Object.values(type.getFields())) {
      // Every field gets a hostile value, so no call can be valid by leaving the bad ones out.
      out[f.name] = hostile(f.type, rng, depth + 1);
    }
    return out;
  }
  return null;
}

function operation(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>): string {
  const args = field.args as readonly GraphQLArgument[];
  const vars = args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
  const call = args.length ? `(${args.map((a) => `${a.name}: $${a.name}`).join(', ')})` : '';
  const selection = isCompositeType(getNamedType(field.type)) ? ' { __typename }' : '';
  return `${kind}${vars ? `(${vars})` : ''} { ${field.name}${call}${selection} }`;
}

/** A digest of what Emerald owns (people's work and settings; not sign-in attempt counters). */
async function ownedDigest(): Promise<string> {
  const h = createHash('sha256');
  for (const table of [
    'users',
    'api_keys',
    'teams',
    'tickets',
    'ticket_events',
    'work_orders',
    'sync_runs',
    'incidents',
    'user_sessions',
  ]) {
    const rows = await api.db.pool.query(`SELECT * FROM ${table} ORDER BY 1`);
    h.update(JSON.stringify(rows.rows, (k, v) => (k === 'last_seen_at' || k === 'last_used_at' ? null : v)));
  }
  return h.digest('hex');
}

describe(`hostile arguments (seed ${SEED})`, () => {
  for (const [kind, type] of [
    ['query', schema.getQueryType()!],
    ['mutation', schema.getMutationType()!],
  ] as const) {
    it(`every ${kind} field answers with a typed error, never a server error, and changes nothing`, async () => {
      const rng = new Random(SEED + (kind === 'query' ? 0 : 1));
      const before = await ownedDigest();
      const problems: string[] = [];
      /** Mutations that took hostile input as valid: they must not exist. */
      const accepted: string[] = [];
      let calls = 0;
      for (const field of Object.values(type.getFields())) {
        if (SKIP.has(field.name)) continue;
        const query = operation(kind, field);
        for (let v = 0; v < VARIANTS; v++) {
          const variables = Object.fromEntries(field.args.map((a) => [a.name, hostile(a.type, rng)]));
          // An argument-less mutation does what it says (none but logout, skipped above, exist).
          for (const token of [adminToken, null]) {
            calls++;
            const res = await api.app.fetch('/graphql', {
              method: 'POST',
              headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
              body: JSON.stringify({ query, variables }),
            });
            const body = (await res.json()) as {
              data?: Record<string, { __typename?: string } | null>;
              errors?: { message: string; extensions?: { code?: string } }[];
            };
            const typename = body.data?.[field.name]?.__typename ?? '';
            if (kind === 'mutation' && typename.endsWith('Success'))
              accepted.push(`${field.name} ${JSON.stringify(variables).slice(0, 300)}`);
            const internal = body.errors?.find((e) => !e.extensions?.code || e.extensions.code === 'INTERNAL_SERVER_ERROR');
            if (res.status >= 500 || internal) {
              problems.push(`${field.name} ${JSON.stringify(variables).slice(0, 300)} → ${res.status} ${internal?.message ?? ''}`);
            }
          }
        }
      }
      expect(problems).toEqual([]);
      expect(accepted).toEqual([]);
      expect(calls).toBeGreaterThan(100);
      expect(await ownedDigest()).toBe(before);
    });
  }
});
