import * as v from 'valibot';

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

/** What is wrong with one field: its dotted path ('' for the whole value) and the problem in words. */
export interface Problem {
  field: string;
  message: string;
}

/**
 * Valibot's words for an object's keys ("Invalid key: Expected never but received "x"") said in
 * plain ones; a schema's own message is used before this, and valibot's default after it.
 */
function keyWords(issue: v.BaseIssue<unknown>): string {
  if (issue.kind !== 'schema' || !/object$/.test(issue.type) || issue.path?.at(-1)?.origin !== 'key') return issue.message;
  return issue.expected === 'never' ? 'unknown field: check its spelling' : 'missing: it is required';
}

/** `value` checked by `schema`: its output, or every problem found, each naming its field. */
export function validate<S extends v.GenericSchema>(schema: S, value: unknown): { ok: true; output: v.InferOutput<S> } | { ok: false; problems: Problem[] } {
  const result = v.safeParse(schema, value, { message: keyWords });
  if (result.success) return { ok: true, output: result.output };
  return { ok: false, problems: result.issues.map((issue) => ({ field: v.getDotPath(issue) ?? '', message: issue.message })) };
}

/** The problems as one line: `field: what is wrong`, joined by `; `. */
export function problemText(problems: Problem[]): string {
  return problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; ');
}

/** Validates `value` against `schema`; the error names each offending field and what is wrong. */
export function parseWith<S extends v.GenericSchema>(schema: S, value: unknown, what: string): v.InferOutput<S> {
  const result = validate(schema, value);
  if (result.ok) return result.output;
  throw new InvalidSettingsError(`invalid ${what}: ${problemText(result.problems)}`, result.problems[0]!.field || undefined);
}
