/** Every export's query is valid against the schema (a renamed field fails here, not in a user's download). */
import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../graphql/schema/index.ts';
import { EXPORTS } from './exports.ts';

describe('export queries', () => {
  for (const [kind, spec] of Object.entries(EXPORTS)) {
    it(`${kind} is a valid query with $first and $after`, () => {
      const doc = parse(spec.query);
      expect(validate(schema, doc).map((e) => e.message)).toEqual([]);
      expect(spec.query).toMatch(/\$first: Int, \$after: String/);
    });
  }
});
