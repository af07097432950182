/** Global ids: opaque base64 of `Type:id`. Inputs name the type they expect. */
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { ValidationError } from './userErrors.ts';

/** The numeric database id inside a global id of `typename`, or a ValidationError for `field`. */
export function idOf(globalId: string, typename: string, field: string): number {
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(globalId);
  } catch {
    throw ValidationError.single(field, 'INVALID_ID', `${field} is not a valid id`);
  }
  const id = Number(decoded.id);
  if (decoded.typename !== typename || !Number.isSafeInteger(id)) {
    throw ValidationError.single(field, 'INVALID_ID', `${field} must be the id of a ${typename}`);
  }
  return id;
}

/** Like idOf, for optional inputs. */
export function optionalIdOf(globalId: string | null | undefined, typename: string, field: string): number | null {
  return globalId ? idOf(globalId, typename, field) : null;
}

/** The global id of row `id` of `typename` (for fields that return an id without the object). */
export function encodeId(typename: string, id: number): string {
  return encodeGlobalID(typename, String(id));
}
