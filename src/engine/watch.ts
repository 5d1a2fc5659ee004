import { ImapError } from '../imap/errors.ts';
import { IDLE_MS, ImapSession } from '../imap/session.ts';
import { StoreError } from '../store/database.ts';
import type { AccountMailbox } from './mailbox.ts';
import type { WatchEvent } from './events.ts';

export type { WatchEvent };

export interface WatchOptions {
  signal: AbortSignal;
  onEvent: (event: WatchEvent) => void;
  /**
   * Reconnect delays: doubled after each failure from `firstMs` up to `maxMs`, with jitter; back
   * to `firstMs` only when a session caught up and then failed with another error than the last.
   */
  backoff?: { firstMs: number; maxMs: number };
  /** IDLE is renewed this often (default IDLE_MS). */
  idleMs?: number;
  /** The reconnect jitter's randomness. */
  random?: () => number;
  /** Where the account's server is, and how to sign in. */
  endpoint: Parameters<typeof ImapSession.open>[0];
  /** The clock (for the backoff). */
  now?: () => number;
}

/** A session that lasted this long was well: its end starts the backoff afresh. */
const STABLE_MS = 60_000;

/**
 * Watches one account's INBOX until `signal` aborts: catches up, then waits with IDLE for new
 * mail and catches up again. A lost connection is retried with exponential backoff and
 * jitter, and so is a login the server could not check now (UNAVAILABLE, RFC 5530); a refused
 * login or an untrusted certificate stops the account (retrying would not help, and servers lock
 * out clients that retry wrong passwords).
 */
export async function watch(mailbox: AccountMailbox, options: WatchOptions): Promise<void> {
  const { signal, onEvent } = options;
  const backoff = options.backoff ?? { firstMs: 1_000, maxMs: 5 * 60_000 };
  const random = options.random ?? Math.random;
  const name = mailbox.account.name;
  let delay = backoff.firstMs;
  // The backoff starts afresh only after a session that caught up and then lasted a minute, or
  // failed otherwise than the last: an error that recurs after every login (a folder the server
  // refuses, say) waits longer each time, rather than reconnecting every second for ever.
  let lastError: string | undefined;
  const now = options.now ?? Date.now;
  while (!signal.aborted) {
    let session: ImapSession | undefined;
    let caughtUp = false;
    const since = now();
    try {
      session = await ImapSession.open(options.endpoint);
      onEvent({ kind: 'connected', account: name });
      while (!signal.aborted) {
        const mark = session.changes;
        await mailbox.catchUp(session, onEvent);
        caughtUp = true;
        await session.waitForChange(signal, options.idleMs ?? IDLE_MS, mark);
      }
    } catch (err) {
      if (signal.aborted) break;
      const message = (err as Error).message;
      // A database that cannot be used (StoreError: damaged, read-only, disk full) stops too.
      if (err instanceof StoreError || (err instanceof ImapError && (err.kind === 'tls' || (err.kind === 'auth' && err.code !== 'UNAVAILABLE')))) {
        onEvent({ kind: 'stopped', account: name, error: message, ...(err instanceof ImapError && err.code === 'SIGN_IN_AGAIN' && { signIn: true as const }) });
        return;
      }
      if (caughtUp && (message !== lastError || now() - since >= STABLE_MS)) delay = backoff.firstMs;
      lastError = message;
      const wait = Math.round(delay * (0.5 + random()));
      onEvent({ kind: 'disconnected', account: name, error: message, retryInMs: wait });
      await sleep(wait, signal);
      delay = Math.min(delay * 2, backoff.maxMs);
    } finally {
      await session?.close();
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
