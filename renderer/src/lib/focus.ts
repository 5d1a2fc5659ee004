import { fieldName, type FieldError } from './fields.ts';

/** Puts the keyboard on the control at fault, once it shows its error: its id is `prefix` and the field's name. */
export function focusField(error: FieldError, prefix = ''): void {
  const name = fieldName(error.field);
  if (name) requestAnimationFrame(() => document.getElementById(`${prefix}${name}`)?.focus());
}
