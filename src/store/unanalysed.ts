import type { Db } from './database.ts';

/** A message that could not be analysed, left where it was (docs/analysis.md E7). */
export interface UnanalysedEntry {
  id: number;
  mailboxId: number;
  uidValidity: number;
  uid: number;
  error: string;
  attempts: number;
  firstAt: number;
  lastAt: number;
  /** When to try again; undefined once Warden gave up or the message was analysed. */
  retryAt?: number;
  resolvedAt?: number;
}

interface Row {
  id: number;
  mailbox_id: number;
  uidvalidity: number;
  uid: number;
  error: string;
  attempts: number;
  first_at: number;
  last_at: number;
  retry_at: number | null;
  resolved_at: number | null;
}

/** The log of one account's unanalysed messages, which is also the queue of their retries. */
export class UnanalysedLog {
  readonly #db: Db;
  readonly #account: number;

  constructor(db: Db, account: number) {
    this.#db = db;
    this.#account = account;
  }

  /**
   * Records a failed attempt at a message: the first, or another one. `retryAt` is when to try
   * again, undefined to give up.
   */
  failed(at: { mailboxId: number; uidValidity: number; uid: number }, error: string, now: number, retryAt: number | undefined): UnanalysedEntry {
    this.#db
      .prepare(
        `INSERT INTO unanalysed (account_id, mailbox_id, uidvalidity, uid, error, attempts, first_at, last_at, retry_at)
         VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)
         ON CONFLICT (mailbox_id, uidvalidity, uid) DO UPDATE SET
           error = excluded.error, attempts = attempts + 1, last_at = excluded.last_at, retry_at = excluded.retry_at`,
      )
      .run(this.#account, at.mailboxId, at.uidValidity, at.uid, error, now, now, retryAt ?? null);
    return this.#find(at)!;
  }

  /** The message was analysed after all, or is gone: no more retries. */
  resolved(id: number, now: number): void {
    this.#db.prepare('UPDATE unanalysed SET retry_at = NULL, resolved_at = ? WHERE id = ?').run(now, id);
  }

  /** Entries of a mailbox due for another try at `now`, oldest UID first. */
  due(mailboxId: number, uidValidity: number, now: number): UnanalysedEntry[] {
    return (
      this.#db
        .prepare('SELECT * FROM unanalysed WHERE mailbox_id = ? AND retry_at IS NOT NULL AND retry_at <= ? AND uidvalidity = ? ORDER BY uid')
        .all(mailboxId, now, uidValidity) as Row[]
    ).map(entryOf);
  }

  /** Every entry of the account, newest failure first. */
  list(limit = 100): UnanalysedEntry[] {
    return (this.#db.prepare('SELECT * FROM unanalysed WHERE account_id = ? ORDER BY last_at DESC, id DESC LIMIT ?').all(this.#account, limit) as Row[]).map(entryOf);
  }

  #find(at: { mailboxId: number; uidValidity: number; uid: number }): UnanalysedEntry | undefined {
    const row = this.#db.prepare('SELECT * FROM unanalysed WHERE mailbox_id = ? AND uidvalidity = ? AND uid = ?').get(at.mailboxId, at.uidValidity, at.uid) as Row | undefined;
    return row && entryOf(row);
  }
}

function entryOf(r: Row): UnanalysedEntry {
  return {
    id: r.id,
    mailboxId: r.mailbox_id,
    uidValidity: r.uidvalidity,
    uid: r.uid,
    error: r.error,
    attempts: r.attempts,
    firstAt: r.first_at,
    lastAt: r.last_at,
    ...(r.retry_at !== null && { retryAt: r.retry_at }),
    ...(r.resolved_at !== null && { resolvedAt: r.resolved_at }),
  };
}
