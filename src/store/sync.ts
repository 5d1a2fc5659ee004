import type { Db } from './database.ts';

export interface SyncPoint {
  uidValidity: number;
  /** The highest UID Warden has dealt with. */
  lastUid: number;
  /** HIGHESTMODSEQ at the last look, when the server has CONDSTORE (a decimal string: it is 63-bit). */
  highestModseq?: string;
}

export interface JournalEntry {
  id: number;
  /** move: to the folder `target`; keyword: set the keyword `target` on the message. */
  action: 'move' | 'keyword';
  mailbox: string;
  uidValidity: number;
  uid: number;
  fingerprint: string;
  target: string;
  /** The message is this engine's to move: its claim was won, or none was needed (src/imap/claim.ts). */
  claimed: boolean;
}

/** How far bootstrap got in a folder: the messages from `firstUid` to `lastUid` are done. */
export interface BootstrapPoint {
  uidValidity: number;
  firstUid: number;
  lastUid: number;
  doneAt?: number;
}

/** Where Warden is in each mailbox of an account, and the journal of its moves. */
export class SyncState {
  readonly #db: Db;
  readonly #account: number;

  constructor(db: Db, account: number) {
    this.#db = db;
    this.#account = account;
  }

  get(mailboxId: number): SyncPoint | undefined {
    const row = this.#db.prepare('SELECT uidvalidity, last_uid, highest_modseq FROM mailbox_sync WHERE mailbox_id = ?').get(mailboxId) as
      | { uidvalidity: number; last_uid: number; highest_modseq: string | null }
      | undefined;
    return row && { uidValidity: row.uidvalidity, lastUid: row.last_uid, ...(row.highest_modseq === null ? {} : { highestModseq: row.highest_modseq }) };
  }

  set(mailboxId: number, point: SyncPoint): void {
    this.#db
      .prepare(
        'INSERT INTO mailbox_sync (mailbox_id, uidvalidity, last_uid, highest_modseq) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT DO UPDATE SET uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid, highest_modseq = excluded.highest_modseq',
      )
      .run(mailboxId, point.uidValidity, point.lastUid, point.highestModseq ?? null);
  }

  bootstrapPoint(mailboxId: number): BootstrapPoint | undefined {
    const row = this.#db.prepare('SELECT uidvalidity, first_uid, last_uid, done_at FROM bootstrap WHERE mailbox_id = ?').get(mailboxId) as
      | { uidvalidity: number; first_uid: number; last_uid: number; done_at: number | null }
      | undefined;
    return row && { uidValidity: row.uidvalidity, firstUid: row.first_uid, lastUid: row.last_uid, ...(row.done_at !== null && { doneAt: row.done_at }) };
  }

  setBootstrapPoint(mailboxId: number, point: BootstrapPoint): void {
    this.#db
      .prepare(
        'INSERT INTO bootstrap (mailbox_id, uidvalidity, first_uid, last_uid, done_at) VALUES (?, ?, ?, ?, ?) ' +
          'ON CONFLICT DO UPDATE SET uidvalidity = excluded.uidvalidity, first_uid = excluded.first_uid, last_uid = excluded.last_uid, done_at = excluded.done_at',
      )
      .run(mailboxId, point.uidValidity, point.firstUid, point.lastUid, point.doneAt ?? null);
  }

  /** Writes a move before it is sent (and before its claim, when it needs one); returns the entry's id. */
  journalMove(entry: Omit<JournalEntry, 'id' | 'action'>, now: number): number {
    const { lastInsertRowid } = this.#db
      .prepare("INSERT INTO journal (account_id, action, mailbox, uidvalidity, uid, fingerprint, target, created_at, claimed_at) VALUES (?, 'move', ?, ?, ?, ?, ?, ?, ?)")
      .run(this.#account, entry.mailbox, entry.uidValidity, entry.uid, entry.fingerprint, entry.target, now, entry.claimed ? now : null);
    return Number(lastInsertRowid);
  }

  /**
   * Writes a keyword to set on a message (the unsure band's mark) before it is sent; returns
   * the entry's id. Kept once done: the flag scan asks which messages Warden marked.
   */
  journalKeyword(entry: Omit<JournalEntry, 'id' | 'action' | 'claimed'>, now: number): number {
    const { lastInsertRowid } = this.#db
      .prepare("INSERT INTO journal (account_id, action, mailbox, uidvalidity, uid, fingerprint, target, created_at) VALUES (?, 'keyword', ?, ?, ?, ?, ?, ?)")
      .run(this.#account, entry.mailbox, entry.uidValidity, entry.uid, entry.fingerprint, entry.target, now);
    return Number(lastInsertRowid);
  }

  /** Of `uids` in `mailbox` under `uidValidity`, those Warden set a keyword on, with the keyword. */
  keywordsSet(mailbox: string, uidValidity: number, uids: number[]): Map<number, string> {
    const set = new Map<number, string>();
    const statement = this.#db.prepare(
      "SELECT target FROM journal WHERE account_id = ? AND uidvalidity = ? AND uid = ? AND mailbox = ? AND action = 'keyword' AND done_at IS NOT NULL LIMIT 1",
    );
    for (const uid of uids) {
      const row = statement.get(this.#account, uidValidity, uid, mailbox) as { target: string } | undefined;
      if (row) set.set(uid, row.target);
    }
    return set;
  }

  /** The move's claim was won: the message is this engine's to move, even after a crash. */
  claimed(id: number, now: number): void {
    this.#db.prepare('UPDATE journal SET claimed_at = ? WHERE id = ?').run(now, id);
  }

  /**
   * An action never done that is not to be: one the server refused, or a move that is not this
   * engine's to make (another engine claimed the message). Gone from the journal, as if never written.
   */
  forget(id: number): void {
    this.#db.prepare('DELETE FROM journal WHERE id = ? AND done_at IS NULL').run(id);
  }

  done(id: number, now: number): void {
    this.#db.prepare('UPDATE journal SET done_at = ? WHERE id = ?').run(now, id);
  }

  /** Whether Warden moved this message (by its bytes) at some time: a move it journalled and finished. */
  moved(fingerprint: string): boolean {
    return (
      this.#db.prepare("SELECT 1 FROM journal WHERE fingerprint = ? AND account_id = ? AND action = 'move' AND done_at IS NOT NULL LIMIT 1").get(fingerprint, this.#account) !==
      undefined
    );
  }

  /** Actions written but not marked done: sent or not, a crash came in between. */
  pending(): JournalEntry[] {
    return (
      this.#db
        .prepare('SELECT id, action, mailbox, uidvalidity, uid, fingerprint, target, claimed_at FROM journal WHERE account_id = ? AND done_at IS NULL ORDER BY id')
        .all(this.#account) as { id: number; action: JournalEntry['action']; mailbox: string; uidvalidity: number; uid: number; fingerprint: string; target: string; claimed_at: number | null }[]
    ).map((r) => ({ id: r.id, action: r.action, mailbox: r.mailbox, uidValidity: r.uidvalidity, uid: r.uid, fingerprint: r.fingerprint, target: r.target, claimed: r.claimed_at !== null }));
  }
}
