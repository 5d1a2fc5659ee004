import type { z } from 'zod';

/** Settings refused: the message names each offending field; `field` is the first, for a UI to point at. */
export class InvalidSettingsError extends Error {
  override name = 'InvalidSettingsError';
  readonly field: string | undefined;

  constructor(message: string, field: string | undefined) {
    super(message);
    this.field = field;
  }

  /** The same error with its field inside `parent` (the settings as a command's parameter). */
  within(parent: string): InvalidSettingsError {
    return new InvalidSettingsError(this.message, this.field === undefined ? parent : `${parent}.${this.field}`);
  }
}

/** Validates `value` against `schema`; the error names each offending field and what is wrong. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message));
  const first = result.error.issues[0]?.path.join('.');
  throw new InvalidSettingsError(`invalid ${what}: ${problems.join('; ')}`, first || undefined);
}
