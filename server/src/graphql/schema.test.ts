import fs from 'node:fs';
import path from 'node:path';
import {
  parse,
  validate,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  lexicographicSortSchema,
  printSchema,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from './schema/index.ts';
import { graphiqlExamples } from '../http/graphiqlExamples.ts';

describe('GraphQL schema', () => {
  it('documents every type, field, argument and enum value', () => {
    const missing: string[] = [];
    for (const t of Object.values(schema.getTypeMap())) {
      if (t.name.startsWith('__') || (isScalarType(t) && ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(t.name))) continue;
      if (!t.description) missing.push(t.name);
      if (isObjectType(t) || isInterfaceType(t) || isInputObjectType(t)) {
        for (const f of Object.values(t.getFields())) {
          if (!f.description) missing.push(`${t.name}.${f.name}`);
          if ('args' in f) for (const a of f.args) if (!a.description) missing.push(`${t.name}.${f.name}(${a.name})`);
        }
      }
      if (isEnumType(t)) for (const v of t.getValues()) if (!v.description) missing.push(`${t.name}.${v.name}`);
    }
    expect(missing).toEqual([]);
  });

  it('matches the committed schema.graphql', () => {
    const committed = fs.readFileSync(path.resolve(import.meta.dirname, '../../../schema.graphql'), 'utf8');
    expect(committed).toContain(printSchema(lexicographicSortSchema(schema)));
  });

  it('follows the naming conventions', () => {
    const mutations = Object.keys(schema.getMutationType()!.getFields());
    for (const m of mutations) expect(m).toMatch(/^[a-z]+[A-Za-z]*$/);
    for (const t of Object.values(schema.getTypeMap())) {
      if (t.name.startsWith('__')) continue;
      expect(t.name).toMatch(/^[A-Z][A-Za-z0-9]*$/);
      if (isEnumType(t)) for (const v of t.getValues()) expect(v.name).toMatch(/^[A-Z][A-Z0-9_]*$/);
      if (isInputObjectType(t)) expect(t.name).toMatch(/(Input|Filter|Order)$/);
    }
  });

  it('opens GraphiQL with examples that are valid operations', () => {
    const document = parse(graphiqlExamples);
    expect(document.definitions.length).toBeGreaterThanOrEqual(5);
    expect(validate(schema, document).map((e) => e.message)).toEqual([]);
  });
});
