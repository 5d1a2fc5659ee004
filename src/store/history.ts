import type { Statement } from 'better-sqlite3';
import type { Db } from './database.ts';
import { packEvidence, unpackEvidence } from './evidence.ts';

/** The account the files and stdio simulation use until IMAP accounts exist (migration 2). */
export const LOCAL_ACCOUNT = 1;

/** A message of the history as reputation sees it. */
export interface HistoryMessage {
  id: number;
  /** When it was first received, ms since the epoch. */
  received: number;
  /** Judged junk; otherwise judged not junk (unjudged messages are never returned). */
  junk: boolean;
  fromLocal: string;
  fromDomain: string;
  subject: string;
}

/**
 * Equality filters of a reputation query (mox's FilterNonzero: an empty string means "any").
 * `fromValidated`, when given, must match exactly.
 */
export interface HistoryFilter {
  fromLocal?: string;
  fromDomain?: string;
  fromOrgDomain?: string;
  fromValidated?: boolean;
  mailFromLocal?: string;
  mailFromDomain?: string;
  ehloDomain?: string;
  ipMasked1?: string;
  ipMasked2?: string;
  ipMasked3?: string;
}

const FILTER_COLUMNS: Record<keyof HistoryFilter, string> = {
  fromLocal: 'from_local',
  fromDomain: 'from_domain',
  fromOrgDomain: 'from_orgdomain',
  fromValidated: 'from_validated',
  mailFromLocal: 'mailfrom_local',
  mailFromDomain: 'mailfrom_domain',
  ehloDomain: 'ehlo_domain',
  ipMasked1: 'ip_m1',
  ipMasked2: 'ip_m2',
  ipMasked3: 'ip_m3',
};

/** What the history keeps of a message (docs/analysis.md 7.1): the fields reputation queries. */
export interface MessageRecord {
  fingerprint: string;
  messageId: string;
  received: number;
  origMailbox: number | null;
  destinedMailbox: number | null;
  isReject: boolean;
  rejectedAt: number | null;
  junk: boolean;
  notjunk: boolean;
  remoteIp: string;
  ipMasked: [string, string, string];
  ehloDomain: string;
  mailFromLocal: string;
  mailFromDomain: string;
  fromLocal: string;
  fromDomain: string;
  fromOrgDomain: string;
  ehloValidated: boolean;
  mailFromValidated: boolean;
  fromValidated: boolean;
  isForward: boolean;
  isMailingList: boolean;
  subject: string;
  /** Verified DKIM domains, and those a forwarding rule set aside. */
  dkimDomains: string[];
  origDkimDomains: string[];
}

/** A recorded message as the engine reads it back. */
export type StoredMessage = { id: number } & Pick<
  MessageRecord,
  'fingerprint' | 'messageId' | 'received' | 'origMailbox' | 'destinedMailbox' | 'isReject' | 'junk' | 'notjunk' | 'fromLocal' | 'fromDomain' | 'subject'
> & {
  /** Another engine (another computer's Warden) acted on it, not this one (docs/design.md). */
  elsewhere: boolean;
};

export interface DecisionRecord {
  msgId: number;
  decidedAt: number;
  accept: boolean;
  reason: string;
  /** The reason in words, as the lists show it. */
  text: string;
  mailbox: string;
  score: number;
  /** Accepted in the unsure band (docs/analysis.md 2.5). */
  unsure?: boolean;
  evidence: unknown;
}

/** What retention deletes (docs/history.md): times in ms since the epoch, by when a message was received. */
export interface PruneRule {
  /** Messages received before this, unless they are kept for one of the reasons below. */
  before: number;
  /** A message the user judged (junk or not junk) is kept until this; it must not be after `before`. */
  judgedBefore: number;
}

/** Where a prune stopped: the last message it looked at, in the order of received time and id. */
export interface PruneCursor {
  received: number;
  id: number;
}

/** A DMARC or TLS report's summary (src/mail/reports.ts), as kept. */
export type StoredReport =
  | { kind: 'dmarc'; org: string; reportId: string; domain: string; begin: Date; end: Date }
  | { kind: 'tls'; org: string; reportId: string; domains: string[]; begin: Date; end: Date };

export interface RecipientRecord {
  local: string;
  domain: string;
  orgDomain: string;
}

