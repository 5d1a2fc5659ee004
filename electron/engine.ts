import { Api, resolveDataDir, type ApiOptions } from '../src/api/api.ts';
import type { ApiService } from '../src/api/contract.ts';

/**
 * The engine behind the API, for the main process: the data folder the command line uses (so
 * the app and `warden` share accounts), watching every account, with what only the desktop app
 * has: its keyring for the passwords typed in the window and the refresh tokens of sign-ins,
 * the user's browser for sign-in pages, and start at login where the app has one.
 */
export async function openEngine(options: Pick<ApiOptions, 'secrets' | 'openBrowser' | 'loginItem'>): Promise<ApiService> {
  const api = await Api.open(resolveDataDir(), { kind: 'app', ...options });
  api.start();
  return api;
}
