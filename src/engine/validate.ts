import type { z } from 'zod';

/** Validates `value` against `schema`; the error names each offending field and what is wrong. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message));
  throw new Error(`invalid ${what}: ${problems.join('; ')}`);
}
