/**
 * A name for a new account that no account has: `home`, else `home-2`, `home-3`, … The form
 * offers it, so that adding a second mailbox does not start with a name already taken.
 */
export function freeName(taken: readonly string[], base = 'home'): string {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) if (!used.has(`${base}-${n}`)) return `${base}-${n}`;
}
