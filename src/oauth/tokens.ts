import { refresh, type OAuthSettings } from './client.ts';

/**
 * Where an account's refresh token is kept: the desktop app's keyring or a file only the user
 * can read. Read again before each refresh, so a new sign-in (in another Warden process too) is
 * taken up; written when the server rotates it.
 */
export interface RefreshTokenStore {
  read(): string | Promise<string>;
  write(token: string): Promise<void>;
}

/**
 * An account's access tokens: one kept while it is valid, a new one from the refresh token a
 * little before it expires (RFC 6749 section 6). One refresh at a time per account: servers that
 * rotate refresh tokens revoke the whole grant when an old one is presented again (RFC 9700
 * section 4.14.2), so two refreshes with the same token must never race.
 */
export class AccessTokenSource {
  readonly #settings: OAuthSettings;
  readonly #store: RefreshTokenStore;
  readonly #now: () => number;
  #refreshToken: string | undefined;
  #access: { token: string; expiresAt: number | undefined; lifetimeMs: number | undefined } | undefined;
  #refreshing: Promise<string> | undefined;

  constructor(settings: OAuthSettings, store: RefreshTokenStore, now: () => number = Date.now) {
    this.#settings = settings;
    this.#store = store;
    this.#now = now;
  }

  /** An access token that is valid for a while yet. Throws OAuthError. */
  async current(): Promise<string> {
    const stored = await this.#store.read();
    if (stored === this.#refreshToken && this.#access && !this.#expiring(this.#access)) return this.#access.token;
    return this.renew();
  }

  /** A new access token, as after the server refused the one it had. Throws OAuthError. */
  renew(): Promise<string> {
    this.#refreshing ??= this.#refresh().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  async #refresh(): Promise<string> {
    const refreshToken = await this.#store.read();
    if (refreshToken !== this.#refreshToken) this.#access = undefined;
    this.#refreshToken = refreshToken;
    const started = this.#now();
    const got = await refresh(this.#settings, refreshToken);
    if (got.refreshToken && got.refreshToken !== refreshToken) {
      // Kept before the access token is used: the old refresh token is spent.
      await this.#store.write(got.refreshToken);
      this.#refreshToken = got.refreshToken;
    }
    const lifetimeMs = got.expiresAt === undefined ? undefined : got.expiresAt - started;
    this.#access = { token: got.accessToken, expiresAt: got.expiresAt, lifetimeMs };
    return got.accessToken;
  }

  /** Within a minute of expiry, or the last tenth of a short lifetime. */
  #expiring(access: { expiresAt: number | undefined; lifetimeMs: number | undefined }): boolean {
    if (access.expiresAt === undefined || access.lifetimeMs === undefined) return false;
    const margin = Math.min(60_000, access.lifetimeMs / 10);
    return this.#now() >= access.expiresAt - margin;
  }
}
