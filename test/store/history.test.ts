import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pruneHistory, Retention } from '../../src/engine/retention.ts';
import { openDatabase, type Db } from '../../src/store/database.ts';
import { DecisionLog, matchQuery } from '../../src/store/decisions.ts';
import { packEvidence, unpackEvidence } from '../../src/store/evidence.ts';
import { History, LOCAL_ACCOUNT, type MessageRecord } from '../../src/store/history.ts';
import { MIGRATIONS } from '../../src/store/migrations.ts';
import { SyncState } from '../../src/store/sync.ts';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 11, 5, 12);

/** Evidence as the analysis writes it (src/analysis/analyze.ts), shortened. */
const evidence = (text: string, words: [string, number][] = []) => ({
  destined: 'INBOX',
  accept: true,
  reason: 'no-bad-signals',
  text,
  evidence: { junk: { probability: 0.12, significant: true, words, threshold: 0.95 }, reputation: { method: 'none', counted: [] } },
});

let dir: string;
let db: Db;
let history: History;
let log: DecisionLog;
let serial = 0;

function message(over: Partial<MessageRecord> & { daysAgo?: number } = {}): MessageRecord {
  const { daysAgo = 1, ...rest } = over;
  const fingerprint = `fp${++serial}`;
  return {
    fingerprint,
    messageId: `<${fingerprint}@test>`,
    received: NOW - daysAgo * DAY,
    origMailbox: history.mailboxId('INBOX'),
    destinedMailbox: null,
    isReject: false,
    rejectedAt: null,
    junk: false,
    notjunk: false,
    remoteIp: '203.0.113.1',
    ipMasked: ['203.0.113.1', '203.0.113.0', '203.0.112.0'],
    ehloDomain: 'mail.sender.test',
    mailFromLocal: 'bounce',
    mailFromDomain: 'sender.test',
    fromLocal: 'alice',
    fromDomain: 'sender.test',
    fromOrgDomain: 'sender.test',
    ehloValidated: true,
    mailFromValidated: true,
    fromValidated: true,
    isForward: false,
    isMailingList: false,
    subject: `message ${serial}`,
    dkimDomains: ['sender.test'],
    origDkimDomains: [],
    ...rest,
  };
}

/** Records a message and its decision, as DeliveryService.record does; returns the message's id. */
function decided(over: Partial<MessageRecord> & { daysAgo?: number } = {}, accept = !over.isReject): number {
  const m = message(over);
  return history.transaction(() => {
    const id = history.insertMessage(m);
    const text = accept ? 'no bad signals' : 'the content looks like junk';
    history.logDecision({ msgId: id, decidedAt: m.received, accept, reason: accept ? 'no-bad-signals' : 'junk-content', text, mailbox: accept ? 'INBOX' : 'Rejects', score: 0.5, evidence: evidence(text) });
    return id;
  });
}

function count(table: string): number {
  return db.prepare<[], number>(`SELECT count(*) FROM ${table}`).pluck().get()!;
}

const search = (words: string) => log.list({ search: words, limit: 100 }).map((r) => r.subject);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-history-'));
  db = openDatabase(join(dir, 'warden.db'));
  history = new History(db, LOCAL_ACCOUNT);
  log = new DecisionLog(db);
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('evidence', () => {
  it('round-trips through its stored form, several times smaller than its JSON', () => {
    const words: [string, number][] = Array.from({ length: 20 }, (_, i) => [`word${i}`, i / 20]);
    const e = evidence('the content looks like junk (0.978 > 0.942)', words);
    const packed = packEvidence(e);
    expect(unpackEvidence(packed)).toEqual(e);
    expect(packed.length).toBeLessThan(JSON.stringify(e).length / 2);
  });

  it('reads the JSON text an earlier schema stored, and refuses a format it does not know', () => {
    expect(unpackEvidence('{"text":"old"}')).toEqual({ text: 'old' });
    const future = packEvidence({});
    future[0] = 9;
    expect(() => unpackEvidence(future)).toThrow(/unknown format 9: written by a newer Warden/);
  });

  it('keeps a decision row free of the evidence: the list reads the reason in words from the row', () => {
    const id = decided({ subject: 'Quarterly report' });
    const [row] = log.list({ limit: 10 });
    expect(row).toMatchObject({ message: id, subject: 'Quarterly report', text: 'no bad signals', accept: true });
    expect(row).not.toHaveProperty('evidence');
    expect(log.get(row!.id)?.evidence).toEqual(evidence('no bad signals'));
    expect(history.lastDecision(id)?.evidence).toEqual(evidence('no bad signals'));
    expect(db.prepare('SELECT typeof(body) FROM decision_evidence').pluck().get()).toBe('blob');
  });
});

