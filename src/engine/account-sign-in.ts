import type { TlsMode } from '../imap/probe.ts';
import { discover, type OAuthServer } from '../oauth/client.ts';
import { OAuthError } from '../oauth/errors.ts';
import { SignIn } from '../oauth/sign-in.ts';
import { oauthSettings } from './access-tokens.ts';
import { AccountError, AccountService, accountConfigSchema, type Account, type AccountConfig, type AppSecrets, type OAuthAccountSettings } from './accounts.ts';
import { clientMissing, preset, presetClient } from './providers.ts';
import { secretFile, writeSecretFile } from './secret-files.ts';
import { parseWith } from './validate.ts';

/** An account to sign in with OAuth2: a new one, or an existing one signing in again (only `name`). */
export interface SignInRequest {
  name: string;
  /** The user name to log in to IMAP with: the address, at Gmail and Microsoft. */
  user?: string;
  /** A preset that signs in with OAuth2 (providers.ts); or the servers below. */
  provider?: string;
  host?: string;
  port?: number;
  tls?: TlsMode;
  allowPlain?: boolean;
  /** The OAuth2 server, found by discovery (RFC 8414) from its issuer URL. */
  issuer?: string;
  scope?: string;
  /** The app registered with the provider; a preset's comes from the environment otherwise. */
  clientId?: string;
  clientSecret?: string;
}

export interface AccountSignInOptions {
  /** The desktop app's keyring: the refresh token is kept there, else in a file of the data folder. */
  keyring?: AppSecrets;
  /** The running engine's accounts, on its connection; without, the data folder's, opened for each look. */
  accounts?: AccountService;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Runs `work` on the engine's accounts when given, else on the data folder's, opened for it. */
function withAccounts<T>(dataDir: string, options: AccountSignInOptions, work: (accounts: AccountService) => T): T {
  if (options.accounts) return work(options.accounts);
  const accounts = AccountService.open(dataDir);
  try {
    return work(accounts);
  } finally {
    accounts.close();
  }
}

function named(accounts: AccountService, name: string): Account | undefined {
  return accounts.list().find((a) => a.name === name);
}

/**
 * Signs an account in with OAuth2 in the user's browser (oauth/sign-in.ts), then keeps the
 * refresh token (the app's keyring, or a file only the user can read) and adds the account, in
 * observe mode, or for an account signing in again, replaces its sign-in. Nothing is kept until
 * the provider has given the tokens.
 */
export class AccountSignIn {
  readonly name: string;
  /** The address to open in the browser. */
  readonly url: URL;
  readonly redirectUri: string;
  /** The account, signed in and kept. */
  readonly account: Promise<Account>;
  readonly #signIn: SignIn;

  private constructor(name: string, signIn: SignIn, account: Promise<Account>) {
    this.name = name;
    this.url = signIn.url;
    this.redirectUri = signIn.redirectUri;
    this.#signIn = signIn;
    this.account = account;
    account.catch(() => {});
  }

  static async start(dataDir: string, request: SignInRequest, options: AccountSignInOptions = {}): Promise<AccountSignIn> {
    const again = withAccounts(dataDir, options, (accounts) => named(accounts, request.name));
    if (again && !again.config.oauth) throw new AccountError(`account ${request.name} logs in with a ${again.config.auth === 'oauth2' ? 'token given by hand' : 'password'}, not a sign-in: remove it first to sign it in`);
    const config = again ? again.config : await newAccountConfig(request, options.env ?? process.env);
    const oauth = config.oauth!;
    const signIn = await SignIn.start(oauthSettings(oauth), {
      loginHint: config.user,
      ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
      ...(options.signal && { signal: options.signal }),
    });
    const account = signIn.tokens.then(async (tokens) => {
      if (!tokens.refreshToken) {
        throw new OAuthError('signin', `${oauth.issuer} gave no refresh token, so Warden could not stay signed in: the app must be allowed offline access (scope offline_access, or Google's access_type=offline)`);
      }
      return keep(dataDir, request.name, again ? undefined : config, tokens.refreshToken, options);
    });
    return new AccountSignIn(request.name, signIn, account);
  }

