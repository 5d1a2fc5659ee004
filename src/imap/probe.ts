/**
 * `probe`: one short session against an IMAP server to check an account's settings — connect,
 * log in, read the capabilities, list the folders with their special-use attributes, log out.
 * What `warden account test` shows, and what the engine checks before it starts watching.
 */

import { rootCertificates } from 'node:tls';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { claimSupportOf, type ClaimSupport } from './claim-support.ts';
import { describe, ImapError, scrub, timeoutError, type Attempt } from './errors.ts';
import { folderRoles, type Folder, type FolderRole } from './roles.ts';
import { withTlsHint } from './tls-hint.ts';

export { ImapError, type ImapErrorKind } from './errors.ts';
export { folderRoles, FOLDER_ROLES, type Folder, type FolderRole } from './roles.ts';

/** implicit: TLS from the first byte (port 993); starttls: plain, then STARTTLS, required (port 143); plain: no TLS at all. */
export type TlsMode = 'implicit' | 'starttls' | 'plain';

export interface ImapEndpoint {
  host: string;
  port: number;
  tls: TlsMode;
  user: string;
  password?: string;
  /** OAuth2 access token (XOAUTH2 / OAUTHBEARER), used instead of the password. */
  accessToken?: string;
  /** Where OAuth2 access tokens come from, when they are renewed: used instead of `accessToken`. */
  tokens?: AccessTokens;
  /** PEM of an extra CA to trust (self-hosted servers) */
  ca?: string;
}

/**
 * An account's OAuth2 access tokens (the engine refreshes them). Failures are ImapError: `auth`
 * when only a new sign-in helps, `network` when the provider cannot be reached now.
 */
export interface AccessTokens {
  /** A token valid for a while yet. */
  current(): Promise<string>;
  /** A new token: the server refused the current one (revoked, or expired early). */
  renew(): Promise<string>;
}

/**
 * Logs in with `connect`: with the endpoint's access tokens when it has them. A refused token is
 * renewed once and tried again, since a server may revoke a token before it expires; a second
 * refusal is the error, with nothing retried after (no storm of logins).
 */
export async function withLogin<T>(endpoint: ImapEndpoint, connect: (endpoint: ImapEndpoint) => Promise<T>): Promise<T> {
  const { tokens, ...rest } = endpoint;
  if (!tokens) return connect(endpoint);
  const accessToken = await tokens.current();
  try {
    return await connect({ ...rest, accessToken });
  } catch (err) {
    if (!(err instanceof ImapError && err.kind === 'auth' && err.code === 'SIGN_IN_AGAIN')) throw err;
    return connect({ ...rest, accessToken: await tokens.renew() });
  }
}

export interface Probe {
  /** The capabilities after login, upper case (e.g. `IDLE`, `MOVE`, `AUTH=PLAIN`). */
  capabilities: string[];
  folders: Folder[];
  roles: Partial<Record<FolderRole, string>>;
  /** How two engines on this account keep from acting on one message twice (docs/design.md, "Two computers, one mailbox"). */
  claims: ClaimSupport;
  /** server greeting/ID if available */
  server?: string;
}

