/**
 * The schema as graphcache needs it (types, fields, interfaces, unions, enums), from the
 * committed schema.graphql: client/src/gql/introspection.json. Descriptions and arguments
 * are left out, so the monitor's bundle carries a few kilobytes, not the whole SDL.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildSchema, introspectionFromSchema, type IntrospectionType } from 'graphql';

const root = path.resolve(import.meta.dirname, '..');
const schema = buildSchema(fs.readFileSync(path.join(root, 'schema.graphql'), 'utf8'));
const full = introspectionFromSchema(schema, { descriptions: false, specifiedByUrl: false, directiveIsRepeatable: false });

type Ref = { kind: string; name?: string | null; ofType?: Ref | null };
const ref = (t: Ref): Ref => (t.ofType ? { kind: t.kind, ofType: ref(t.ofType) } : { kind: t.kind, name: t.name ?? null });

const types = full.__schema.types
  .filter((t) => !t.name.startsWith('__'))
  .map((t: IntrospectionType) => {
    switch (t.kind) {
      case 'OBJECT':
      case 'INTERFACE':
        return {
          kind: t.kind,
          name: t.name,
          fields: t.fields.map((f) => ({ name: f.name, type: ref(f.type as Ref), args: [] })),
          interfaces: t.interfaces.map((i) => ({ kind: i.kind, name: i.name })),
          ...(t.kind === 'INTERFACE' ? { possibleTypes: t.possibleTypes.map((p) => ({ kind: p.kind, name: p.name })) } : {}),
        };
      case 'UNION':
        return { kind: t.kind, name: t.name, possibleTypes: t.possibleTypes.map((p) => ({ kind: p.kind, name: p.name })) };
      case 'ENUM':
        return { kind: t.kind, name: t.name, enumValues: t.enumValues.map((v) => ({ name: v.name })) };
      default:
        return { kind: t.kind, name: t.name };
    }
  });

const out = {
  __schema: {
    queryType: full.__schema.queryType,
    mutationType: full.__schema.mutationType,
    subscriptionType: full.__schema.subscriptionType,
    types,
    directives: [],
  },
};
const file = path.join(root, 'client', 'src', 'gql', 'introspection.json');
fs.mkdirSync(path.dirname(file), { recursive: true });
fs.writeFileSync(file, JSON.stringify(out));
