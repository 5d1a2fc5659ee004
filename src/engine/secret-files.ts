import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a secret file holds: a password typed in the UI, or the refresh token of a sign-in. */
export type SecretKind = 'password' | 'refresh-token';

/** Where the data folder keeps an account's secret of a kind, for setups without the app's keyring. */
export function secretFile(dataDir: string, account: string, kind: SecretKind): string {
  return join(dataDir, 'secrets', `${account}.${kind}`);
}

/**
 * Writes a secret to a file only the user can read (0600, in a 0700 folder), never in the
 * database (docs/design.md invariant 8). Written to a new file renamed over the old one, so a crash
 * leaves the old secret or the new one, never half of one (a rotated refresh token must not be lost).
 */
export function writeSecretFile(path: string, secret: string): void {
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  // Made 0600 before the secret goes in: no one else can ever read it.
  writeFileSync(temporary, '', { mode: 0o600 });
  chmodSync(temporary, 0o600);
  writeFileSync(temporary, secret);
  renameSync(temporary, path);
}

export function removeSecretFiles(dataDir: string, account: string): void {
  for (const kind of ['password', 'refresh-token'] as const) rmSync(secretFile(dataDir, account, kind), { force: true });
}
