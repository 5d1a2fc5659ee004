import { EventEmitter } from 'node:events';
import { storeFault } from '../store/database.ts';
import { endpointOf, type Account } from './accounts.ts';
import { backupIfDue, backupsFolder } from './backups.ts';
import { AccountMailbox, type MailboxOptions } from './mailbox.ts';
import type { EngineContext } from './context.ts';
import { DIGEST_CHECK_MS, digestIfDue } from './digest.ts';
import type { WatchEvent } from './events.ts';
import { watch, type WatchOptions } from './watch.ts';

/**
 * The engine's events, one per kind of WatchEvent: `arrival` (a decision made, a message
 * moved, a restore learned, or a message left unanalysed), `learned` (Junk, Sent, flags),
 * `connected`, `started`, `repaired`, `retired` (rejects moved on to Trash), `digest` (the daily
 * digest appended, or not for an error), `backup` (the daily backup failed), and the account
 * errors `disconnected` (retrying) and `stopped` (not retrying: the login or the certificate was
 * refused, or the account's data could not be opened).
 */
export type EngineEvents = { [K in WatchEvent['kind']]: [Extract<WatchEvent, { kind: K }>] };

/** Every kind, by name: a kind added to WatchEvent does not compile here until it is listed. */
const KINDS: Record<WatchEvent['kind'], true> = { connected: true, started: true, repaired: true, retired: true, arrival: true, learned: true, disconnected: true, stopped: true, digest: true, backup: true };
export const ENGINE_EVENT_KINDS = Object.keys(KINDS) as WatchEvent['kind'][];

/** Whether an event (of the API, say) is one of the engine's own. */
export function isEngineEvent(event: { kind: string }): event is WatchEvent {
  return Object.hasOwn(KINDS, event.kind);
}

export type EngineOptions = MailboxOptions &
  Pick<WatchOptions, 'backoff' | 'idleMs'> & {
    /** How often each account looks whether its daily digest is due (default DIGEST_CHECK_MS). */
    digestCheckMs?: number;
    /** How often the engine looks whether the daily backup is due (default BACKUP_CHECK_MS). */
    backupCheckMs?: number;
  };

/** The backup is made once a day (docs/backups.md); looking every hour makes it at most an hour late. */
export const BACKUP_CHECK_MS = 60 * 60_000;

interface Watcher {
  mailbox: AccountMailbox;
  stop: AbortController;
  /** Resolves when the account has let go: its watch, and its digest check under way. */
  done: Promise<void>;
}

/**
 * Watches accounts, each until it is stopped or refuses Warden for good, and tells what
 * happens on a typed emitter: what the command line prints and the API forwards to the UI.
 * Every account's mailbox works on the one context of the engine (docs/design.md).
 */
export class Engine extends EventEmitter<EngineEvents> {
  readonly #context: EngineContext;
  readonly #options: EngineOptions;
  readonly #watchers = new Map<string, Watcher>();
  /** The daily backup's checks, while any account is watched. */
  #backups: { stop: AbortController; done: () => Promise<void> } | undefined;

  constructor(context: EngineContext, options: EngineOptions = {}) {
    super();
    this.#context = context;
    this.#options = options;
  }