interface StoredRow {
  id: number;
  fingerprint: string;
  message_id: string;
  received: number;
  orig_mailbox: number | null;
  destined_mailbox: number | null;
  is_reject: number;
  junk: number;
  notjunk: number;
  from_local: string;
  from_domain: string;
  subject: string;
  elsewhere_at: number | null;
}

const STORED_COLUMNS =
  'id, fingerprint, message_id, received, orig_mailbox, destined_mailbox, is_reject, junk, notjunk, from_local, from_domain, subject, elsewhere_at';

/** The mail history of one account: the only SQL reputation and the decision log need. */
export class History {
  readonly #db: Db;
  readonly #account: number;
  readonly #queries = new Map<string, Statement>();

  constructor(db: Db, account = LOCAL_ACCOUNT) {
    this.#db = db;
    this.#account = account;
  }

  /** Runs `work` in one write transaction. */
  transaction<T>(work: () => T): T {
    return this.#db.transaction(work).immediate();
  }

  /** The app-stable id of a mailbox, created on first use. */
  mailboxId(name: string): number {
    this.#statement('INSERT INTO mailbox (account_id, name) VALUES (?, ?) ON CONFLICT DO NOTHING').run(this.#account, name);
    return (this.#statement('SELECT id FROM mailbox WHERE account_id = ? AND name = ?').get(this.#account, name) as { id: number }).id;
  }

  /** The mailbox's id, or undefined when it never existed. */
  findMailboxId(name: string): number | undefined {
    const row = this.#statement('SELECT id FROM mailbox WHERE account_id = ? AND name = ?').get(this.#account, name) as { id: number } | undefined;
    return row?.id;
  }

  /**
   * mox's reputation base query (docs/analysis.md 3.2): judged, existing messages first delivered to
   * `mailbox`, received at or after `since`, matching `filter`, newest first, at most `limit`.
   */
  messages(mailbox: number, filter: HistoryFilter, since: number, limit: number): HistoryMessage[] {
    const terms: string[] = [];
    const values: (string | number)[] = [];
    for (const key of Object.keys(FILTER_COLUMNS) as (keyof HistoryFilter)[]) {
      const value = filter[key];
      if (value === undefined || value === '') continue;
      terms.push(`${FILTER_COLUMNS[key]} = ?`);
      values.push(typeof value === 'boolean' ? Number(value) : value);
    }
    const sql =
      'SELECT id, received, junk, from_local, from_domain, subject FROM msg ' +
      `WHERE orig_mailbox = ? AND (junk OR notjunk) AND gone_at IS NULL ${terms.map((t) => `AND ${t} `).join('')}AND received >= ? ` +
      'ORDER BY received DESC LIMIT ?';
    return this.#historyRows(this.#statement(sql).all(mailbox, ...values, since, limit));
  }

  /** The base query for messages with a verified DKIM signature by `domain` (step 2). */
  messagesSignedBy(mailbox: number, domain: string, since: number, limit: number): HistoryMessage[] {
    const rows = this.#statement(
      'SELECT m.id, m.received, m.junk, m.from_local, m.from_domain, m.subject FROM msg_dkim d JOIN msg m ON m.id = d.msg_id ' +
        'WHERE d.domain = ? AND d.orig = 0 AND m.orig_mailbox = ? AND (m.junk OR m.notjunk) AND m.gone_at IS NULL AND m.received >= ? ' +
        'ORDER BY m.received DESC LIMIT ?',
    ).all(domain, mailbox, since, limit);
    return this.#historyRows(rows);
  }

  /** Whether the user sent mail to the address, domain or org domain at or after `since` (3.5). */
  sentTo(to: { local?: string; domain?: string; orgDomain?: string }, since: number): boolean {
    let sql: string;
    let values: string[];
    if (to.local !== undefined && to.domain !== undefined) {
      sql = 'SELECT 1 FROM recipient WHERE account_id = ? AND domain = ? AND local = ? AND sent >= ? LIMIT 1';
      values = [to.domain, to.local];
    } else if (to.domain !== undefined) {
      sql = 'SELECT 1 FROM recipient WHERE account_id = ? AND domain = ? AND sent >= ? LIMIT 1';
      values = [to.domain];
    } else {
      sql = 'SELECT 1 FROM recipient WHERE account_id = ? AND orgdomain = ? AND sent >= ? LIMIT 1';
      values = [to.orgDomain ?? ''];
    }
    return this.#statement(sql).get(this.#account, ...values, since) !== undefined;
  }

