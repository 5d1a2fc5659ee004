import * as oidc from 'openid-client';
import { configuration, failure, tokens, type OAuthSettings, type Tokens } from './client.ts';
import { OAuthError } from './errors.ts';
import { LoopbackRedirect } from './loopback.ts';

/** How long a sign-in waits for the browser to come back. */
export const SIGN_IN_TIMEOUT_MS = 10 * 60_000;

export interface SignInOptions {
  /** The account's address: the provider's sign-in page starts with it (OpenID Connect `login_hint`). */
  loginHint?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * One sign-in of a native app (RFC 8252): the authorization code flow with PKCE (RFC 7636,
 * S256), in the user's own browser, with the redirect to a loopback listener of this process.
 *
 * The browser may be on another machine (Warden on a home server): its redirect to 127.0.0.1 then
 * fails there, and the user pastes the address it ended on (`paste`). Either way the `state`
 * must be this sign-in's (openid-client checks it, RFC 6749 section 10.12) and the code is
 * redeemed with this sign-in's PKCE verifier, so an address from another sign-in is refused.
 */
export class SignIn {
  /** The address to open in the browser. */
  readonly url: URL;
  readonly redirectUri: string;
  /** The tokens, once the browser came back and the code was redeemed. */
  readonly tokens: Promise<Tokens>;
  #pasted!: { resolve: (address: URL) => void; reject: (err: Error) => void };

  private constructor(url: URL, listener: LoopbackRedirect, redeem: (callback: URL) => Promise<Tokens>) {
    this.url = url;
    this.redirectUri = listener.redirectUri;
    const pasted = new Promise<URL>((resolve, reject) => (this.#pasted = { resolve, reject }));
    this.tokens = Promise.race([listener.received, pasted]).then(
      async (callback) => {
        listener.close();
        // Only the answer's parameters are taken: the redirect URI must be this listener's,
        // exactly as in the request (RFC 6749 section 4.1.3), whatever address was pasted.
        const answer = new URL(listener.redirectUri);
        answer.search = callback.search;
        try {
          const got = await redeem(answer);
          listener.reply('Signed in', 'You can close this tab and go back to Warden.');
          return got;
        } catch (err) {
          listener.reply('Sign-in did not finish', `${(err as Error).message}.`);
          throw err;
        }
      },
      (err: unknown) => {
        listener.close();
        throw err;
      },
    );
    this.tokens.catch(() => {});
  }

  static async start(settings: OAuthSettings, options: SignInOptions = {}): Promise<SignIn> {
    const config = configuration(settings);
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const listener = await LoopbackRedirect.listen(options.timeoutMs ?? SIGN_IN_TIMEOUT_MS, options.signal);
    const url = oidc.buildAuthorizationUrl(config, {
      ...settings.params,
      redirect_uri: listener.redirectUri,
      scope: settings.scope,
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...(options.loginHint && { login_hint: options.loginHint }),
    });
    const redeem = async (callback: URL) => {
      try {
        return tokens(await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }));
      } catch (err) {
        throw redeemFailure(err, settings.server.issuer);
      }
    };
    return new SignIn(url, listener, redeem);
  }

  /**
   * Finishes with the address the browser ended on, copied by the user: for a browser on
   * another machine, whose redirect to this one's loopback address could not arrive.
   */
  paste(address: string): void {
    let url: URL;
    try {
      url = new URL(address.trim());
    } catch {
      throw new OAuthError('signin', 'that is not the address the browser ended on: copy the whole address from its address bar, starting with http://127.0.0.1');
    }
    if (!url.searchParams.has('state')) throw new OAuthError('signin', 'that address has no sign-in answer in it (no state): copy the address the browser ended on after signing in');
    this.#pasted.resolve(url);
  }

  /** Stops waiting: nothing is kept. */
  cancel(): void {
    this.#pasted.reject(new OAuthError('cancelled', 'the sign-in was cancelled'));
  }
}

function redeemFailure(err: unknown, issuer: string): OAuthError {
  // openid-client's own checks of the answer: above all a state that is not this sign-in's.
  const detail = err instanceof oidc.ClientError ? `${err.message} ${String((err.cause as Error | undefined)?.message)}` : '';
  if (/"state"/.test(detail)) {
    return new OAuthError('signin', `the sign-in answer is not for this sign-in (its state differs): start the sign-in again and finish it in the same browser tab`, { cause: err });
  }
  return failure(err, issuer);
}
