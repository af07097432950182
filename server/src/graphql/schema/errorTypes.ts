/** The typed errors mutations return as data. */
import { builder } from '../builder.ts';
import { InvalidTransitionError, LoginError, NotFoundError, ValidationError, type FieldIssueShape } from '../userErrors.ts';

export const ErrorInterface = builder.interfaceRef<Error & { code: string }>('Error').implement({
  description: 'An expected failure. The mutation that returned it changed nothing.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What went wrong, for people.' }),
    code: t.exposeString('code', { description: 'What went wrong, for programs (e.g. TOO_SHORT, NOT_FOUND, INVALID_TRANSITION).' }),
  }),
});

const FieldIssue = builder.objectRef<FieldIssueShape>('FieldIssue').implement({
  description: 'One invalid input field.',
  fields: (t) => ({
    field: t.exposeString('field', { description: 'Path of the input field, e.g. `input.subject`.' }),
    code: t.exposeString('code', { description: 'Machine-readable reason (TOO_SHORT, REQUIRED, INVALID_FORMAT …).' }),
    message: t.exposeString('message', { description: 'Human-readable reason.' }),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'The input did not pass validation.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    field: t.exposeString('field', { nullable: true, description: 'The first offending input field.' }),
    issues: t.field({ type: [FieldIssue], description: 'Every offending field.', resolve: (e) => e.issues }),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'An object the input refers to does not exist or is not visible to you.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    field: t.exposeString('field', { nullable: true, description: 'The input field holding the unknown reference.' }),
  }),
});

builder.objectType(InvalidTransitionError, {
  name: 'InvalidTransitionError',
  description: 'The change is not allowed from the current state.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    from: t.exposeString('from', { description: 'Current state.' }),
    to: t.exposeString('to', { description: 'Requested state.' }),
    field: t.exposeString('field', { nullable: true, description: 'The input field that asked for the change.' }),
  }),
});

builder.objectType(LoginError, {
  name: 'LoginError',
  description: 'Sign-in failed.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    retryAfterSeconds: t.exposeInt('retryAfterSeconds', {
      nullable: true,
      description: 'When locked or throttled: seconds until a new attempt is accepted.',
    }),
  }),
});

/** Error types most mutations can return. */
export const mutationErrors = [ValidationError, NotFoundError, InvalidTransitionError];

/** Errors option of a mutation: `<Name>Result = <Name>Success { <dataField> } | ValidationError | …`. */
export function mutationResult(name: string, dataField: string, types: (new (...args: never[]) => Error)[] = mutationErrors) {
  return {
    types,
    union: { name: `${name}Result`, description: `Result of ${name[0]!.toLowerCase()}${name.slice(1)}: the data, or why nothing changed.` },
    result: { name: `${name}Success`, description: `${name} succeeded.` },
    dataField: { name: dataField, description: 'What was created or changed.' },
  };
}
