import type { ApiEvent, CommandParams } from '../../../src/api/contract.ts';
import { call } from './api.ts';
import type { FieldError } from './fields.ts';

/**
 * A sign-in waiting for the browser: the sign-in page's address, and who opened it: the desktop
 * app (in the user's browser), this page (a new tab), or nobody (a blocked pop-up, or Electron's
 * window, which opens none): then the user opens the address.
 */
export interface Waiting {
  url: string;
  opened: 'app' | 'tab' | 'no';
  /** An account signing in again, not a new one. */
  again: boolean;
}

type SignInEvent = Extract<ApiEvent, { kind: 'signin' }>;

/**
 * The sign-ins (OAuth2 in the browser) of the Accounts view, by account name: the ones waiting,
 * and why the last one of an account did not finish. The engine's `signin` event ends them.
 */
export class SignIns {
  waiting = $state<Record<string, Waiting>>({});
  errors = $state<Record<string, string>>({});

  /** Starts a sign-in and opens its page; refused at once with the field at fault. */
  async start(params: CommandParams<'accounts.signIn'>, again = false): Promise<FieldError | undefined> {
    this.errors = { ...this.errors, [params.name]: '' };
    const r = await call('accounts.signIn', params);
    if (!r.ok) return { text: r.error, ...(r.field ? { field: r.field } : {}) };
    const opened = r.result.opened ? 'app' : openTab(r.result.url) ? 'tab' : 'no';
    this.waiting = { ...this.waiting, [params.name]: { url: r.result.url, opened, again } };
    return undefined;
  }

  /** Finishes with the address a browser on another machine ended on; the error in words, if refused. */
  async paste(name: string, address: string): Promise<string | undefined> {
    const r = await call('accounts.signInPaste', { name, address });
    return r.ok ? undefined : r.error;
  }

  async cancel(name: string): Promise<void> {
    // Forgotten first: the engine's event saying it was cancelled is no error to show.
    this.#forget(name);
    await call('accounts.signInCancel', { name });
  }

  /**
   * How a sign-in ended (the engine's event): the sign-in that was waiting, if any; one this
   * view is not waiting for changes nothing.
   */
  ended(e: SignInEvent): Waiting | undefined {
    const ended = this.waiting[e.name];
    if (!ended) return undefined;
    this.#forget(e.name);
    if (!e.ok) this.errors = { ...this.errors, [e.name]: e.error };
    return ended;
  }

  #forget(name: string): void {
    this.waiting = Object.fromEntries(Object.entries(this.waiting).filter(([n]) => n !== name));
  }
}

/**
 * Opens the sign-in page in a new tab. Without 'noopener', whose window.open answers null even
 * when it opened, so a blocked pop-up is told apart; the opener is cut here instead, so the
 * provider's page cannot reach this one.
 */
function openTab(url: string): boolean {
  const tab = window.open(url, '_blank');
  if (!tab) return false;
  tab.opener = null;
  return true;
}
