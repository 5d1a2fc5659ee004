import { ImapError } from '../imap/errors.ts';
import type { ImapSession } from '../imap/session.ts';
import type { JournalEntry } from '../store/sync.ts';
import type { Claims } from './claims.ts';
import { locate } from './mail-actions.ts';
import { INBOX, type MailboxState } from './mailbox-state.ts';
import { Retention } from './retention.ts';
import { setKeyword } from './unsure-mark.ts';

/** How often Rejects is looked through for rejects past the retention period. */
const RETIRE_EVERY_MS = 60 * 60_000;
const DAY_MS = 24 * 60 * 60_000;

/**
 * An account's upkeep at each catch-up: moves a crash interrupted, finished; rejects past their
 * retention moved on to Trash; the history pruned (docs/history.md). The database's backup is the
 * engine's, not an account's (Engine, docs/backups.md).
 */
export class Upkeep {
  readonly #state: MailboxState;
  /** What the history no longer needs, deleted a slice at each catch-up (docs/history.md). */
  readonly #retention: Retention;
  /** When Rejects was last looked through for rejects past the retention period. */
  #retiredAt = -Infinity;
  readonly #claims: Claims;

  constructor(state: MailboxState, claims: Claims) {
    this.#state = state;
    this.#retention = new Retention(state.history);
    this.#claims = claims;
  }

  /** Moves out of folders other than INBOX a crash interrupted: finished if the message is still there. */
  async finishMoves(session: ImapSession): Promise<number> {
    let finished = 0;
    for (const entry of this.#state.sync.pending().filter((e) => e.mailbox !== INBOX)) finished += await this.#finish(session, entry);
    return finished;
  }

  async #finish(session: ImapSession, entry: JournalEntry): Promise<number> {
    try {
      const box = await session.open(entry.mailbox);
      if (box.uidValidity === entry.uidValidity && (await session.has(entry.uid))) await session.move(entry.uid, entry.target);
    } catch (err) {
      // The folder is gone: so is the move's reason. Anything else is the connection's.
      if (!(err instanceof ImapError) || err.kind !== 'protocol') throw err;
    }
    this.#state.sync.done(entry.id, this.#state.now());
    return 1;
  }

  /**
   * Moves out of INBOX (selected, with `uidValidity`) and unsure marks in it that a crash
   * interrupted, or moves that wait for INBOX's lease. A mark still in INBOX under the same
   * UIDVALIDITY is set now (a keyword set twice is set once); gone, it has nothing left to mark
   * (forgotten: the message never counts as marked). A claimed move still there is done now;
   * gone, it was. A move not yet claimed is claimed now, then made, or left to the engine that
   * claimed it (Claims.settle). Returns how many were finished.
   */
  async finishInboxMoves(session: ImapSession, uidValidity: number): Promise<number> {
    const { sync, now } = this.#state;
    let finished = 0;
    for (const entry of sync.pending().filter((e) => e.mailbox === INBOX)) {
      if (entry.action === 'keyword') {
        finished++;
        // A refusal is the server's for good: setKeyword forgot the entry.
        if (entry.uidValidity === uidValidity && (await session.has(entry.uid))) {
          await setKeyword(this.#state, session, entry).catch((err: unknown) => {
            if (!(err instanceof ImapError) || err.kind !== 'protocol') throw err;
          });
        } else sync.forget(entry.id);
      } else if (entry.uidValidity !== uidValidity || entry.claimed) {
        if (entry.uidValidity === uidValidity && (await session.has(entry.uid))) await session.move(entry.uid, entry.target);
        sync.done(entry.id, now());
        finished++;
      } else if ((await this.#claims.settle(session, entry)) !== 'later') finished++;
    }
    return finished;
  }

  /**
   * INBOX was renumbered: a move a crash left pending under the old UIDVALIDITY cannot be found
   * by UID any more, and the message stays in INBOX.
   */
  dropInboxMoves(): void {
    const { sync, now } = this.#state;
    for (const entry of sync.pending().filter((e) => e.mailbox === INBOX)) sync.done(entry.id, now());
  }

  /**
   * Rejects older than the retention period (counted from when Warden rejected them, E5) moved
   * on to Trash, journalled like any move; at most hourly, a hundred at a time. Off unless set:
   * Warden deletes nothing, and moves nothing the user has not asked it to (docs/analysis.md 8).
   */
  async retire(session: ImapSession, trash: string | undefined): Promise<number> {
    const { history, sync, delivery } = this.#state;
    const days = delivery.settings.rejectsRetentionDays;
    const now = this.#state.now();
    if (days === null || !trash || now - this.#retiredAt < RETIRE_EVERY_MS) return 0;
    this.#retiredAt = now;
    let retired = 0;
    for (const stored of history.staleRejects(now - days * DAY_MS, 100)) {
      const from = history.lastDecision(stored.id)?.mailbox ?? delivery.settings.rejectsMailbox;
      const found = await locate(session, from, stored).catch((err: unknown) => {
        if (err instanceof ImapError && err.kind === 'protocol') return undefined;
        throw err;
      });
      if (found) {
        const entry = sync.journalMove({ mailbox: from, uidValidity: found.uidValidity, uid: found.uid, fingerprint: stored.fingerprint, target: trash, claimed: true }, now);
        await session.move(found.uid, trash);
        sync.done(entry, this.#state.now());
        retired++;
      }
      // Moved on, or no longer there (the user's own doing): either way no longer in Rejects.
      history.retire(stored.id, now);
    }
    return retired;
  }

  /** A slice of retention's pass over the history (docs/history.md). */
  async prune(): Promise<void> {
    await this.#retention.run(this.#state.delivery.settings.historyRetentionDays, this.#state.now());
  }
}
