import { Api, resolveDataDir } from '../src/api/api.ts';
import type { ApiService } from '../src/api/contract.ts';
import type { SecretStore } from './secrets.ts';

/**
 * The engine behind the API, for the main process: the data folder the command line uses (so
 * the app and `warden` share accounts), watching every account, with the passwords typed in
 * the window kept in `secrets`.
 */
export async function openEngine(secrets: SecretStore): Promise<ApiService> {
  const api = await Api.open(resolveDataDir(), { secrets });
  api.start();
  return api;
}
