/** An error the engine gave, with the field at fault when it named one (`changes.dnsblZones.1`). */
export interface FieldError {
  text: string;
  field?: string;
}

/**
 * The setting a refused field belongs to, which is the id of its control: the first name past
 * the parameter that carries settings (`changes.dnsblZones.1` → `dnsblZones`).
 */
export function fieldName(field: string | undefined): string | undefined {
  const names = field?.split('.').filter((n) => n !== 'changes' && !/^\d+$/.test(n));
  return names?.[0];
}

/** The error to show beside control `name`, without the field's name the engine put in front. */
export function errorAt(error: FieldError | undefined, name: string): string | undefined {
  if (!error?.field || fieldName(error.field) !== name) return undefined;
  // "port: …" from the parameters' check; "invalid analysis settings: maxMessageBytes: …" from deeper down.
  for (const path of [error.field, error.field.replace(/^changes\./, '')]) {
    const at = error.text.indexOf(`${path}: `);
    if (at === 0 || (at > 0 && error.text.startsWith('invalid ') && error.text.slice(0, at).endsWith(': '))) return error.text.slice(at + path.length + 2);
  }
  return error.text;
}

/** The error when it names no control on the form (shown by the form's button). */
export function otherError(error: FieldError | undefined, names: readonly string[]): string | undefined {
  if (!error) return undefined;
  const name = fieldName(error.field);
  return name !== undefined && names.includes(name) ? undefined : error.text;
}