  /** The names of the accounts being watched. */
  get watching(): string[] {
    return [...this.#watchers.keys()];
  }

  /** Starts watching an account; one already watched is left as it is. */
  watch(account: Account): void {
    if (this.#watchers.has(account.name)) return;
    const { backoff, idleMs, ...mailboxOptions } = this.#options;
    // Each event under its own kind; TypeScript cannot follow that through the union.
    const onEvent = (event: WatchEvent) => (this as EventEmitter).emit(event.kind, event);
    let mailbox: AccountMailbox;
    let endpoint: WatchOptions['endpoint'];
    try {
      endpoint = endpointOf(account, process.env, mailboxOptions.appSecrets);
      mailbox = AccountMailbox.open(this.#context, account, mailboxOptions);
      // The word table is read before the first account connects: read at the first arrival, it
      // held up every account's arrivals behind it (docs/measured.md, one engine).
      if (this.#watchers.size === 0) this.#context.junk.warm();
    } catch (err) {
      onEvent({ kind: 'stopped', account: account.name, error: (err as Error).message });
      return;
    }
    const stop = new AbortController();
    this.#backups ??= this.#startBackups(onEvent);
    const digests = this.#digests(mailbox, stop.signal, onEvent);
    const done = watch(mailbox, { signal: stop.signal, onEvent, endpoint, ...(backoff && { backoff }), ...(idleMs !== undefined && { idleMs }), ...(mailboxOptions.now && { now: mailboxOptions.now }) })
      // What watch itself cannot report (the database failing under it): the account stops.
      .catch((err: unknown) => void this.emit('stopped', { kind: 'stopped', account: account.name, error: (err as Error).message }))
      .finally(() => stop.abort())
      .then(() => digests())
      .finally(() => this.#watchers.delete(account.name))
      .then(() => this.#stopBackupsIfIdle());
    this.#watchers.set(account.name, { mailbox, stop, done });
  }

  /**
   * The daily backup of the database every account shares (docs/backups.md): looked for at once,
   * then every backupCheckMs. A database it finds damaged, or cannot write, stops every account,
   * as it stops the account whose catch-up finds it so; another failure is told and tried again
   * at the next check.
   */
  #startBackups(onEvent: (event: WatchEvent) => void): { stop: AbortController; done: () => Promise<void> } {
    const stop = new AbortController();
    const { db } = this.#context;
    const now = this.#options.now ?? Date.now;
    const done = every(this.#options.backupCheckMs ?? BACKUP_CHECK_MS, stop.signal, async () => {
      try {
        await backupIfDue(db, now());
      } catch (err) {
        const fault = storeFault(err, db.name);
        if (!fault) {
          const folder = backupsFolder(db.name);
          return onEvent({ kind: 'backup', error: `could not back up to ${folder} (${(err as Error).message}): make ${folder} a folder you can write to, on a disk with room` });
        }
        for (const [name, watcher] of this.#watchers) {
          onEvent({ kind: 'stopped', account: name, error: fault.message });
          watcher.stop.abort();
        }
      }
    });
    return { stop, done };
  }

  async #stopBackupsIfIdle(): Promise<void> {
    const backups = this.#backups;
    if (!backups || this.#watchers.size > 0) return;
    this.#backups = undefined;
    backups.stop.abort();
    await backups.done();
  }

  /**
   * The account's daily digest (docs/digest.md): looked for at once, then every digestCheckMs
   * until `signal` aborts, by the clock on the wall, so a computer asleep at the hour sends it
   * soon after it wakes. Returns what resolves when no check is under way any more.
   */
  #digests(mailbox: AccountMailbox, signal: AbortSignal, onEvent: (event: WatchEvent) => void): () => Promise<void> {
    const { appSecrets, now } = this.#options;
    return every(this.#options.digestCheckMs ?? DIGEST_CHECK_MS, signal, async () => {
      const account = mailbox.account;
      await digestIfDue(this.#context, account, { ...(appSecrets && { appSecrets }), ...(now && { now }) }).then(
        (rejects) => void (rejects !== undefined && onEvent({ kind: 'digest', account: account.name, rejects })),
        // Tried again at the next check; watching goes on.
        (err: unknown) => void onEvent({ kind: 'digest', account: account.name, error: (err as Error).message }),
      );
    });
  }

  /**
   * The account changed while it is watched. Its mode takes effect at the next message; a
   * change of its server, sign-in or folders starts its watcher again, on the new ones.
   */
  async update(account: Account): Promise<void> {
    const watcher = this.#watchers.get(account.name);
    if (!watcher) return;
    if (JSON.stringify(watcher.mailbox.account.config) === JSON.stringify(account.config)) {
      watcher.mailbox.account = account;
      return;
    }
    await this.stop(account.name);
    this.watch(account);
  }

  /** Stops watching one account, or every account; resolves when they have let go. */
  async stop(name?: string): Promise<void> {
    const stopping = [...this.#watchers].filter(([n]) => name === undefined || n === name).map(([, w]) => w);
    for (const w of stopping) w.stop.abort();
    await Promise.all(stopping.map((w) => w.done));
  }

  /** Resolves when no account is watched any more (each stopped, or refused Warden). */
  async idle(): Promise<void> {
    while (this.#watchers.size > 0) {
      await Promise.all([...this.#watchers.values()].map((w) => w.done));
      // A changed account (update, the API's accounts.set) is stopped and watched again in the
      // same turn: only an engine still without watchers a turn later is idle.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

/**
 * Runs `task` at once, then every `ms` until `signal` aborts, never two at a time. Returns what
 * resolves when no run is under way any more.
 */
function every(ms: number, signal: AbortSignal, task: () => Promise<void>): () => Promise<void> {
  let current: Promise<void> | undefined;
  const run = () => {
    current ??= task().finally(() => (current = undefined));
  };
  const timer = setInterval(run, ms);
  signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  run();
  return async () => await current;
}
