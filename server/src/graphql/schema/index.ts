/** Imports every aggregate (each registers its types on the builder) and builds the schema. */
import { builder } from '../builder.ts';
import './system.ts';

export const schema = builder.toSchema({ sortSchema: true });
