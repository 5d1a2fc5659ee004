import type { PreferencesService } from '../engine/preferences.ts';
import { InvalidSettingsError } from '../engine/validate.ts';
import type { AppLoginItem, PreferencesView } from './contract.ts';

/**
 * The preferences the API serves: those kept in the data folder, and start at login, which the
 * desktop app's login item holds (asked each time: the user can change it outside Warden).
 */
export class AppPreferences {
  readonly #stored: PreferencesService;
  readonly #login: AppLoginItem | undefined;

  constructor(stored: PreferencesService, login: AppLoginItem | undefined) {
    this.#stored = stored;
    this.#login = login;
  }

  async get(): Promise<PreferencesView> {
    return { ...this.#stored.get(), startAtLogin: this.#login ? await this.#login.get() : null };
  }

  /** Applies `changes`; start at login where it is not available is refused, and nothing changed. */
  async set(changes: { notifications?: boolean; startAtLogin?: boolean }): Promise<PreferencesView> {
    const { startAtLogin, ...stored } = changes;
    if (startAtLogin !== undefined) {
      if (!this.#login) {
        throw new InvalidSettingsError(
          'startAtLogin: Warden cannot start at login from here: only the installed desktop app can (not warden serve, nor the app started by npm start)',
          'startAtLogin',
        );
      }
      // The login item first: it is the one that can fail (a file system, the OS), and then
      // nothing is stored either.
      await this.#login.set(startAtLogin).catch((err: unknown) => {
        throw new Error(`start at login could not be turned ${startAtLogin ? 'on' : 'off'}: ${(err as Error).message}`, { cause: err });
      });
    }
    this.#stored.set(stored);
    return this.get();
  }
}
