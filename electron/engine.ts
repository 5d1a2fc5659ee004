import { Api, FolderInUseError, resolveDataDir, type ApiOptions } from '../src/api/api.ts';
import type { ApiService } from '../src/api/contract.ts';

/**
 * The engine behind the API, for the main process: the data folder the command line uses (so
 * the app and `warden` share accounts), watching every account, with what only the desktop app
 * has: its keyring for the passwords typed in the window and the refresh tokens of sign-ins,
 * the user's browser for sign-in pages, and start at login where the app has one. The app owns
 * the folder while it runs (FolderInUseError when another Warden does).
 */
export async function openEngine(options: Pick<ApiOptions, 'secrets' | 'openBrowser' | 'loginItem'>): Promise<ApiService> {
  const api = await Api.open(resolveDataDir(), { kind: 'app', ...options });
  api.start();
  return api;
}

/**
 * What the app does when another Warden owns the data folder: shows that one's UI where it
 * serves one (`warden serve`: the user meant to open Warden, and that is Warden), else says
 * which process has it. Undefined for any other error.
 */
export function ownedElsewhere(err: unknown): { open: string } | { message: string } | undefined {
  if (!(err instanceof FolderInUseError)) return undefined;
  if (err.owner?.ui) return { open: err.owner.ui };
  return { message: `${err.message}. Stop it, then start the app again.` };
}
