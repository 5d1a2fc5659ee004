import { ImapError, type AccessTokens } from '../imap/probe.ts';
import type { OAuthSettings } from '../oauth/client.ts';
import { OAuthError } from '../oauth/errors.ts';
import { AccessTokenSource, type RefreshTokenStore } from '../oauth/tokens.ts';
import type { Account, AppSecrets, OAuthAccountSettings } from './accounts.ts';
import { writeSecretFile } from './secret-files.ts';

/**
 * One token source per refresh token kept, for the whole process: the watcher, a restore from
 * the UI and a bootstrap of the same account then share one access token and, above all, one
 * refresh at a time (a rotated refresh token presented twice revokes the sign-in). Keyed by where
 * the refresh token is kept and the sign-in's settings; the app's keyrings by their identity.
 */
const byFile = new Map<string, Shared>();
const byKeyring = new WeakMap<AppSecrets, Map<string, Shared>>();

interface Shared {
  settings: string;
  source: AccessTokenSource;
}

/** The access tokens of an account that signs in with OAuth2, as the IMAP layer asks for them. */
export function accessTokens(a: Account, oauth: OAuthAccountSettings, read: () => string, appSecrets: AppSecrets | undefined): AccessTokens {
  const secret = a.config.secret;
  const store: RefreshTokenStore = {
    read,
    write: async (token) => {
      if (secret.from === 'file') writeSecretFile(secret.path, token);
      else if (secret.from === 'app') await appSecrets?.set(a.name, token);
    },
  };
  const settings = oauthSettings(oauth);
  const key = JSON.stringify(settings);
  const shared = secret.from === 'app' && appSecrets ? keyringOf(appSecrets) : byFile;
  const where = secret.from === 'file' ? secret.path : a.name;
  let entry = shared.get(where);
  if (entry?.settings !== key) {
    entry = { settings: key, source: new AccessTokenSource(settings, store) };
    shared.set(where, entry);
  }
  const source = entry.source;
  return {
    current: () => source.current().catch((err: unknown) => Promise.reject(asImapError(err, a))),
    renew: () => source.renew().catch((err: unknown) => Promise.reject(asImapError(err, a))),
  };
}

export function oauthSettings(o: OAuthAccountSettings): OAuthSettings {
  return {
    server: { issuer: o.issuer, authorizationEndpoint: o.authorizationEndpoint, tokenEndpoint: o.tokenEndpoint },
    client: { clientId: o.clientId, ...(o.clientSecret && { clientSecret: o.clientSecret }) },
    scope: o.scope,
    params: o.params,
  };
}

function keyringOf(appSecrets: AppSecrets): Map<string, Shared> {
  let map = byKeyring.get(appSecrets);
  if (!map) byKeyring.set(appSecrets, (map = new Map<string, Shared>()));
  return map;
}

/**
 * A token failure as the IMAP layer reports failures: a sign-in that is gone stops the account
 * until the user signs in again (retrying would not help); a provider out of reach is retried.
 */
function asImapError(err: unknown, a: Account): ImapError {
  if (err instanceof ImapError) return err;
  if (err instanceof OAuthError) {
    return err.kind === 'unavailable' ? new ImapError('network', err.message) : new ImapError('auth', `account ${a.name}: ${err.message}`, 'SIGN_IN_AGAIN');
  }
  // The refresh token could not be read (a missing file, a locked keyring): the message says what to do.
  return new ImapError('auth', (err as Error).message);
}
