/**
 * ImapError: every failure of an IMAP session as one of a few kinds, with a message that names
 * the problem and the fix. Messages never carry a secret: `describe` removes the password and the
 * access token from anything the server or the library said.
 */

export type ImapErrorKind = 'auth' | 'tls' | 'network' | 'timeout' | 'protocol';

export class ImapError extends Error {
  override readonly name = 'ImapError';
  readonly kind: ImapErrorKind;
  /**
   * The underlying error code (Node's `ECONNREFUSED`, a TLS code, imapflow's code), when there is
   * one; for refused logins, `SIGN_IN_AGAIN` (an OAuth2 token was refused) or `UNAVAILABLE` (the
   * server could not check the login now).
   */
  readonly code: string | undefined;

  constructor(kind: ImapErrorKind, message: string, code?: string) {
    super(message);
    this.kind = kind;
    this.code = code;
  }
}

/** What `describe` needs to know about the attempt. */
export interface Attempt {
  host: string;
  port: number;
  tls: 'implicit' | 'starttls' | 'plain';
  user: string;
  /** Removed from every message. */
  secrets: (string | undefined)[];
  timeoutMs: number;
  /** true when an access token (OAuth2) was used instead of a password. */
  oauth: boolean;
}

/** The fields of an error from imapflow, Node's net/tls or dns that are looked at. */
interface RawError {
  message?: unknown;
  code?: unknown;
  authenticationFailed?: unknown;
  tlsFailed?: unknown;
  serverResponseCode?: unknown;
  response?: unknown;
  responseText?: unknown;
  reason?: unknown;
}

const CERT_CODES: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unknown issuer',
  UNABLE_TO_GET_ISSUER_CERT: 'unknown issuer',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unknown issuer',
  CERT_UNTRUSTED: 'untrusted certificate',
  CERT_SIGNATURE_FAILURE: 'bad signature',
};

