import { readFileSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import * as v from 'valibot';
import { ImapError, probe, type FolderRole, type ImapEndpoint, type ImapErrorKind, type Probe } from '../imap/probe.ts';
import { accessTokens } from './access-tokens.ts';
import { Accounts, type AccountMode, type AccountRow } from '../store/accounts.ts';
import { LOCAL_ACCOUNT } from '../store/history.ts';
import { openDatabase, type Db } from '../store/database.ts';
import { databaseFile } from './data-dir.ts';
import { InvalidSettingsError, parseWith } from './validate.ts';

export type { AccountMode, FolderRole, Probe };

const ROLES = ['inbox', 'rejects', 'junk', 'sent', 'trash', 'archive', 'drafts'] as const satisfies readonly FolderRole[];

const absolutePath = v.pipe(v.string(), v.check(isAbsolute, 'must be an absolute path'));

/** An OAuth2 sign-in: the provider's endpoints, the app registered there, and what it asks for. */
const url = v.pipe(v.string(), v.url());
const oauthSchema = v.strictObject({
  issuer: url,
  authorizationEndpoint: url,
  tokenEndpoint: url,
  clientId: v.pipe(v.string(), v.minLength(1)),
  /** Google's desktop clients have one; it is no secret in a desktop app (RFC 8252 section 8.5). */
  clientSecret: v.optional(v.pipe(v.string(), v.minLength(1))),
  scope: v.pipe(v.string(), v.minLength(1)),
  params: v.optional(v.record(v.string(), v.string()), {}),
});

export type OAuthAccountSettings = v.InferOutput<typeof oauthSchema>;

/**
 * An account's configuration. It never holds a secret: only where to read it at run time, an
 * environment variable or a file only its owner can read (docs/design.md invariant 8).
 */
export const accountConfigSchema = v.pipe(
  v.strictObject({
    host: v.pipe(v.string(), v.trim(), v.minLength(1)),
    port: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65_535)),
    tls: v.picklist(['implicit', 'starttls', 'plain']),
    /** Plain IMAP sends the password unencrypted: only when the user says so. */
    allowPlain: v.optional(v.boolean(), false),
    user: v.pipe(v.string(), v.minLength(1)),
    /**
     * oauth2 with `oauth`: the secret is a refresh token, from a sign-in in the browser. oauth2
     * without it: the secret is an access token the user renews by other means.
     */
    auth: v.optional(v.picklist(['password', 'oauth2']), 'password'),
    oauth: v.optional(oauthSchema),
    /** The preset the account was made from (providers.ts), for what the UI shows. */
    provider: v.optional(v.string()),
    secret: v.variant('from', [
      v.object({ from: v.literal('env'), name: v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not an environment variable name')) }),
      v.object({ from: v.literal('file'), path: absolutePath }),
      // Kept by the desktop app, encrypted by the operating system's keyring (Electron's safeStorage).
      v.object({ from: v.literal('app') }),
    ]),
    /** A CA certificate (PEM) to trust for this server, for self-hosted servers. */
    caFile: v.optional(absolutePath),
    /** Host-name suffixes of the servers that receive mail for this account (docs/analysis.md 1.3). */
    providerHosts: v.optional(v.array(v.pipe(v.string(), v.trim(), v.toLowerCase(), v.minLength(1))), []),
    /** Folders chosen by the user instead of the ones found (SPECIAL-USE, common names). */
    folders: v.optional(v.record(v.picklist(ROLES), v.pipe(v.string(), v.minLength(1))), {}),
  }),
  v.forward(v.check((c) => c.tls !== 'plain' || c.allowPlain, 'plain IMAP sends your password unencrypted: use implicit TLS or STARTTLS, or allow it explicitly (--allow-plain)'), ['tls']),
  v.forward(v.check((c) => !c.oauth || c.auth === 'oauth2', 'an OAuth2 sign-in needs auth oauth2'), ['auth']),
  // A refresh token may be replaced at each refresh (rotation): Warden must be able to write it back.
  v.forward(v.check((c) => !c.oauth || c.secret.from !== 'env', 'the refresh token of a sign-in is kept in a file or the app, where Warden can replace it, not in an environment variable'), ['secret']),
);

export type AccountConfig = v.InferOutput<typeof accountConfigSchema>;

/** What can be changed of an account once added; a folder choice of '' forgets it. */
export type AccountChanges = Partial<Pick<AccountConfig, 'host' | 'port' | 'tls' | 'allowPlain' | 'user' | 'secret' | 'folders'>>;

export interface Account {
  /** The id the account's history is kept under. */
  id: number;
  name: string;
  mode: AccountMode;
  config: AccountConfig;
}

/** An account that does not exist, or a name that cannot be used. */
export class AccountError extends Error {
  override name = 'AccountError';
}

/** The name the file simulation's history is kept under (store/history.ts). */
const RESERVED = 'local';

/** The accounts of a data directory. */
export class AccountService {
  readonly #db: Db;
  readonly #accounts: Accounts;

  /** Whether `close` closes the database: only when this service opened it. */
  readonly #ownsDb: boolean;

  private constructor(db: Db, ownsDb = true) {
    this.#db = db;
    this.#ownsDb = ownsDb;
    this.#accounts = new Accounts(db);
  }

  static open(dataDir: string): AccountService {
    return new AccountService(openDatabase(databaseFile(dataDir)));
  }

  /** On the engine's connection (EngineContext), which the engine closes. */
  static onDatabase(db: Db): AccountService {
    return new AccountService(db, false);
  }

  /** One account of the data folder, read and let go: for commands that work on one account. */
  static account(dataDir: string, name: string): Account {
    const service = AccountService.open(dataDir);
    try {
      return service.get(name);
    } finally {
      service.close();
    }
  }


  close(): void {
    if (this.#ownsDb) this.#db.close();
  }

  list(): Account[] {
    return this.#accounts.list().map(account);
  }

  get(name: string): Account {
    const row = this.#accounts.find(name);
    if (!row) throw new AccountError(`no account named ${name}: warden account list shows them`);
    return account(row);
  }

  /** The account `add` would make, in observe mode: its name and settings checked, nothing saved. */
  draft(name: string, config: unknown): Account {
    if (!/^[\w.@-]{1,64}$/.test(name)) throw new AccountError(`an account name is 1 to 64 letters, digits, or . _ - @: ${JSON.stringify(name)}`);
    if (name === RESERVED) throw new AccountError(`the name ${RESERVED} is kept for the message-file simulation; choose another`);
    if (this.#accounts.find(name)) throw existsError(name);
    return { id: 0, name, mode: 'observe', config: parseWith(accountConfigSchema, config, `settings for account ${name}`) };
  }

  /** Adds an account in observe mode: it decides and records, and moves nothing. */
  add(name: string, config: unknown): Account {
    const row = this.#accounts.add(name, this.draft(name, config).config, Date.now());
    if (!row) throw existsError(name);
    return account(row);
  }

  /** The account with `changes` over its settings, checked, nothing saved. */
  changed(name: string, changes: AccountChanges): Account {
    const a = this.get(name);
    const folders = changes.folders && Object.fromEntries(Object.entries({ ...a.config.folders, ...changes.folders }).filter(([, path]) => path !== ''));
    return { ...a, config: parseWith(accountConfigSchema, { ...a.config, ...changes, ...(folders && { folders }) }, `settings for account ${name}`) };
  }

  /** Saves `changes` to the account's settings, checked as `changed` does. */
  set(name: string, changes: AccountChanges): Account {
    this.#accounts.setConfig(name, this.changed(name, changes).config);
    return this.get(name);
  }

  remove(name: string): void {
    if (!this.#accounts.remove(name)) throw new AccountError(`no account named ${name}`);
  }

  /** Chooses the account's folders for roles, over the ones found; an empty path forgets a choice. */
  setFolders(name: string, folders: Partial<Record<FolderRole, string>>): Account {
    return this.set(name, { folders });
  }

  /** Says where the account's secret is now kept (after a new sign-in). */
  setSecret(name: string, secret: AccountConfig['secret']): Account {
    const a = this.get(name);
    this.#accounts.setConfig(name, parseWith(accountConfigSchema, { ...a.config, secret }, `settings for account ${name}`));
    return this.get(name);
  }

  setMode(name: string, mode: AccountMode): void {
    if (!this.#accounts.setMode(name, mode)) throw new AccountError(`no account named ${name}: warden account list shows them`);
  }

  /** Logs in to the account's server: its capabilities and folders, with the roles found. */
  async test(name: string, appSecrets?: AppSecrets): Promise<{ account: Account; probe: Probe }> {
    const a = this.get(name);
    return { account: a, probe: await probe(endpointOf(a, process.env, appSecrets)) };
  }
}

function existsError(name: string): AccountError {
  return new AccountError(`an account named ${name} exists already (warden account remove ${name} first)`);
}

/** The setting to correct when a login fails, by what failed. */
const FIELD_OF_FAILURE: Record<ImapErrorKind, string | undefined> = { auth: 'password', tls: 'tls', network: 'host', timeout: 'host', protocol: undefined };

/**
 * Logs in with an account's settings before they are saved (an account being added or changed),
 * with `secret` typed for them, or else the secret it has. A failure says what failed and names
 * the setting to correct: settings that cannot log in are not saved.
 */
export async function checkLogin(a: Account, secret: string | undefined, appSecrets?: AppSecrets): Promise<Probe> {
  // A typed secret is handed over as the app's keyring would hand it: it is kept nowhere yet.
  const typed: AppSecrets = { get: () => secret, set: () => Promise.resolve() };
  const endpoint = secret === undefined ? endpointOf(a, process.env, appSecrets) : endpointOf({ ...a, config: { ...a.config, secret: { from: 'app' } } }, process.env, typed);
  try {
    return await probe(endpoint);
  } catch (err) {
    if (!(err instanceof ImapError)) throw err;
    throw new InvalidSettingsError(`${err.message}; nothing was saved`, FIELD_OF_FAILURE[err.kind]);
  }
}

function account(row: AccountRow): Account {
  if (row.id === LOCAL_ACCOUNT) throw new AccountError(`the account ${row.name} is the simulation's`);
  return { id: row.id, name: row.name, mode: row.mode, config: parseWith(accountConfigSchema, row.config, `stored settings of account ${row.name}`) };
}

/**
 * Where to connect and how to log in, with the secret read now. Errors name the account, where
 * the secret should be and what to do; they never contain the secret.
 */
export function endpointOf(a: Account, env: NodeJS.ProcessEnv = process.env, appSecrets?: AppSecrets): ImapEndpoint {
  const c = a.config;
  const login = c.oauth ? { tokens: accessTokens(a, c.oauth, () => secretOf(a, env, appSecrets), appSecrets) } : secretLogin(a, secretOf(a, env, appSecrets));
  let ca: string | undefined;
  if (c.caFile) {
    try {
      ca = readFileSync(c.caFile, 'utf8');
    } catch (err) {
      throw new AccountError(`cannot read the CA certificate of account ${a.name} at ${c.caFile}: ${(err as Error).message}`, { cause: err });
    }
  }
  return {
    host: c.host,
    port: c.port,
    tls: c.tls,
    user: c.user,
    ...login,
    ...(ca === undefined ? {} : { ca }),
  };
}

function secretLogin(a: Account, secret: string): Pick<ImapEndpoint, 'password' | 'accessToken'> {
  return a.config.auth === 'oauth2' ? { accessToken: secret } : { password: secret };
}

/** The account's secret (password, access token or refresh token), read now from where it is kept. */
function secretOf(a: Account, env: NodeJS.ProcessEnv = process.env, appSecrets?: AppSecrets): string {
  const c = a.config;
  const what = `the ${c.oauth ? 'sign-in (refresh token)' : c.auth === 'oauth2' ? 'access token' : 'password'} of account ${a.name}`;
  return c.secret.from === 'app' ? appSecret(what, a, appSecrets) : readSecret(what, c.secret, env);
}

/** The secrets the desktop app keeps, decrypted, by account name. */
export interface AppSecrets {
  get(account: string): string | undefined;
  /** Keeps a new value, encrypted (a refresh token the provider replaced). */
  set(account: string, secret: string): Promise<void>;
}

function appSecret(what: string, a: Account, secrets: AppSecrets | undefined): string {
  const again = a.config.oauth ? 'sign in again in the app' : 'enter it again in the app';
  if (!secrets) throw new AccountError(`${what} is kept by the desktop app, encrypted: use the account there, or add it again here with --password-env or --password-file`);
  const value = secrets.get(a.name);
  if (!value) throw new AccountError(`${what} is missing from the desktop app's keyring: ${again}`);
  return value;
}

function readSecret(what: string, from: Exclude<AccountConfig['secret'], { from: 'app' }>, env: NodeJS.ProcessEnv): string {
  if (from.from === 'env') {
    const value = env[from.name];
    if (!value) throw new AccountError(`${what} is read from the environment variable ${from.name}, which is not set: set it where Warden runs, or keep the secret in a file with --password-file`);
    return value;
  }
  let mode: number;
  try {
    const stat = statSync(from.path);
    if (!stat.isFile()) throw new AccountError(`${what} is read from ${from.path}, which is not a file: give the path of the file that holds it`);
    mode = stat.mode;
  } catch (err) {
    if (err instanceof AccountError) throw err;
    throw new AccountError(`${what} is read from ${from.path}, which cannot be read (${(err as Error).message}): put the secret in that file (chmod 600), or give another`, { cause: err });
  }
  // Other users must not be able to read it (nor write it): the file holds a secret.
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new AccountError(`${what} is read from ${from.path}, which others can read: chmod 600 ${from.path}`);
  }
  const value = readFileSync(from.path, 'utf8').trim();
  if (value === '') throw new AccountError(`${what} is read from ${from.path}, which is empty: put the secret in it`);
  return value;
}
