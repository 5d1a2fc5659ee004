import type { Statement } from 'better-sqlite3';
import type { Db } from './database.ts';

/** A reject as the digest lists it. */
export interface DigestReject {
  decisionId: number;
  decidedAt: number;
  from: string;
  subject: string;
  /** The reason in words, as the UI shows it. */
  text: string;
  /** Where a reject goes (Rejects, or a ruleset's folder). */
  mailbox: string;
  /** Warden moved it there (enforce mode); in observe mode it stayed in INBOX. */
  moved: boolean;
}

/** A digest as made: when, up to which decision, and the message appended, if any. */
export interface DigestRecord {
  madeAt: number;
  lastDecisionId: number;
  rejects: number;
  /** The message appended to INBOX: its SHA-256 (mail/fingerprint.ts) and Message-ID. */
  message?: { fingerprint: string; messageId: string };
}

/** One account's daily digests (docs/digest.md). */
export class DigestLog {
  readonly #db: Db;
  readonly #account: number;
  /** Asked of every message that arrives (isDigest): prepared once. */
  readonly #findDigest: Statement;

  constructor(db: Db, account: number) {
    this.#db = db;
    this.#account = account;
    this.#findDigest = db.prepare('SELECT 1 FROM digest WHERE account_id = ? AND (fingerprint = ? OR (uidvalidity = ? AND uid = ?)) LIMIT 1');
  }

  /**
   * The last digest made: one appended, or a day with nothing to list. One whose APPEND never
   * got its answer does not count: the next is made in its place.
   */
  last(): { madeAt: number; lastDecisionId: number } | undefined {
    const row = this.#db
      .prepare('SELECT made_at, last_decision_id FROM digest WHERE account_id = ? AND (appended_at IS NOT NULL OR fingerprint IS NULL) ORDER BY made_at DESC LIMIT 1')
      .get(this.#account) as { made_at: number; last_decision_id: number } | undefined;
    return row && { madeAt: row.made_at, lastDecisionId: row.last_decision_id };
  }

  /** The last digest whose APPEND got no answer, made after the last one that did. */
  unconfirmed(): { id: number; messageId: string } | undefined {
    const row = this.#db
      .prepare(
        `SELECT id, message_id FROM digest WHERE account_id = ? AND appended_at IS NULL AND message_id IS NOT NULL
           AND made_at > coalesce((SELECT max(made_at) FROM digest WHERE account_id = ? AND appended_at IS NOT NULL), 0)
         ORDER BY made_at DESC LIMIT 1`,
      )
      .get(this.#account, this.#account) as { id: number; message_id: string } | undefined;
    return row && { id: row.id, messageId: row.message_id };
  }

  /**
   * The account's rejects after decision `afterId` up to `upToId`, decided no earlier than
   * `since`, oldest first. Read by the decisions' ids: a range of the primary key.
   */
  rejects(afterId: number, upToId: number, since: number): DigestReject[] {
    return (
      this.#db
        .prepare(
          `SELECT d.id, d.decided_at, d.text, d.mailbox, m.subject, m.from_local, m.from_domain,
             EXISTS (SELECT 1 FROM journal j WHERE j.fingerprint = m.fingerprint AND j.account_id = m.account_id AND j.done_at IS NOT NULL) AS moved
           FROM decision d JOIN msg m ON m.id = d.msg_id
           WHERE d.id > ? AND d.id <= ? AND d.accept = 0 AND m.account_id = ? AND d.decided_at >= ? ORDER BY d.id`,
        )
        .all(afterId, upToId, this.#account, since) as { id: number; decided_at: number; text: string; mailbox: string; subject: string; from_local: string; from_domain: string; moved: number }[]
    ).map((r) => ({
      decisionId: r.id,
      decidedAt: r.decided_at,
      from: r.from_domain ? `${r.from_local}@${r.from_domain}` : '',
      subject: r.subject,
      text: r.text,
      mailbox: r.mailbox,
      moved: r.moved === 1,
    }));
  }

  /** The id of the account's last decision, to cover up to (0 when it has none). */
  lastDecisionId(): number {
    const row = this.#db.prepare('SELECT max(d.id) AS id FROM decision d JOIN msg m ON m.id = d.msg_id WHERE m.account_id = ?').get(this.#account) as { id: number | null };
    return row.id ?? 0;
  }

  /**
   * Records a digest before its message is appended (so the arrival loop knows the message from
   * the moment it can appear), or a day with nothing to list, done at once. Returns its id.
   */
  record(digest: DigestRecord): number {
    const m = digest.message;
    return Number(
      this.#db
        .prepare('INSERT INTO digest (account_id, made_at, last_decision_id, rejects, fingerprint, message_id, appended_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(this.#account, digest.madeAt, digest.lastDecisionId, digest.rejects, m?.fingerprint ?? null, m?.messageId ?? null, m ? null : digest.madeAt).lastInsertRowid,
    );
  }

  /** The digest's message is in INBOX, with this UID when the server said (APPENDUID, RFC 4315). */
  appended(id: number, at: number, where?: { uidValidity: number; uid: number }): void {
    this.#db.prepare('UPDATE digest SET appended_at = ?, uidvalidity = ?, uid = ? WHERE id = ?').run(at, where?.uidValidity ?? null, where?.uid ?? null, id);
  }

  /**
   * Whether a message is one of Warden's digests: its bytes are those of a digest made here, or,
   * in INBOX, the server gave it that UID when Warden appended it (a server that rewrote it). No
   * header is trusted: anyone can write one.
   */
  isDigest(fingerprint: string, inInbox?: { uidValidity: number; uid: number }): boolean {
    return this.#findDigest.get(this.#account, fingerprint, inInbox?.uidValidity ?? null, inInbox?.uid ?? null) !== undefined;
  }
}
