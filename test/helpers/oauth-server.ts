import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Provider, type KoaContextWithOIDC } from 'oidc-provider';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { SignInRequest } from '../../src/engine/account-sign-in.ts';
import { startDovecot } from './dovecot.ts';

/**
 * A throw-away OAuth2 authorization server for tests (oidc-provider, oauth.md recipe), on a free
 * loopback port: the identity provider Warden signs in with and Dovecot checks tokens against.
 *
 * - `warden-app`: a public native client (PKCE S256, loopback redirect on any port, RFC 8252 section 7.3);
 * - `dovecot`: a confidential client that may only introspect tokens (RFC 7662);
 * - access tokens carry the scope `imap` of the IMAP resource (RFC 8707), whatever the app asks.
 *
 * Its sign-in and consent pages are plain forms, filled in a real browser by `signInWithBrowser`.
 */

export const CLIENT_ID = 'warden-app';
export const IMAP_SCOPE = 'imap';
const IMAP_RESOURCE = 'urn:warden-test:imap';

export interface OAuthServerOptions {
  /** User names and passwords. */
  users: Record<string, string>;
  /** Access token lifetime in seconds (default 600). */
  accessTokenTtl?: number;
}

export interface OAuthTestServer {
  issuer: string;
  /** Dovecot's introspection URL, with its client credentials. */
  introspectionUrl: string;
  /** Token requests so far, by grant type (`authorization_code`, `refresh_token`). */
  grants: Record<string, number>;
  /** Revokes every grant of a user: their refresh and access tokens stop working. */
  revokeUser(user: string): Promise<void>;
  /** Revokes the access tokens given so far, before they expire; refresh tokens stay good. */
  revokeAccessTokens(): Promise<void>;
  /** Stops answering (the provider is down); `start` takes it up again on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startOAuthServer(options: OAuthServerOptions): Promise<OAuthTestServer> {
  let server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;
  const dovecotSecret = randomBytes(12).toString('hex');
  const grants: Record<string, number> = {};
  const grantIds = new Map<string, Set<string>>();
  const accessTokens = new Set<string>();
  const users = options.users;

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        redirect_uris: ['http://127.0.0.1/callback'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
      { client_id: 'dovecot', client_secret: dovecotSecret, token_endpoint_auth_method: 'client_secret_basic', grant_types: [], response_types: [], redirect_uris: [] },
    ],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    scopes: ['openid', 'offline_access'],
    pkce: { required: () => true },
    ttl: { AccessToken: options.accessTokenTtl ?? 600, AuthorizationCode: 60, Grant: 86_400, IdToken: 600, Interaction: 600, RefreshToken: 86_400, Session: 86_400 },
    findAccount: (_ctx: KoaContextWithOIDC, sub: string) => (users[sub] === undefined ? undefined : { accountId: sub, claims: () => ({ sub }) }),
    interactions: { url: (_ctx: KoaContextWithOIDC, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      introspection: { enabled: true, allowedPolicy: (_ctx, client) => client.clientId === 'dovecot' },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, _client, oneOf) => oneOf ?? IMAP_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: IMAP_SCOPE, audience: IMAP_RESOURCE, accessTokenTTL: options.accessTokenTtl ?? 600, accessTokenFormat: 'opaque' }),
      },
    },
  });
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    const type = String((ctx.oidc.params as { grant_type?: string } | undefined)?.grant_type);
    grants[type] = (grants[type] ?? 0) + 1;
  });
  provider.on('grant.error', (ctx: KoaContextWithOIDC) => {
    const type = `${String((ctx.oidc.params as { grant_type?: string } | undefined)?.grant_type)} refused`;
    grants[type] = (grants[type] ?? 0) + 1;
  });
  provider.on('grant.saved', (grant: { jti: string; accountId?: string }) => {
    if (!grant.accountId) return;
    if (!grantIds.has(grant.accountId)) grantIds.set(grant.accountId, new Set());
    grantIds.get(grant.accountId)!.add(grant.jti);
  });

  provider.on('access_token.saved', (token: { jti: string }) => accessTokens.add(token.jti));

  const callback = provider.callback();
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/interaction/')) void interaction(provider, users, req, res);
    else void callback(req, res);
  };
  server.on('request', handle);

  return {
    issuer,
    introspectionUrl: `http://dovecot:${dovecotSecret}@127.0.0.1:${port}/token/introspection`,
    grants,
    async revokeUser(user) {
      for (const id of grantIds.get(user) ?? []) await provider.Grant.adapter.destroy(id);
      // Tokens of a grant die with it (oidc-provider checks the grant on every use).
    },
    async revokeAccessTokens() {
      for (const jti of accessTokens) await provider.AccessToken.adapter.destroy(jti);
      accessTokens.clear();
    },
    stop: () => close(server),
    async start() {
      server = createServer(handle);
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    close: () => close(server),
  };
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The sign-in and consent pages: plain forms, one per step of the interaction. */
async function interaction(provider: Provider, users: Record<string, string>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const [, , uid, action] = new URL(req.url!, 'http://x').pathname.split('/');
  try {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('not this interaction');
    const { prompt, params } = details;
    if (req.method === 'GET') {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(
        prompt.name === 'login'
          ? `<!doctype html><title>Sign in</title><form method="post" action="/interaction/${uid}/login"><input name="login" aria-label="User" value="${typeof params.login_hint === 'string' ? params.login_hint : ''}"><input name="password" type="password" aria-label="Password"><button>Sign in</button></form>`
          : `<!doctype html><title>Allow access</title><p>${String(params.client_id)} asks to read your mail.</p><form method="post" action="/interaction/${uid}/confirm"><button>Allow</button></form><form method="post" action="/interaction/${uid}/abort"><button>Deny</button></form>`,
      );
      return;
    }
    const body = new URLSearchParams(await text(req));
    if (action === 'login') {
      const login = body.get('login') ?? '';
      if (users[login] === undefined || users[login] !== body.get('password')) {
        res.statusCode = 401;
        res.end('wrong user name or password');
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
    } else if (action === 'confirm') {
      // A second sign-in of the same session adds to the grant it has.
      const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
      const grant = existing ?? new provider.Grant({ accountId: details.session!.accountId, clientId: String(params.client_id) });
      const missing = prompt.details as { missingOIDCScope?: string[]; missingResourceScopes?: Record<string, string[]> };
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(resource, scopes.join(' '));
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: existing ? {} : { grantId } }, { mergeWithLastSubmission: true });
    } else {
      await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'the user did not allow it' }, { mergeWithLastSubmission: false });
    }
  } catch (err) {
    res.statusCode = 400;
    res.end(`interaction error: ${(err as Error).message}`);
  }
}

