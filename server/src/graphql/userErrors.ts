/**
 * Expected failures of mutations, returned as data (typed, with a code) rather than as
 * GraphQL errors. A mutation that returns one of these changed nothing.
 */
import type { z } from 'zod';

export interface FieldIssueShape {
  field: string;
  code: string;
  message: string;
}

/** Input that does not pass validation. `field` is the first offending input path. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  readonly code: string;
  readonly field: string | null;
  constructor(
    message: string,
    readonly issues: FieldIssueShape[],
  ) {
    super(message);
    this.code = issues[0]?.code ?? 'INVALID';
    this.field = issues[0]?.field ?? null;
  }

  static single(field: string, code: string, message: string): ValidationError {
    return new ValidationError(message, [{ field, code, message }]);
  }
}

/** The object the input refers to does not exist (or the caller may not see it). */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  readonly code = 'NOT_FOUND';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** The change is not allowed from the object's current state (e.g. completing a cancelled ticket's work order). */
export class InvalidTransitionError extends Error {
  override readonly name = 'InvalidTransitionError';
  readonly code = 'INVALID_TRANSITION';
  constructor(
    message: string,
    readonly from: string,
    readonly to: string,
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

/** Sign-in failed; `code` says why without revealing whether the user exists. */
export class LoginError extends Error {
  override readonly name = 'LoginError';
  constructor(
    readonly code: 'INVALID_CREDENTIALS' | 'TOO_MANY_ATTEMPTS',
    message: string,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
  }
}

const ZOD_CODES: Record<string, string> = {
  too_small: 'TOO_SHORT',
  too_big: 'TOO_LONG',
  invalid_format: 'INVALID_FORMAT',
  invalid_type: 'REQUIRED',
  invalid_value: 'INVALID_VALUE',
  custom: 'INVALID',
};

/** Parse `input` with `schema` or throw a ValidationError naming each offending field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, prefix = 'input'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({
    field: [prefix, ...i.path.map(String)].join('.'),
    code: (i.code === 'custom' && (i.params as { code?: string } | undefined)?.code) || ZOD_CODES[i.code] || 'INVALID',
    message: i.message,
  }));
  return (() => {
    throw new ValidationError(issues[0]!.message, issues);
  })();
}