export interface ProbeOptions {
  /** For the whole session; default 10 s. */
  timeoutMs?: number;
  /** Role overrides passed on to folderRoles. */
  roleOverrides?: Partial<Record<FolderRole, string>>;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/** imapflow's options for an endpoint: TLS checks on, its logger off, no auto-IDLE. */
export function imapflowOptions(endpoint: ImapEndpoint, timeoutMs = DEFAULT_TIMEOUT_MS): ImapFlowOptions {
  const auth = endpoint.accessToken
    ? { user: endpoint.user, accessToken: endpoint.accessToken }
    : { user: endpoint.user, ...(endpoint.password !== undefined ? { pass: endpoint.password } : {}) };
  return {
    host: endpoint.host,
    port: endpoint.port,
    secure: endpoint.tls === 'implicit',
    // starttls: required, so a server without STARTTLS is an error, never a silent plain login.
    ...(endpoint.tls === 'implicit' ? {} : { doSTARTTLS: endpoint.tls === 'starttls' }),
    auth,
    tls: {
      rejectUnauthorized: true,
      // Node's `ca` replaces the built-in roots, so the extra CA goes beside them.
      ...(endpoint.ca ? { ca: [...rootCertificates, endpoint.ca] } : {}),
    },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: Math.max(timeoutMs, 5_000),
    clientInfo: { name: 'Warden' },
  };
}

/** What error messages need to know of a connection attempt; its secrets, to keep them out. */
export function attemptOf(endpoint: ImapEndpoint, timeoutMs: number): Attempt {
  return {
    host: endpoint.host,
    port: endpoint.port,
    tls: endpoint.tls,
    user: endpoint.user,
    secrets: [endpoint.password, endpoint.accessToken],
    timeoutMs,
    oauth: Boolean(endpoint.accessToken),
  };
}

/** Connects, logs in, reads capabilities and folders, logs out. Throws ImapError. */
export function probe(endpoint: ImapEndpoint, options: ProbeOptions = {}): Promise<Probe> {
  return withLogin(endpoint, (loggingIn) => probeOnce(loggingIn, options));
}

async function probeOnce(endpoint: ImapEndpoint, options: ProbeOptions): Promise<Probe> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const attempt = attemptOf(endpoint, timeoutMs);
  if (!endpoint.password && !endpoint.accessToken) {
    throw new ImapError('auth', `no password or access token given for ${endpoint.user} at ${endpoint.host}:${endpoint.port}: give one`);
  }

  let client: ImapFlow;
  try {
    client = new ImapFlow(imapflowOptions(endpoint, timeoutMs));
  } catch (err) {
    throw describe(err, attempt);
  }
  // Errors also arrive as events; without a listener they would crash the process.
  client.on('error', () => {});

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      client.close();
      reject(timeoutError(attempt));
    }, timeoutMs);
  });

  const session = async (): Promise<Probe> => {
    await client.connect();
    const capabilities = [...client.capabilities.keys()].map((c) => c.toUpperCase());
    const folders = await listFolders(client);
    // Selected read-write, as the engine does: EXAMINE shows no permanent flags.
    await client.mailboxOpen('INBOX');
    const claims = claimSupportOf(client) ?? 'none';
    const server = serverDescription(client);
    await client.logout();
    return {
      capabilities,
      folders,
      roles: folderRoles(folders, options.roleOverrides),
      claims,
      ...(server ? { server: scrub(server, attempt.secrets) } : {}),
    };
  };

  const running = session();
  running.catch(() => {}); // after a timeout nothing awaits it any more
  try {
    return await Promise.race([running, deadline]);
  } catch (err) {
    client.close();
    throw await withTlsHint(describe(err, attempt), attempt);
  } finally {
    clearTimeout(timer);
  }
}

/** The account's folders, with the special use the server (or the user's client) marked. */
export async function listFolders(client: ImapFlow): Promise<Folder[]> {
  return (await client.list()).map((entry) => ({
    path: entry.path,
    name: entry.name,
    delimiter: entry.delimiter,
    // Only what was marked: guesses from names are folderRoles' job. imapflow knows RFC 6154's
    // attributes only; \Important (RFC 8457, Gmail's Important) is taken from the flags.
    ...(entry.specialUse && entry.specialUseSource !== 'name' && entry.specialUse !== '\\Inbox'
      ? { specialUse: entry.specialUse }
      : entry.flags.has('\\Important')
        ? { specialUse: '\\Important' }
        : {}),
    ...(entry.flags.has('\\Noselect') || entry.flags.has('\\NonExistent') ? { noselect: true as const } : {}),
  }));
}

function serverDescription(client: ImapFlow): string | undefined {
  const info = client.serverInfo;
  const id = info ? [info.name, info.version].filter((v): v is string => typeof v === 'string' && v !== '').join(' ') : '';
  const greeting = client.greeting?.trim() ?? '';
  if (id && greeting) return greeting.toLowerCase().includes(id.toLowerCase()) ? greeting : `${id} — ${greeting}`;
  return id || greeting || undefined;
}