function text(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (data += chunk));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

/**
 * Signs in on the server's pages in a real browser tab, as the user would, from the address
 * Warden gives: user name and password (unless the tab's session is signed in already), then
 * Allow (or Deny). Resolves with the address the browser was sent back to: Warden's loopback
 * page, or in a browser `elsewhere`, the address that did not load there.
 */
export async function signInWithBrowser(page: Page, url: string | URL, user: string, password: string, options: SignInOptions = {}): Promise<string> {
  await page.goto(String(url));
  return signInOnPage(page, user, password, options);
}

interface SignInOptions {
  consent?: 'allow' | 'deny';
}

/** The same, on a page that is already at the server's sign-in (a tab the app opened). */
export async function signInOnPage(page: Page, user: string, password: string, options: SignInOptions = {}): Promise<string> {
  const landed = page.waitForRequest((r) => new URL(r.url()).pathname === '/callback', { timeout: 30_000 });
  // Signed in at the provider already (its session cookie): straight to the consent page.
  if ((await page.title()) === 'Sign in') {
    await page.getByLabel('User').fill(user);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  await page.getByRole('button', { name: options.consent === 'deny' ? 'Deny' : 'Allow' }).click();
  return (await landed).url();
}

/**
 * A browser on another computer: it reaches the sign-in server, but not this computer's
 * loopback address, so Warden's redirect fails there (through a proxy that answers nothing).
 */
export function browserElsewhere(browser: Browser, issuer: string): Promise<BrowserContext> {
  return browser.newContext({ proxy: { server: 'http://127.0.0.1:9', bypass: `<-loopback>, ${new URL(issuer).host}` } });
}

/** Signs in from a browser on another computer (browserElsewhere): the address it ended on, for the user to paste. */
export async function signInElsewhere(browser: Browser, issuer: string, url: string | URL, user: string, password: string): Promise<string> {
  const context = await browserElsewhere(browser, issuer);
  try {
    return await signInWithBrowser(await context.newPage(), url, user, password);
  } finally {
    await context.close();
  }
}

/** alice's password at the sign-in server of `startOAuthMailbox`. */
export const ALICE_PASSWORD = 'alice-sign-in-password';

/**
 * A sign-in server and a Dovecot that checks its tokens (oauth.md recipe), with alice at both:
 * the mailbox the OAuth2 tests sign in to. `request` is the sign-in of a new account for her.
 */
export async function startOAuthMailbox(options: { accessTokenTtl?: number } = {}) {
  const as = await startOAuthServer({ users: { alice: ALICE_PASSWORD }, ...options });
  const dovecot = await startDovecot({ users: ['alice'], oauth2: { introspectionUrl: as.introspectionUrl, scope: IMAP_SCOPE } }).catch(async (err: unknown) => {
    await as.close();
    throw err;
  });
  const request = {
    name: 'alice',
    user: 'alice',
    host: '127.0.0.1',
    port: dovecot.imapPort,
    tls: 'plain',
    allowPlain: true,
    issuer: as.issuer,
    scope: `offline_access ${IMAP_SCOPE}`,
    clientId: CLIENT_ID,
  } as const satisfies SignInRequest;
  return {
    as,
    dovecot,
    request,
    async stop() {
      await dovecot.stop();
      await as.close();
    },
  };
}

export type OAuthMailbox = Awaited<ReturnType<typeof startOAuthMailbox>>;