describe('search', () => {
  beforeEach(() => {
    decided({ subject: 'Your Money is waiting', fromLocal: 'prize', fromDomain: 'lottery.example' });
    decided({ subject: 'Réunion du comité', fromLocal: 'bob', fromDomain: 'example.org' });
    decided({ subject: 'Meeting notes', fromLocal: 'carol', fromDomain: 'work.test' });
  });

  it('finds words of the subject by their start, whatever the case and accents', () => {
    expect(search('money')).toEqual(['Your Money is waiting']);
    expect(search('MON')).toEqual(['Your Money is waiting']);
    expect(search('reunion comite')).toEqual(['Réunion du comité']);
    expect(search('oney')).toEqual([]);
  });

  it('finds the sender address, whole or by its start, and needs every word', () => {
    expect(search('bob@example.org')).toEqual(['Réunion du comité']);
    expect(search('bob@exa')).toEqual(['Réunion du comité']);
    expect(search('work.test')).toEqual(['Meeting notes']);
    expect(search('meeting carol')).toEqual(['Meeting notes']);
    expect(search('meeting bob')).toEqual([]);
  });

  it("takes FTS5's syntax as words, and ignores words without a letter or digit", () => {
    expect(matchQuery('a"b OR c*')).toBe('"a""b"* "OR"* "c*"*');
    expect(matchQuery(' @ -- ')).toBeUndefined();
    expect(search('"money" OR (notes')).toEqual([]);
    expect(search('NEAR( money')).toEqual([]);
    expect(search('@')).toHaveLength(3);
  });

  it('forgets a message deleted from the history', () => {
    const id = decided({ subject: 'Ephemeral words', daysAgo: 400 });
    expect(search('ephemeral')).toEqual(['Ephemeral words']);
    db.prepare('DELETE FROM msg WHERE id = ?').run(id);
    expect(search('ephemeral')).toEqual([]);
  });
});

describe('stats', () => {
  it('counts decisions per day as they are written, and keeps the counts when the decisions go', () => {
    decided({ daysAgo: 2 });
    decided({ daysAgo: 2 });
    decided({ daysAgo: 2, isReject: true });
    decided({ daysAgo: 40 });
    const day = (daysAgo: number) => new Date(NOW - daysAgo * DAY).toISOString().slice(0, 10);
    const expected = [
      { day: day(2), reason: 'junk-content', accept: false, count: 1 },
      { day: day(2), reason: 'no-bad-signals', accept: true, count: 2 },
    ];
    expect(log.daily(NOW - 7 * DAY)).toEqual(expected);
    expect(log.daily(NOW - 41 * DAY)).toHaveLength(3);
    db.prepare('DELETE FROM msg').run();
    expect(count('decision')).toBe(0);
    expect(log.daily(NOW - 7 * DAY)).toEqual(expected);
  });

  it('counts from the start of the first day, as the charts show days', () => {
    // 02:24 on the first day of a week that starts at noon.
    decided({ daysAgo: 7.4 });
    expect(log.daily(NOW - 7 * DAY)).toHaveLength(1);
    expect(log.daily(NOW - 6 * DAY)).toEqual([]);
    const id = decided({ daysAgo: 3 });
    history.restore(id);
    expect(log.corrections(Date.now() - 0.01 * DAY)).toEqual([{ day: new Date().toISOString().slice(0, 10), restored: 1, junked: 0 }]);
  });
});