/** Translates anything thrown while talking to the server into an ImapError. */
export function describe(err: unknown, at: Attempt): ImapError {
  if (err instanceof ImapError) return err;
  const raw: RawError = typeof err === 'object' && err !== null ? err : { message: String(err) };
  const code = typeof raw.code === 'string' ? raw.code : undefined;
  // Text from outside (the server, the library, OpenSSL) is scrubbed of the secrets; our own words are not,
  // so a password like "wrong" cannot blank out "wrong user name".
  const rawMessage = typeof raw.message === 'string' ? raw.message : String(err);
  const message = scrub(rawMessage, at.secrets);
  const where = `${at.host}:${at.port}`;
  const said = scrub(serverText(raw), at.secrets);
  const saidPart = said ? ` (the server said: ${said})` : '';
  const make = (kind: ImapErrorKind, text: string) => new ImapError(kind, text, code);

  // TLS: certificate checks, and a handshake that failed because the other side is not TLS.
  if (code && CERT_CODES[code]) {
    return make('tls', `the server's TLS certificate is not trusted (${CERT_CODES[code]}) at ${where}: give its CA with --ca-file, or check the host name`);
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return make('tls', `the server's TLS certificate is not for ${at.host} (${message}): connect with the host name the certificate names, or check the host name`);
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return make('tls', `the server's TLS certificate at ${where} is ${code === 'CERT_HAS_EXPIRED' ? 'expired' : 'not yet valid'}: the server's administrator must renew it (or check this computer's clock)`);
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|packet length too long|unknown protocol/i.test(rawMessage)) {
    const hint = at.tls === 'implicit' ? ': is this a STARTTLS or plain port (like 143)? Then choose STARTTLS' : '';
    return make('tls', `the server at ${where} does not speak TLS${at.tls === 'implicit' ? ' from the first byte' : ''}${hint}`);
  }
  if (code?.startsWith('ERR_SSL_') || code?.startsWith('ERR_TLS_')) {
    return make('tls', `the TLS handshake with ${where} failed (${opensslReason(message)}): check the TLS mode and the port`);
  }
  if (raw.tlsFailed === true && /does not support STARTTLS|PREAUTH/i.test(rawMessage)) {
    return make('tls', `the server at ${where} does not offer STARTTLS, so the login would travel unencrypted: use implicit TLS (usually port 993), or plain only on a trusted network`);
  }
  if (raw.tlsFailed === true) {
    return make('tls', `STARTTLS with ${where} failed (${message}): try implicit TLS (usually port 993)`);
  }

  // Authentication.
  if (raw.authenticationFailed === true || /^(Authentication failed|No password configured|Login is disabled|Please configure the login|No matching authentication method)$/.test(rawMessage)) {
    if (rawMessage === 'Login is disabled') {
      return make('auth', `the server at ${where} refuses logins without TLS: choose STARTTLS or implicit TLS`);
    }
    if (rawMessage === 'No password configured' || rawMessage === 'Please configure the login') {
      return make('auth', `no password or access token given for ${at.user} at ${where}: give one`);
    }
    if (raw.serverResponseCode === 'UNAVAILABLE') {
      // RFC 5530 section 3: a temporary failure (an OAuth2 server's token check could not be made).
      return new ImapError('auth', `the server at ${where} could not check the login of ${at.user} right now${saidPart}: try again later`, 'UNAVAILABLE');
    }
    if (at.oauth) {
      return new ImapError('auth', `the access token for ${at.user} at ${where} was refused${saidPart}: sign in again to get a new one`, 'SIGN_IN_AGAIN');
    }
    return make('auth', `wrong user name or password for ${at.user} at ${where}${saidPart}`);
  }
  if (rawMessage === 'Unsupported authentication mechanism') {
    return make('auth', at.oauth
      ? `the server at ${where} does not offer OAuth2 login (XOAUTH2 or OAUTHBEARER): use a password`
      : `the server at ${where} offers no login method Warden knows (PLAIN, LOGIN)`);
  }

  // Timeouts.
  if (code === 'CONNECT_TIMEOUT' || code === 'ETIMEDOUT' || code === 'ETIMEOUT' || code === 'GREETING_TIMEOUT' || code === 'UPGRADE_TIMEOUT') {
    return timeoutError(at, code);
  }

  // Network.
  switch (code) {
    case 'ECONNREFUSED':
      return make('network', `cannot connect to ${where}: connection refused — is the server running and the port right?`);
    case 'ENOTFOUND':
      return make('network', `cannot find the host ${at.host}: check the host name`);
    case 'EAI_AGAIN':
      return make('network', `cannot look up the host ${at.host} right now (DNS): check the network connection`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return make('network', `cannot reach ${where} (${code}): check the network connection and the host name`);
    case 'ECONNRESET':
    case 'EPIPE':
    case 'NoConnection':
    case 'EConnectionClosed':
    case 'ClosedAfterConnectText':
    case 'ClosedAfterConnectTLS': {
      // No guess about TLS here: withTlsHint adds it when the port is found to answer in TLS.
      const reason = typeof raw.reason === 'string' && raw.reason ? ` (the server said: ${scrub(raw.reason, at.secrets)})` : '';
      return make('network', `the connection to ${where} was closed${reason}`);
    }
  }

  return make('protocol', `unexpected answer from ${where}: ${message}${saidPart}`);
}

export function timeoutError(at: Pick<Attempt, 'host' | 'port' | 'timeoutMs'>, code?: string): ImapError {
  const seconds = Math.round(at.timeoutMs / 100) / 10;
  return new ImapError('timeout', `no answer from ${at.host}:${at.port} within ${seconds} s: check the host, the port and any firewall`, code);
}

/** The human part of the server's answer: `2 NO [AUTHENTICATIONFAILED] Authentication failed.` -> `Authentication failed.` */
function serverText(raw: RawError): string {
  for (const value of [raw.response, raw.responseText]) {
    if (typeof value !== 'string') continue;
    const text = value
      .trim()
      .replace(/^(\S+ )?(OK|NO|BAD|BYE) /i, '')
      .replace(/^\[[^\]]*\] ?/, '')
      .trim();
    if (text) return text;
  }
  return '';
}

/** OpenSSL's reason out of its long error string (`...:SSL routines:func:reason:file:line:`). */
function opensslReason(message: string): string {
  const match = /SSL routines:[^:]*:([^:]+):/.exec(message);
  return match?.[1] ?? message.trim();
}

/** Removes every secret from a text. */
export function scrub(text: string, secrets: (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret) out = out.split(secret).join('***');
  }
  return out;
}
