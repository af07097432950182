/**
 * Descriptions for the types Pothos generates (connections, edges, error result unions):
 * every type and field in `schema.graphql` is documented, and these follow from naming.
 */
import { isInterfaceType, isObjectType, isUnionType, type GraphQLSchema } from 'graphql';

function words(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

export function describeGeneratedTypes(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isObjectType(type) && type.name.endsWith('ConnectionEdge')) {
      type.description ??= `An item of a ${words(type.name.replace(/Edge$/, ''))} page, with its cursor.`;
    } else if (isObjectType(type) && type.name.endsWith('Connection') && type.getFields().pageInfo) {
      type.description ??= `A page of ${words(type.name.replace(/Connection$/, '')).replace(/ connection$/, '')} (Relay connection).`;
      const total = type.getFields().totalCount;
      if (total) total.description ??= 'How many items the whole list has (all pages).';
      const nodes = type.getFields().nodes;
      if (nodes) nodes.description ??= 'Items of the page.';
    } else if (isUnionType(type)) {
      type.description ??= `One of: ${type
        .getTypes()
        .map((t) => t.name)
        .join(', ')}.`;
    }
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (field.name === 'id') field.description ??= 'Opaque global id (use it with `node(id:)`).';
        for (const arg of field.args) {
          if (arg.name === 'id') arg.description ??= 'Global id.';
          if (arg.name === 'ids') arg.description ??= 'Global ids.';
        }
      }
    }
  }
  return schema;
}