  /** Records a message; returns its id. A message already known by fingerprint is an error. */
  insertMessage(m: MessageRecord): number {
    const { lastInsertRowid } = this.#statement(
      `INSERT INTO msg (account_id, fingerprint, message_id, received, orig_mailbox, destined_mailbox, is_reject, rejected_at,
        junk, notjunk, remote_ip, ip_m1, ip_m2, ip_m3, ehlo_domain, mailfrom_local, mailfrom_domain, from_local, from_domain,
        from_orgdomain, ehlo_validated, mailfrom_validated, from_validated, is_forward, is_mailing_list, subject)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      this.#account,
      m.fingerprint,
      m.messageId,
      m.received,
      m.origMailbox,
      m.destinedMailbox,
      Number(m.isReject),
      m.rejectedAt,
      Number(m.junk),
      Number(m.notjunk),
      m.remoteIp,
      ...m.ipMasked,
      m.ehloDomain,
      m.mailFromLocal,
      m.mailFromDomain,
      m.fromLocal,
      m.fromDomain,
      m.fromOrgDomain,
      Number(m.ehloValidated),
      Number(m.mailFromValidated),
      Number(m.fromValidated),
      Number(m.isForward),
      Number(m.isMailingList),
      m.subject,
    );
    const id = Number(lastInsertRowid);
    const dkim = this.#statement('INSERT OR IGNORE INTO msg_dkim (msg_id, domain, orig) VALUES (?, ?, ?)');
    for (const domain of m.dkimDomains) dkim.run(id, domain, 0);
    for (const domain of m.origDkimDomains) dkim.run(id, domain, 1);
    return id;
  }

  findByFingerprint(fingerprint: string): StoredMessage | undefined {
    const row = this.#statement(`SELECT ${STORED_COLUMNS} FROM msg WHERE account_id = ? AND fingerprint = ?`).get(this.#account, fingerprint);
    return row === undefined ? undefined : storedMessage(row as StoredRow);
  }

  findById(id: number): StoredMessage | undefined {
    const row = this.#statement(`SELECT ${STORED_COLUMNS} FROM msg WHERE account_id = ? AND id = ?`).get(this.#account, id);
    return row === undefined ? undefined : storedMessage(row as StoredRow);
  }

  /** Sets how the user judged a message: junk, not junk, or neither. */
  setJudgement(id: number, judgement: { junk: boolean; notjunk: boolean }): void {
    this.#statement('UPDATE msg SET junk = ?, notjunk = ?, junked_at = CASE WHEN ? THEN coalesce(junked_at, ?) END WHERE id = ?').run(
      Number(judgement.junk),
      Number(judgement.notjunk),
      Number(judgement.junk),
      Date.now(),
      id,
    );
  }

  /**
   * The first decision on a message recorded without one (INBOX's mail at bootstrap), over its
   * record: where the decision put it, and what the analysis found it to be.
   */
  setDecided(id: number, m: Pick<MessageRecord, 'origMailbox' | 'destinedMailbox' | 'isReject' | 'rejectedAt' | 'isForward' | 'isMailingList'>): void {
    this.#statement('UPDATE msg SET orig_mailbox = ?, destined_mailbox = ?, is_reject = ?, rejected_at = ?, is_forward = ?, is_mailing_list = ? WHERE id = ?').run(
      m.origMailbox,
      m.destinedMailbox,
      Number(m.isReject),
      m.rejectedAt,
      Number(m.isForward),
      Number(m.isMailingList),
      id,
    );
  }

  /** A rejected message the user took back: it now counts where it was destined (docs/analysis.md 8). */
  restore(id: number): void {
    this.#statement('UPDATE msg SET orig_mailbox = coalesce(destined_mailbox, orig_mailbox), is_reject = 0, restored_at = ? WHERE id = ?').run(Date.now(), id);
  }

  /**
   * Rejects Warden moved to a rejects folder before `before` (by when it rejected them, not by
   * INTERNALDATE, which a move keeps: docs/analysis.md E5), still there as far as the history knows,
   * oldest first.
   */
  staleRejects(before: number, limit: number): StoredMessage[] {
    const rows = this.#statement(
      `SELECT ${STORED_COLUMNS} FROM msg m WHERE account_id = ? AND is_reject = 1 AND retired_at IS NULL AND rejected_at < ?
       AND EXISTS (SELECT 1 FROM journal j WHERE j.fingerprint = m.fingerprint AND j.account_id = m.account_id AND j.done_at IS NOT NULL)
       ORDER BY rejected_at LIMIT ?`,
    ).all(this.#account, before, limit) as StoredRow[];
    return rows.map(storedMessage);
  }

  /** Another engine acted on the message (claimed it, or it left INBOX before this one could). */
  decidedElsewhere(id: number, now: number): void {
    this.#statement('UPDATE msg SET elsewhere_at = coalesce(elsewhere_at, ?) WHERE id = ?').run(now, id);
  }

  /** A reject moved on to Trash (or found gone): no longer in Rejects. */
  retire(id: number, now: number): void {
    this.#statement('UPDATE msg SET retired_at = ? WHERE id = ?').run(now, id);
  }

  /** Records the addresses of a sent message once (docs/analysis.md 3.5); returns how many were new. */
  addRecipients(recipients: RecipientRecord[], sent: number, srcFingerprint: string): number {
    const insert = this.#statement(
      'INSERT OR IGNORE INTO recipient (account_id, local, domain, orgdomain, sent, src_fingerprint) VALUES (?, ?, ?, ?, ?, ?)',
    );
    let added = 0;
    for (const r of recipients) added += insert.run(this.#account, r.local, r.domain, r.orgDomain, sent, srcFingerprint).changes;
    return added;
  }

  /** Logs a decision, its evidence deflated (src/store/evidence.ts); returns its id. */
  logDecision(d: DecisionRecord): number {
    const { lastInsertRowid } = this.#statement('INSERT INTO decision (msg_id, decided_at, accept, reason, text, mailbox, score, unsure) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
      d.msgId,
      d.decidedAt,
      Number(d.accept),
      d.reason,
      d.text,
      d.mailbox,
      d.score,
      Number(d.unsure ?? false),
    );
    const id = Number(lastInsertRowid);
    this.#statement('INSERT INTO decision_evidence (decision_id, body) VALUES (?, ?)').run(id, packEvidence(d.evidence));
    return id;
  }

  /** Keeps the summary of a DMARC or TLS report that arrived with a message. */
  storeReport(msgId: number, report: StoredReport): void {
    const about = report.kind === 'dmarc' ? report.domain : report.domains.join(' ');
    this.#statement('INSERT INTO report (msg_id, kind, org, report_id, about, begin, end, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
      msgId,
      report.kind,
      report.org,
      report.reportId,
      about,
      report.begin.getTime(),
      report.end.getTime(),
      JSON.stringify(report),
    );
  }

  /** The reports kept, newest period first. */
  reports(limit = 100): { msgId: number; kind: string; org: string; about: string; begin: number; end: number; summary: unknown }[] {
    const rows = this.#statement(
      'SELECT r.msg_id, r.kind, r.org, r.about, r.begin, r.end, r.summary FROM report r JOIN msg m ON m.id = r.msg_id WHERE m.account_id = ? ORDER BY r.end DESC LIMIT ?',
    ).all(this.#account, limit) as { msg_id: number; kind: string; org: string; about: string; begin: number; end: number; summary: string }[];
    return rows.map((r) => ({ msgId: r.msg_id, kind: r.kind, org: r.org, about: r.about, begin: r.begin, end: r.end, summary: JSON.parse(r.summary) as unknown }));
  }

  /** The latest decision about a message. */
  lastDecision(msgId: number): DecisionRecord | undefined {
    const row = this.#statement(
      'SELECT d.msg_id, d.decided_at, d.accept, d.reason, d.text, d.mailbox, d.score, e.body FROM decision d JOIN decision_evidence e ON e.decision_id = d.id ' +
        'WHERE d.msg_id = ? ORDER BY d.id DESC LIMIT 1',
    ).get(msgId) as { msg_id: number; decided_at: number; accept: number; reason: string; text: string; mailbox: string; score: number; body: Buffer | string } | undefined;
    if (!row) return undefined;
    return {
      msgId: row.msg_id,
      decidedAt: row.decided_at,
      accept: row.accept === 1,
      reason: row.reason,
      text: row.text,
      mailbox: row.mailbox,
      score: row.score,
      evidence: unpackEvidence(row.body),
    };
  }

  /**
   * One batch of retention (docs/history.md): looks at up to `limit` messages received before
   * `rule.before`, oldest first from `after`, and deletes those nothing needs any more, with
   * their decisions, evidence, DKIM domains, reports, search words and the journal of moves
   * done on them. Kept: a message the user restored (never rejected again, docs/design.md invariant
   * 4); one the user judged, until `rule.judgedBefore` (reputation counts it); a reject Warden
   * moved that is still in Rejects (the user may restore it); one with a move still pending.
   * Returns how many it deleted, and where to go on from (none when it looked at the last).
   */
  prune(rule: PruneRule, after: PruneCursor | undefined, limit: number): { deleted: number; next?: PruneCursor } {
    const from = after ?? { received: -Infinity, id: 0 };
    const scanned = this.#statement('SELECT id, received FROM msg WHERE account_id = ? AND received < ? AND (received, id) > (?, ?) ORDER BY received, id LIMIT ?').all(
      this.#account,
      rule.before,
      from.received,
      from.id,
      limit,
    ) as PruneCursor[];
    if (scanned.length === 0) return { deleted: 0 };
    const last = scanned.at(-1)!;
    const removed = this.#statement(
      `DELETE FROM msg AS m WHERE account_id = ? AND received < ? AND (received, id) > (?, ?) AND (received, id) <= (?, ?)
       AND restored_at IS NULL
       AND (NOT (junk OR notjunk) OR received < ?)
       AND NOT EXISTS (SELECT 1 FROM journal j WHERE j.account_id = m.account_id AND j.done_at IS NULL AND j.fingerprint = m.fingerprint)
       AND NOT (is_reject = 1 AND retired_at IS NULL
         AND EXISTS (SELECT 1 FROM journal j WHERE j.fingerprint = m.fingerprint AND j.account_id = m.account_id AND j.done_at IS NOT NULL))
       RETURNING fingerprint`,
    ).all(this.#account, rule.before, from.received, from.id, last.received, last.id, rule.judgedBefore) as { fingerprint: string }[];
    const journal = this.#statement('DELETE FROM journal WHERE fingerprint = ? AND account_id = ? AND done_at IS NOT NULL');
    for (const { fingerprint } of removed) journal.run(fingerprint, this.#account);
    return { deleted: removed.length, ...(scanned.length === limit && { next: last }) };
  }

  /** Deletes up to `limit` addresses the user wrote to before `before` (docs/history.md); returns how many. */
  pruneRecipients(before: number, limit: number): number {
    return this.#statement('DELETE FROM recipient WHERE id IN (SELECT id FROM recipient WHERE account_id = ? AND sent < ? LIMIT ?)').run(this.#account, before, limit).changes;
  }

  /** The subject-pass key of a recipient address, made by `create` on first use. */
  subjectpassKey(address: string, create: () => string): string {
    this.#statement('INSERT INTO subjectpass_key (address, key) VALUES (?, ?) ON CONFLICT DO NOTHING').run(address, create());
    return (this.#statement('SELECT key FROM subjectpass_key WHERE address = ?').get(address) as { key: string }).key;
  }

  #historyRows(rows: unknown[]): HistoryMessage[] {
    return (rows as { id: number; received: number; junk: number; from_local: string; from_domain: string; subject: string }[]).map((r) => ({
      id: r.id,
      received: r.received,
      junk: r.junk === 1,
      fromLocal: r.from_local,
      fromDomain: r.from_domain,
      subject: r.subject,
    }));
  }

  #statement(sql: string): Statement {
    let statement = this.#queries.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#queries.set(sql, statement);
    }
    return statement;
  }
}

function storedMessage(r: StoredRow): StoredMessage {
  return {
    id: r.id,
    fingerprint: r.fingerprint,
    messageId: r.message_id,
    received: r.received,
    origMailbox: r.orig_mailbox,
    destinedMailbox: r.destined_mailbox,
    isReject: r.is_reject === 1,
    junk: r.junk === 1,
    notjunk: r.notjunk === 1,
    fromLocal: r.from_local,
    fromDomain: r.from_domain,
    subject: r.subject,
    elsewhere: r.elsewhere_at !== null,
  };
}
