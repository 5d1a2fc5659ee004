import { fieldName, type FieldError } from './fields.ts';

/** Puts the keyboard on the control at fault, once it shows its error. */
export function focusField(error: FieldError): void {
  const name = fieldName(error.field);
  if (name) requestAnimationFrame(() => document.getElementById(name)?.focus());
}
