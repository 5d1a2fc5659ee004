import { Api, resolveDataDir } from '../src/api/api.ts';
import type { ApiService, AppLoginItem } from '../src/api/contract.ts';
import type { SecretStore } from './secrets.ts';

/**
 * The engine behind the API, for the main process: the data folder the command line uses (so
 * the app and `warden` share accounts), watching every account, with the passwords typed in
 * the window kept in `secrets`, and start at login through `loginItem` where the app has one.
 */
export async function openEngine(secrets: SecretStore, loginItem: AppLoginItem | undefined): Promise<ApiService> {
  const api = await Api.open(resolveDataDir(), { secrets, ...(loginItem && { loginItem }) });
  api.start();
  return api;
}