describe('retention', () => {
  let sync: SyncState;
  beforeEach(() => {
    sync = new SyncState(db, LOCAL_ACCOUNT);
  });

  /** A reject Warden moved to Rejects; `retired` when it was moved on to Trash since. */
  function movedReject(daysAgo: number, retired = false): number {
    const id = decided({ daysAgo, isReject: true, origMailbox: history.mailboxId('Rejects'), destinedMailbox: history.mailboxId('INBOX') });
    const fingerprint = history.findById(id)!.fingerprint;
    sync.done(sync.journalMove({ mailbox: 'INBOX', uidValidity: 1, uid: id, fingerprint, target: 'Rejects', claimed: true }, NOW), NOW);
    if (retired) {
      sync.done(sync.journalMove({ mailbox: 'Rejects', uidValidity: 1, uid: id, fingerprint, target: 'Trash', claimed: true }, NOW), NOW);
      history.retire(id, NOW);
    }
    return id;
  }

  it('deletes what no reputation window and no restore needs, and keeps the rest', async () => {
    const gone = {
      old: decided({ daysAgo: 400, subject: 'Old news' }),
      judgedLongAgo: decided({ daysAgo: 1200, junk: true }),
      retiredReject: movedReject(400, true),
      observedReject: decided({ daysAgo: 400, isReject: true }),
    };
    const kept = {
      recent: decided({ daysAgo: 300 }),
      judgedJunk: decided({ daysAgo: 1000, junk: true }),
      judgedHam: decided({ daysAgo: 800, notjunk: true }),
      restored: movedReject(2000),
      rejectInRejects: movedReject(900),
      movePending: decided({ daysAgo: 400, isReject: true }),
    };
    history.restore(kept.restored);
    history.setJudgement(kept.restored, { junk: false, notjunk: true });
    sync.journalMove({ mailbox: 'INBOX', uidValidity: 1, uid: 99, fingerprint: history.findById(kept.movePending)!.fingerprint, target: 'Rejects', claimed: true }, NOW);
    db.prepare("INSERT INTO report (msg_id, kind, org, report_id, about, begin, end, summary) VALUES (?, 'dmarc', 'org', 'r1', 'x.test', 0, 0, '{}')").run(gone.old);
    history.addRecipients([{ local: 'dan', domain: 'old.test', orgDomain: 'old.test' }], NOW - 1100 * DAY, 'sent-old');
    history.addRecipients([{ local: 'eve', domain: 'new.test', orgDomain: 'new.test' }], NOW - 1000 * DAY, 'sent-new');
    const countsBefore = log.daily(0);

    expect(await pruneHistory(history, 365, NOW)).toEqual({ messages: 4, recipients: 1 });

    for (const id of Object.values(gone)) expect(history.findById(id)).toBeUndefined();
    for (const id of Object.values(kept)) expect(history.findById(id)).toBeDefined();
    const keptIds = Object.values(kept).sort((a, b) => a - b);
    // Their decisions, evidence, DKIM domains, reports and words went with them.
    expect(db.prepare('SELECT msg_id FROM decision ORDER BY msg_id').pluck().all()).toEqual(keptIds);
    expect(count('decision_evidence')).toBe(keptIds.length);
    expect(db.prepare('SELECT msg_id FROM msg_dkim ORDER BY msg_id').pluck().all()).toEqual(keptIds);
    expect(count('report')).toBe(0);
    expect(search('old news')).toEqual([]);
    // The journal of the moves done on what went: nothing else.
    expect(db.prepare('SELECT uid FROM journal ORDER BY uid').pluck().all()).toEqual([kept.restored, kept.rejectInRejects, 99]);
    expect(history.sentTo({ domain: 'old.test' }, 0)).toBe(false);
    expect(history.sentTo({ domain: 'new.test' }, 0)).toBe(true);
    expect(log.daily(0)).toEqual(countsBefore);
    // The reject still in Rejects is still restorable.
    expect(log.list({ rejected: true, limit: 10 }).map((r) => r.message)).toEqual([kept.rejectInRejects]);
  });

  it('keeps judged mail for the longest reputation window even when the setting is shorter, and nothing with no setting', async () => {
    const judged = decided({ daysAgo: 100, junk: true });
    const unjudged = decided({ daysAgo: 100 });
    expect(await pruneHistory(history, null, NOW)).toEqual({ messages: 0, recipients: 0 });
    expect(await pruneHistory(history, 30, NOW)).toEqual({ messages: 1, recipients: 0 });
    expect(history.findById(judged)).toBeDefined();
    expect(history.findById(unjudged)).toBeUndefined();
  });

  it('goes through more messages than one batch, and leaves the other accounts alone', async () => {
    const other = new History(db, Number(db.prepare("INSERT INTO account (name) VALUES ('other')").run().lastInsertRowid));
    history.transaction(() => {
      // Kept, and older than the rest: the first batches delete none, and must still move on.
      for (let i = 0; i < 600; i++) history.insertMessage(message({ daysAgo: 503, notjunk: true }));
      for (let i = 0; i < 1234; i++) history.insertMessage(message({ daysAgo: 500 + (i % 3) }));
    });
    const theirs = other.transaction(() => other.insertMessage({ ...message({ daysAgo: 500 }), origMailbox: other.mailboxId('INBOX') }));
    expect(await pruneHistory(history, 365, NOW)).toEqual({ messages: 1234, recipients: 0 });
    expect(count('msg')).toBe(601);
    expect(other.findById(theirs)).toBeDefined();
  });
});

