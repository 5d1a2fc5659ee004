/**
 * OAuthError: every failure of a sign-in or a token refresh as one of a few kinds, with a
 * message that names the problem and the fix. Messages never carry a token.
 *
 * - `signin`: the grant is gone (revoked, expired, password changed) or was refused: only the
 *   user, signing in again, can fix it; retrying would not help.
 * - `unavailable`: the provider's sign-in server could not be reached or failed: try later.
 * - `timeout`, `cancelled`: the browser never came back, or the user gave up.
 */
export type OAuthErrorKind = 'signin' | 'unavailable' | 'timeout' | 'cancelled';

export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  readonly kind: OAuthErrorKind;

  constructor(kind: OAuthErrorKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.kind = kind;
  }
}
