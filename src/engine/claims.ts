import { randomBytes } from 'node:crypto';
import { claim, claimedBy, claimKeyword, MailboxLease, type ClaimOutcome, type Seen } from '../imap/claim.ts';
import type { ImapSession } from '../imap/session.ts';
import type { Db } from '../store/database.ts';
import { readSetting, writeSetting } from '../store/settings.ts';
import type { JournalEntry } from '../store/sync.ts';
import type { MailboxState } from './mailbox-state.ts';

const ENGINE_ID = 'engine.id';

/**
 * The id of this data folder's engine, made once and kept in its database: its claim keyword
 * on the server (src/imap/claim.ts) is made of it, so it must outlive restarts.
 */
export function engineId(db: Db): string {
  const kept = readSetting(db, ENGINE_ID);
  if (typeof kept === 'string') return kept;
  const made = randomBytes(5).toString('hex');
  writeSetting(db, ENGINE_ID, made);
  return made;
}

/** What became of a journalled move out of INBOX: made; left to the engine that acted (or the user); or waiting for the lease. */
export type Settled = 'moved' | 'elsewhere' | 'later';

/**
 * One account's claims (docs/design.md, "Two computers, one mailbox"): before this engine moves a
 * message out of INBOX it claims it on the server, so that of two engines watching the mailbox
 * exactly one acts on it. The lease (servers without CONDSTORE) lives as long as the engine.
 */
export class Claims {
  readonly #state: MailboxState;
  readonly #lease: MailboxLease;
  #keyword: string | undefined;

  constructor(state: MailboxState) {
    this.#state = state;
    this.#lease = new MailboxLease(state.now);
  }

  get keyword(): string {
    this.#keyword ??= claimKeyword(engineId(this.#state.db));
    return this.#keyword;
  }

  /** Whose claim a message's flags show: this engine's, another's, or none. */
  whose(flags: Set<string>): 'mine' | 'other' | 'none' {
    return claimedBy(flags, this.keyword);
  }

  /**
   * Carries on a journalled move out of INBOX (selected): claims the message when the claim is
   * not yet won, then moves it. `seen` is the message as fetched; without it (a move a crash
   * interrupted) its flags are read now. A claim another engine won, or a message gone from INBOX
   * before it was claimed, is not this engine's to move: the move leaves the journal, and the
   * history records the message as decided elsewhere.
   */
  async settle(session: ImapSession, entry: JournalEntry, seen?: Seen): Promise<Settled> {
    const { sync, history, now } = this.#state;
    if (!entry.claimed) {
      const outcome = await this.#claim(session, entry.uid, seen);
      if (outcome === 'later') return 'later';
      if (outcome !== 'won') {
        history.transaction(() => {
          sync.forget(entry.id);
          const stored = history.findByFingerprint(entry.fingerprint);
          if (stored) history.decidedElsewhere(stored.id, now());
        });
        return 'elsewhere';
      }
      sync.claimed(entry.id, now());
    }
    await session.move(entry.uid, entry.target);
    sync.done(entry.id, now());
    return 'moved';
  }

  async #claim(session: ImapSession, uid: number, seen: Seen | undefined): Promise<ClaimOutcome> {
    const now = seen ?? (await session.flagsOf(uid));
    return now ? claim(session, uid, this.keyword, now, this.#lease) : 'gone';
  }
}
