import type { Db } from './database.ts';
import { unpackEvidence } from './evidence.ts';

/** A decision as the UI lists it: the decision log joined with its message and account. */
export interface DecisionRow {
  id: number;
  account: string;
  message: number;
  decidedAt: number;
  accept: boolean;
  reason: string;
  /** The reason in words. */
  text: string;
  mailbox: string;
  score: number;
  subject: string;
  from: string;
  isReject: boolean;
  /** Accepted in the unsure band: left in INBOX, marked for the user to judge (docs/analysis.md 2.5). */
  unsure: boolean;
  /** The user filed it as junk: moved it to Junk, in Warden or in another mail client. */
  junk: boolean;
  /** The user judged it wanted: restored it, marked it not junk, or removed its unsure mark. */
  wanted: boolean;
  /** Another engine (Warden on another computer) acted on it, not this one (docs/design.md). */
  elsewhere: boolean;
}

export interface DecisionQuery {
  account?: string;
  accept?: boolean;
  reason?: string;
  /** Words of the subject or the sender address, each the start of a word there (see `matchQuery`). */
  search?: string;
  /** Only decisions with a smaller id: the cursor of the next page. */
  before?: number;
  /** Only messages Warden moved to Rejects and the user has not restored. */
  rejected?: boolean;
  /** Only decisions accepted in the unsure band. */
  unsure?: boolean;
  limit: number;
}

export interface DailyCount {
  day: string;
  reason: string;
  accept: boolean;
  count: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

const COLUMNS = `d.id, a.name AS account, m.id AS message, d.decided_at, d.accept, d.reason, d.text, d.mailbox, d.score, m.subject,
  m.from_local, m.from_domain, m.is_reject, m.junk, m.notjunk, d.unsure, m.elsewhere_at`;

/** The decision log of every account, newest first, for the UI. */
export class DecisionLog {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  list(q: DecisionQuery): DecisionRow[] {
    const terms: string[] = [];
    const values: (string | number)[] = [];
    const term = (sql: string, ...args: (string | number)[]) => {
      terms.push(sql);
      values.push(...args);
    };
    // A search reads the decisions its words match, newest first (the index's rowid is the
    // decision's id): it stops at a page, and a search that matches nothing reads nothing.
    const match = q.search === undefined ? undefined : matchQuery(q.search);
    const from = match === undefined ? 'decision d' : 'decision_words w JOIN decision d ON d.id = w.rowid';
    const order = match === undefined ? 'd.id' : 'w.rowid';
    if (match !== undefined) term('w.decision_words MATCH ?', match);
    if (q.account !== undefined) term('a.name = ?', q.account);
    if (q.accept !== undefined) term('d.accept = ?', Number(q.accept));
    if (q.reason !== undefined) term('d.reason = ?', q.reason);
    if (q.unsure !== undefined) term('d.unsure = ?', Number(q.unsure));
    if (q.before !== undefined) term(`${order} < ?`, q.before);
    if (q.rejected) {
      // A reject's decision is one: d.accept = 0 lets the verdict's index find them.
      term(`d.accept = 0 AND m.is_reject = 1 AND m.retired_at IS NULL AND EXISTS (SELECT 1 FROM journal j WHERE j.fingerprint = m.fingerprint AND j.account_id = m.account_id AND j.action = 'move' AND j.done_at IS NOT NULL)`);
    }
    const where = terms.length > 0 ? `WHERE ${terms.join(' AND ')}` : '';
    const rows = this.#db
      .prepare(`SELECT ${COLUMNS} FROM ${from} JOIN msg m ON m.id = d.msg_id JOIN account a ON a.id = m.account_id ${where} ORDER BY ${order} DESC LIMIT ?`)
      .all(...values, q.limit) as Row[];
    return rows.map(rowOf);
  }

  /** One decision, with its evidence. */
  get(id: number): (DecisionRow & { evidence: unknown }) | undefined {
    const row = this.#db
      .prepare(`SELECT ${COLUMNS}, e.body FROM decision d JOIN msg m ON m.id = d.msg_id JOIN account a ON a.id = m.account_id JOIN decision_evidence e ON e.decision_id = d.id WHERE d.id = ?`)
      .get(id) as (Row & { body: Buffer | string }) | undefined;
    return row && { ...rowOf(row), evidence: unpackEvidence(row.body) };
  }

  /**
   * Decisions per UTC day and reason, from the day of `since` on: the counts the writes keep
   * (decision_day, migration 11), so the charts read a row per day and reason, not the decisions.
   */
  daily(since: number): DailyCount[] {
    return (
      this.#db
        .prepare(`SELECT day, reason, accept, count FROM decision_day WHERE day >= date(? / 1000, 'unixepoch') ORDER BY day, reason`)
        .all(since) as { day: string; reason: string; accept: number; count: number }[]
    ).map((r) => ({ ...r, accept: r.accept === 1 }));
  }

  /**
   * The user's corrections per UTC day, from the day of `since` on: rejects restored, messages
   * judged junk. Each has an index of its own (migration 11), holding only the corrected.
   */
  corrections(since: number): { day: string; restored: number; junked: number }[] {
    const start = since - (since % DAY_MS);
    return this.#db
      .prepare(
        `SELECT day, sum(restored) AS restored, sum(junked) AS junked FROM (
           SELECT date(restored_at / 1000, 'unixepoch') AS day, 1 AS restored, 0 AS junked FROM msg WHERE restored_at >= ?
           UNION ALL
           SELECT date(junked_at / 1000, 'unixepoch'), 0, 1 FROM msg WHERE junked_at >= ?
         ) GROUP BY day ORDER BY day`,
      )
      .all(start, start) as { day: string; restored: number; junked: number }[];
  }
}

interface Row {
  id: number;
  account: string;
  message: number;
  decided_at: number;
  accept: number;
  reason: string;
  mailbox: string;
  score: number;
  subject: string;
  from_local: string;
  from_domain: string;
  is_reject: number;
  text: string;
  junk: number;
  notjunk: number;
  unsure: number;
  elsewhere_at: number | null;
}

function rowOf(r: Row): DecisionRow {
  return {
    id: r.id,
    account: r.account,
    message: r.message,
    decidedAt: r.decided_at,
    accept: r.accept === 1,
    reason: r.reason,
    text: r.text,
    mailbox: r.mailbox,
    score: r.score,
    subject: r.subject,
    from: r.from_local || r.from_domain ? `${r.from_local}@${r.from_domain}` : '',
    isReject: r.is_reject === 1,
    unsure: r.unsure === 1,
    junk: r.junk === 1,
    wanted: r.notjunk === 1,
    elsewhere: r.elsewhere_at !== null,
  };
}

/**
 * A search box's words as an FTS5 query (https://sqlite.org/fts5.html section 3): each word
 * must begin a word of the subject or the sender address, in any order, case and accents
 * aside. A word is quoted (FTS5's syntax means nothing in it) and a prefix, so `mon` finds
 * "Money" and `bob@exa` finds bob@example.org. Undefined when no word has a letter or digit.
 */
export function matchQuery(search: string): string | undefined {
  const words = search.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w));
  return words.length === 0 ? undefined : words.map((w) => `"${w.replaceAll('"', '""')}"*`).join(' ');
}
