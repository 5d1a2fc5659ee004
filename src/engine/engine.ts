import { EventEmitter } from 'node:events';
import type { Account } from './accounts.ts';
import type { MailboxOptions } from './catch-up.ts';
import { watch, type WatchEvent, type WatchOptions } from './watch.ts';

/**
 * The engine's events, one per kind of WatchEvent: `arrival` (a decision made, a message
 * moved, a restore learned, or a message left unanalysed), `learned` (Junk, Sent, flags),
 * `connected`, `started`, `repaired`, `retired` (rejects moved on to Trash), and the account
 * errors `disconnected` (retrying) and `stopped` (not retrying: the login or the certificate
 * was refused, or the account's data could not be opened).
 */
export type EngineEvents = { [K in WatchEvent['kind']]: [Extract<WatchEvent, { kind: K }>] };

/** Every kind, by name: a kind added to WatchEvent does not compile here until it is listed. */
const KINDS: Record<WatchEvent['kind'], true> = { connected: true, started: true, repaired: true, retired: true, arrival: true, learned: true, disconnected: true, stopped: true };
export const ENGINE_EVENT_KINDS = Object.keys(KINDS) as WatchEvent['kind'][];

export type EngineOptions = MailboxOptions & Pick<WatchOptions, 'backoff' | 'idleMs'>;

/**
 * Watches accounts, each until it is stopped or refuses Warden for good, and tells what
 * happens on a typed emitter: what the command line prints and the API forwards to the UI.
 */
export class Engine extends EventEmitter<EngineEvents> {
  readonly #dataDir: string;
  readonly #options: EngineOptions;
  readonly #watchers = new Map<string, { stop: AbortController; done: Promise<void> }>();

  constructor(dataDir: string, options: EngineOptions = {}) {
    super();
    this.#dataDir = dataDir;
    this.#options = options;
  }

  /** The names of the accounts being watched. */
  get watching(): string[] {
    return [...this.#watchers.keys()];
  }

  /** Starts watching an account; one already watched is left as it is. */
  watch(account: Account): void {
    if (this.#watchers.has(account.name)) return;
    const stop = new AbortController();
    const { backoff, idleMs, ...mailbox } = this.#options;
    const done = watch(this.#dataDir, account, {
      signal: stop.signal,
      // Each event under its own kind; TypeScript cannot follow that through the union.
      onEvent: (event) => (this as EventEmitter).emit(event.kind, event),
      mailbox,
      ...(backoff && { backoff }),
      ...(idleMs !== undefined && { idleMs }),
    })
      // What watch itself cannot report (its data folder failing as it closes): the account stops.
      .catch((err: unknown) => void this.emit('stopped', { kind: 'stopped', account: account.name, error: (err as Error).message }))
      .finally(() => this.#watchers.delete(account.name));
    this.#watchers.set(account.name, { stop, done });
  }

  /** Stops watching one account, or every account; resolves when they have let go. */
  async stop(name?: string): Promise<void> {
    const stopping = [...this.#watchers].filter(([n]) => name === undefined || n === name).map(([, w]) => w);
    for (const w of stopping) w.stop.abort();
    await Promise.all(stopping.map((w) => w.done));
  }

  /** Resolves when no account is watched any more (each stopped, or refused Warden). */
  async idle(): Promise<void> {
    while (this.#watchers.size > 0) await Promise.all([...this.#watchers.values()].map((w) => w.done));
  }
}