  /** Finishes with the address the browser ended on, copied from a browser on another machine. */
  paste(address: string): void {
    this.#signIn.paste(address);
  }

  cancel(): void {
    this.#signIn.cancel();
  }
}

/** A new account's settings, checked before the browser opens. */
async function newAccountConfig(r: SignInRequest, env: NodeJS.ProcessEnv): Promise<AccountConfig> {
  if (!r.user) throw new AccountError('give the user name (your address) to sign in with');
  const p = r.provider === undefined ? undefined : preset(r.provider);
  if (r.provider !== undefined && !p) throw new AccountError(`no provider ${r.provider}: choose gmail or microsoft, or give the servers (--host, --oauth-issuer)`);
  if (p && !p.oauth) throw new AccountError(`${p.name} does not offer sign-in in the browser to mail programs: use an app password (${p.help})`);
  let server: OAuthServer;
  let scope: string | undefined;
  let params: Record<string, string> = {};
  if (p?.oauth) {
    server = p.oauth.server;
    scope = r.scope ?? p.oauth.scope;
    params = p.oauth.params ?? {};
  } else {
    if (!r.issuer) throw new AccountError('give the sign-in server (its issuer URL), or choose a provider');
    if (!r.scope) throw new AccountError('give the scopes your server grants IMAP access with');
    server = await discover(r.issuer);
    scope = r.scope;
    // OpenID Connect Core section 11: a refresh token for offline access only with prompt=consent.
    if (scope.split(' ').includes('offline_access')) params = { prompt: 'consent' };
  }
  const client = r.clientId ? { clientId: r.clientId, ...(r.clientSecret && { clientSecret: r.clientSecret }) } : p && presetClient(p, env);
  if (!client) {
    throw new AccountError((p && clientMissing(p, 'with --client-id or in the app', env)) ?? 'give the client ID of the app registered with your sign-in server');
  }
  const oauth: OAuthAccountSettings = { issuer: server.issuer, authorizationEndpoint: server.authorizationEndpoint, tokenEndpoint: server.tokenEndpoint, ...client, scope, params };
  const host = r.host ?? p?.host;
  if (!host) throw new AccountError('give the IMAP server (--host)');
  const tls = r.tls ?? p?.tls ?? 'implicit';
  return parseWith(
    accountConfigSchema,
    {
      host,
      port: r.port ?? p?.port ?? (tls === 'implicit' ? 993 : 143),
      tls,
      allowPlain: r.allowPlain ?? false,
      user: r.user,
      auth: 'oauth2',
      oauth,
      ...(p && { provider: p.id, providerHosts: p.providerHosts }),
      // Where the refresh token will be: checked now, filled in after the sign-in.
      secret: { from: 'app' },
    },
    `settings for account ${r.name}`,
  );
}

/** Keeps the refresh token, then adds the account (`config`) or replaces an existing one's sign-in. */
async function keep(dataDir: string, name: string, config: AccountConfig | undefined, refreshToken: string, options: AccountSignInOptions): Promise<Account> {
  // Added meanwhile under that name (another window, another command): its secret is left alone.
  if (config && withAccounts(dataDir, options, (accounts) => named(accounts, name))) throw new AccountError(`an account named ${name} was added meanwhile: sign in under another name`);
  let secret: AccountConfig['secret'];
  if (options.keyring) {
    await options.keyring.set(name, refreshToken);
    secret = { from: 'app' };
  } else {
    const path = secretFile(dataDir, name, 'refresh-token');
    writeSecretFile(path, refreshToken);
    secret = { from: 'file', path };
  }
  return withAccounts(dataDir, options, (accounts) => (config ? accounts.add(name, { ...config, secret }) : accounts.setSecret(name, secret)));
}
