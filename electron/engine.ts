import type { ApiService } from '../src/api/contract.ts';
import type { SecretStore } from './secrets.ts';

/**
 * The engine behind the API, for the main process. Waits for src/api's implementation (the
 * lead's openApi): it opens the data folder the command line uses (so the app and `warden`
 * share accounts), and keeps passwords typed in the window in `secrets`.
 */
export function openEngine(_secrets: SecretStore): Promise<ApiService> {
  return Promise.reject(new Error('This build has no engine API yet: src/api has the contract, and its implementation (openApi) is coming.'));
}
