import * as oidc from 'openid-client';
import { OAuthError } from './errors.ts';

/** Where a provider signs users in and hands out tokens (RFC 8414 names, camel-cased). */
export interface OAuthServer {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
}

/**
 * The app as registered with the provider. A desktop app is a public client (RFC 8252 section
 * 8.5): a "secret" shipped in it, as Google's desktop clients have, is no secret, so it is kept
 * as plain configuration like the client ID.
 */
export interface OAuthClient {
  clientId: string;
  clientSecret?: string;
}

/** What an account signs in with: the provider, the app, and what the app asks for. */
export interface OAuthSettings {
  server: OAuthServer;
  client: OAuthClient;
  /** The scopes asked for, space-separated (RFC 6749 section 3.3). */
  scope: string;
  /** Further parameters of the authorization request (Google's `access_type=offline`). */
  params?: Record<string, string>;
}

/** The tokens of a sign-in or a refresh. */
export interface Tokens {
  accessToken: string;
  /** Absent when a refresh keeps the refresh token as it was (no rotation). */
  refreshToken?: string;
  /** When the access token expires (ms since the epoch); undefined when the server did not say. */
  expiresAt?: number;
}

/**
 * Reads a provider's metadata (RFC 8414, or OpenID Connect discovery) from its issuer URL: for
 * servers without a preset. Plain HTTP is accepted for a server on this machine only.
 */
export async function discover(issuer: string): Promise<OAuthServer> {
  const url = parseIssuer(issuer);
  let config: oidc.Configuration;
  try {
    // Only the server's metadata is wanted here: the client ID is given when signing in.
    config = await oidc.discovery(url, 'warden', undefined, oidc.None(), insecureOnLoopback(url));
  } catch (err) {
    throw new OAuthError('unavailable', `cannot read the sign-in settings of ${issuer} (${reason(err)}): check the address`, { cause: err });
  }
  const m = config.serverMetadata();
  if (!m.authorization_endpoint || !m.token_endpoint) {
    throw new OAuthError('signin', `${issuer} does not say where to sign in (no authorization or token endpoint): it is not an OAuth2 server Warden can use`);
  }
  return { issuer: m.issuer, authorizationEndpoint: m.authorization_endpoint, tokenEndpoint: m.token_endpoint };
}

/** openid-client's view of the provider and the app. */
export function configuration(settings: OAuthSettings): oidc.Configuration {
  const { server, client } = settings;
  const metadata = { issuer: server.issuer, authorization_endpoint: server.authorizationEndpoint, token_endpoint: server.tokenEndpoint };
  const auth = client.clientSecret ? oidc.ClientSecretPost(client.clientSecret) : oidc.None();
  const config = new oidc.Configuration(metadata, client.clientId, undefined, auth);
  if (isLoopbackHttp(new URL(server.tokenEndpoint))) oidc.allowInsecureRequests(config);
  return config;
}

/** Exchanges a refresh token for a new access token (RFC 6749 section 6). */
export async function refresh(settings: OAuthSettings, refreshToken: string): Promise<Tokens> {
  try {
    return tokens(await oidc.refreshTokenGrant(configuration(settings), refreshToken));
  } catch (err) {
    throw failure(err, settings.server.issuer);
  }
}

export function tokens(response: oidc.TokenEndpointResponse): Tokens {
  return {
    accessToken: response.access_token,
    ...(response.refresh_token && { refreshToken: response.refresh_token }),
    ...(response.expires_in !== undefined && { expiresAt: Date.now() + response.expires_in * 1000 }),
  };
}

/** A failed token request in words: the grant is gone (sign in again), or the server is unreachable (later). */
export function failure(err: unknown, issuer: string): OAuthError {
  if (err instanceof OAuthError) return err;
  if (err instanceof oidc.ResponseBodyError) {
    const said = err.error_description ? `${err.error}: ${err.error_description}` : err.error;
    // RFC 6749 section 5.2: the grant or the client is refused; a new sign-in is the only way on.
    if (['invalid_grant', 'invalid_client', 'unauthorized_client', 'invalid_scope', 'access_denied'].includes(err.error)) {
      return new OAuthError('signin', `${issuer} refused Warden's sign-in (${said}): sign in again`, { cause: err });
    }
    return new OAuthError(err.status >= 500 ? 'unavailable' : 'signin', `${issuer} refused the token request (${said})`, { cause: err });
  }
  if (err instanceof oidc.AuthorizationResponseError) {
    const said = err.error_description ? `${err.error}: ${err.error_description}` : err.error;
    const text = err.error === 'access_denied' ? 'access was not allowed' : said;
    return new OAuthError('signin', `the sign-in at ${issuer} did not finish (${text}): sign in again, and allow Warden to read your mail`, { cause: err });
  }
  if (err instanceof oidc.ClientError) {
    const detail = (err.cause as Error | undefined)?.message;
    return new OAuthError('signin', `the answer of ${issuer} could not be used (${err.message}${detail ? `: ${detail}` : ''}): sign in again`, { cause: err });
  }
  return new OAuthError('unavailable', `cannot reach the sign-in server ${issuer} (${reason(err)}): check the network connection, then try again`, { cause: err });
}

function parseIssuer(issuer: string): URL {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new OAuthError('signin', `${JSON.stringify(issuer)} is not a URL: give the issuer as https://…`);
  }
  if (url.protocol !== 'https:' && !isLoopbackHttp(url)) {
    throw new OAuthError('signin', `${issuer} is not HTTPS: tokens are only fetched over HTTPS (plain HTTP only from this machine, 127.0.0.1)`);
  }
  return url;
}

/** Plain HTTP is accepted only on the loopback interface, where no network sees it (tests, a local server). */
function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === '[::1]' || url.hostname === 'localhost');
}

function insecureOnLoopback(url: URL): oidc.DiscoveryRequestOptions {
  return isLoopbackHttp(url) ? { execute: [oidc.allowInsecureRequests] } : {};
}

function reason(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  return err instanceof Error ? err.message : String(err);
}