describe('retention as the catch-ups run it', () => {
  const MINUTE = 60_000;
  beforeEach(() => {
    history.transaction(() => {
      for (let i = 0; i < 1234; i++) history.insertMessage(message({ daysAgo: 500 }));
    });
  });

  it('stops when its time is spent, and goes on from where it stopped', async () => {
    const slices: number[] = [];
    let from;
    do {
      const pruned = await pruneHistory(history, 365, NOW, { from, budgetMs: 0 });
      slices.push(pruned.messages);
      from = pruned.next;
    } while (from);
    expect(slices).toEqual([200, 200, 200, 200, 200, 200, 34]);
    expect(count('msg')).toBe(0);
  });

  it('starts a pass at most hourly, and finishes a pass it started at the next catch-ups', async () => {
    const retention = new Retention(history, 0);
    for (let i = 0; i < 6; i++) expect((await retention.run(365, NOW + i * MINUTE)).messages).toBe(200);
    expect((await retention.run(365, NOW + 6 * MINUTE)).messages).toBe(34);
    decided({ daysAgo: 400 });
    expect((await retention.run(365, NOW + 30 * MINUTE)).messages).toBe(0);
    expect((await retention.run(365, NOW + 61 * MINUTE)).messages).toBe(1);
  });
});

describe('migration 11', () => {
  it('carries a database of schema 10 forward: decisions, their evidence and words, counts and search', () => {
    const file = join(dir, 'v10.db');
    const old = new Database(file);
    for (const step of MIGRATIONS.slice(0, 10)) old.exec(step);
    old.pragma('user_version = 10');
    // Rows as the code of schema 10 wrote them.
    old.exec(`
      INSERT INTO mailbox (id, account_id, name) VALUES (1, 1, 'INBOX');
      INSERT INTO msg (id, account_id, fingerprint, message_id, received, orig_mailbox, remote_ip, ip_m1, ip_m2, ip_m3, ehlo_domain,
        mailfrom_local, mailfrom_domain, from_local, from_domain, from_orgdomain, ehlo_validated, mailfrom_validated, from_validated, subject, restored_at)
      VALUES (1, 1, 'fa', '', ${NOW - DAY}, 1, '', '', '', '', '', '', '', 'alice', 'sender.test', 'sender.test', 0, 0, 1, 'Invoice for March', ${NOW - DAY}),
             (2, 1, 'fb', '', ${NOW - 2 * DAY}, 1, '', '', '', '', '', '', '', 'bob', 'other.test', 'other.test', 0, 0, 1, 'Cheap pills', NULL);
      INSERT INTO decision (id, msg_id, decided_at, accept, reason, mailbox, score, evidence) VALUES
        (1, 1, ${NOW - DAY}, 1, 'no-bad-signals', 'INBOX', 0.1, '${JSON.stringify(evidence('nothing suspicious'))}'),
        (2, 2, ${NOW - 2 * DAY}, 0, 'junk-content', 'Rejects', 0.99, '${JSON.stringify(evidence('the content looks like junk'))}');
    `);
    old.close();

    const db11 = openDatabase(file);
    try {
      const decisions = new DecisionLog(db11);
      expect(decisions.list({ limit: 10 }).map((r) => [r.subject, r.text])).toEqual([
        ['Cheap pills', 'the content looks like junk'],
        ['Invoice for March', 'nothing suspicious'],
      ]);
      expect(decisions.get(1)?.evidence).toEqual(evidence('nothing suspicious'));
      expect(new History(db11).lastDecision(2)?.evidence).toEqual(evidence('the content looks like junk'));
      expect(decisions.list({ search: 'invoice', limit: 10 }).map((r) => r.id)).toEqual([1]);
      expect(decisions.list({ search: 'bob@other', limit: 10 }).map((r) => r.id)).toEqual([2]);
      expect(decisions.daily(NOW - 3 * DAY).map((d) => [d.reason, d.count])).toEqual([
        ['junk-content', 1],
        ['no-bad-signals', 1],
      ]);
      expect(decisions.corrections(NOW - 3 * DAY).reduce((n, c) => n + c.restored, 0)).toBe(1);
      // And goes on: a new decision is counted, found and deflated.
      const history11 = new History(db11);
      const id = history11.insertMessage({ ...message(), origMailbox: 1, subject: 'Fresh arrival' });
      history11.logDecision({ msgId: id, decidedAt: NOW, accept: true, reason: 'no-bad-signals', text: 'fine', mailbox: 'INBOX', score: 0, evidence: evidence('fine') });
      expect(decisions.list({ search: 'fresh', limit: 10 }).map((r) => r.text)).toEqual(['fine']);
      expect(decisions.daily(NOW - 3 * DAY).reduce((n, d) => n + d.count, 0)).toBe(3);
      expect(db11.prepare('SELECT decision_id, typeof(body) FROM decision_evidence ORDER BY decision_id').raw().all()).toEqual([
        [1, 'text'],
        [2, 'text'],
        [3, 'blob'],
      ]);
    } finally {
      db11.close();
    }
  });
});
