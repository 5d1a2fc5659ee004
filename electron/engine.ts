import { Api, resolveDataDir, type ApiOptions } from '../src/api/api.ts';
import type { ApiService } from '../src/api/contract.ts';
import type { SecretStore } from './secrets.ts';

/**
 * The engine behind the API, for the main process: the data folder the command line uses (so
 * the app and `warden` share accounts), watching every account, with the passwords typed in
 * the window (and the refresh tokens of sign-ins) kept in `secrets`, and sign-in pages opened in
 * the user's browser with `openBrowser`.
 */
export async function openEngine(secrets: SecretStore, openBrowser: ApiOptions['openBrowser']): Promise<ApiService> {
  const api = await Api.open(resolveDataDir(), { secrets, ...(openBrowser && { openBrowser }) });
  api.start();
  return api;
}
