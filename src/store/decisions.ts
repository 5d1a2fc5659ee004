import type { Db } from './database.ts';

/** A decision as the UI lists it: the decision log joined with its message and account. */
export interface DecisionRow {
  id: number;
  account: string;
  message: number;
  decidedAt: number;
  accept: boolean;
  reason: string;
  mailbox: string;
  score: number;
  subject: string;
  from: string;
  isReject: boolean;
  /** The user filed it as junk: moved it to Junk, in Warden or in another mail client. */
  junk: boolean;
  /** The decision with its evidence, as recorded (JSON). */
  evidence: string;
}

export interface DecisionQuery {
  account?: string;
  accept?: boolean;
  reason?: string;
  /** Words of the subject or the sender address. */
  search?: string;
  /** Only decisions with a smaller id: the cursor of the next page. */
  before?: number;
  /** Only messages Warden moved to Rejects and the user has not restored. */
  rejected?: boolean;
  limit: number;
}

export interface DailyCount {
  day: string;
  reason: string;
  accept: boolean;
  count: number;
}

const COLUMNS = `d.id, a.name AS account, m.id AS message, d.decided_at, d.accept, d.reason, d.mailbox, d.score, m.subject,
  m.from_local, m.from_domain, m.is_reject, m.junk, d.evidence`;

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
    if (q.account !== undefined) term('a.name = ?', q.account);
    if (q.accept !== undefined) term('d.accept = ?', Number(q.accept));
    if (q.reason !== undefined) term('d.reason = ?', q.reason);
    if (q.before !== undefined) term('d.id < ?', q.before);
    if (q.rejected) {
      // A reject's decision is one: d.accept = 0 lets the verdict's index find them.
      term(`d.accept = 0 AND m.is_reject = 1 AND m.retired_at IS NULL AND EXISTS (SELECT 1 FROM journal j WHERE j.fingerprint = m.fingerprint AND j.account_id = m.account_id AND j.done_at IS NOT NULL)`);
    }
    if (q.search) {
      for (const word of q.search.trim().split(/\s+/)) {
        const like = `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        term(`(m.subject LIKE ? ESCAPE '\\' OR (m.from_local || '@' || m.from_domain) LIKE ? ESCAPE '\\')`, like, like);
      }
    }
    const where = terms.length > 0 ? `WHERE ${terms.join(' AND ')}` : '';
    const rows = this.#db
      .prepare(`SELECT ${COLUMNS} FROM decision d JOIN msg m ON m.id = d.msg_id JOIN account a ON a.id = m.account_id ${where} ORDER BY d.id DESC LIMIT ?`)
      .all(...values, q.limit) as Row[];
    return rows.map(rowOf);
  }

  get(id: number): DecisionRow | undefined {
    const row = this.#db.prepare(`SELECT ${COLUMNS} FROM decision d JOIN msg m ON m.id = d.msg_id JOIN account a ON a.id = m.account_id WHERE d.id = ?`).get(id) as
      | Row
      | undefined;
    return row && rowOf(row);
  }

  /** Decisions per UTC day and reason since `since`. */
  daily(since: number): DailyCount[] {
    return (
      this.#db
        .prepare(
          `SELECT date(decided_at / 1000, 'unixepoch') AS day, reason, accept, count(*) AS count FROM decision
           WHERE decided_at >= ? GROUP BY day, reason, accept ORDER BY day, reason`,
        )
        .all(since) as { day: string; reason: string; accept: number; count: number }[]
    ).map((r) => ({ ...r, accept: r.accept === 1 }));
  }

  /** The user's corrections per UTC day since `since`: rejects restored, messages judged junk. */
  corrections(since: number): { day: string; restored: number; junked: number }[] {
    return this.#db
      .prepare(
        `SELECT day, sum(restored) AS restored, sum(junked) AS junked FROM (
           SELECT date(restored_at / 1000, 'unixepoch') AS day, 1 AS restored, 0 AS junked FROM msg WHERE restored_at >= ?
           UNION ALL
           SELECT date(junked_at / 1000, 'unixepoch'), 0, 1 FROM msg WHERE junked_at >= ?
         ) GROUP BY day ORDER BY day`,
      )
      .all(since, since) as { day: string; restored: number; junked: number }[];
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
  junk: number;
  evidence: string;
}

function rowOf(r: Row): DecisionRow {
  return {
    id: r.id,
    account: r.account,
    message: r.message,
    decidedAt: r.decided_at,
    accept: r.accept === 1,
    reason: r.reason,
    mailbox: r.mailbox,
    score: r.score,
    subject: r.subject,
    from: r.from_local || r.from_domain ? `${r.from_local}@${r.from_domain}` : '',
    isReject: r.is_reject === 1,
    junk: r.junk === 1,
    evidence: r.evidence,
  };
}
