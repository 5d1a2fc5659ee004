import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reputation, type Sender } from '../../src/reputation/reputation.ts';
import { openDatabase, type Db } from '../../src/store/database.ts';
import { History, type MessageRecord } from '../../src/store/history.ts';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 10, 24);

const sender = (over: Partial<Sender> = {}): Sender => ({
  fromLocal: 'alice',
  fromDomain: 'sender.test',
  fromOrgDomain: 'sender.test',
  fromValidated: true,
  dkimDomains: [],
  mailFromLocal: '',
  mailFromDomain: '',
  mailFromValidated: false,
  ehloDomain: '',
  ehloValidated: false,
  remoteIp: '198.51.100.7',
  ipMasked: ['198.51.100.7', '198.51.100.0', '198.51.96.0'],
  ...over,
});

let dir: string;
let db: Db;
let history: History;
let inbox: number;
let serial = 0;

/** Records a judged message first delivered to INBOX, `daysAgo` before NOW. */
function judged(junk: boolean, over: Partial<MessageRecord> & { daysAgo?: number } = {}): number {
  const { daysAgo = 1, ...rest } = over;
  return history.insertMessage({
    fingerprint: `fp${++serial}`,
    messageId: '',
    received: NOW - daysAgo * DAY,
    origMailbox: inbox,
    destinedMailbox: null,
    isReject: false,
    rejectedAt: null,
    junk,
    notjunk: !junk,
    remoteIp: '203.0.113.1',
    ipMasked: ['203.0.113.1', '203.0.113.0', '203.0.112.0'],
    ehloDomain: '',
    mailFromLocal: '',
    mailFromDomain: '',
    fromLocal: 'someone',
    fromDomain: 'elsewhere.test',
    fromOrgDomain: 'elsewhere.test',
    ehloValidated: false,
    mailFromValidated: false,
    fromValidated: true,
    isForward: false,
    isMailingList: false,
    subject: `message ${serial}`,
    dkimDomains: [],
    origDkimDomains: [],
    ...rest,
  });
}

const from = (local: string, domain = 'sender.test', validated = true) => ({
  fromLocal: local,
  fromDomain: domain,
  fromOrgDomain: domain.split('.').slice(-2).join('.'),
  fromValidated: validated,
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-rep-'));
  db = openDatabase(join(dir, 'warden.db'));
  history = new History(db);
  inbox = history.mailboxId('INBOX');
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('reputation, mox steps in order', () => {
  it('finds nothing in an empty history', () => {
    expect(reputation(history, inbox, sender(), NOW)).toMatchObject({ method: 'none', conclusive: false, junk: undefined });
  });

  it('1a: the exact validated From address decides by its last two messages', () => {
    judged(false, { ...from('alice'), daysAgo: 3 });
    judged(true, { ...from('alice'), daysAgo: 2 });
    // Newest is junk but the one before is not: not junk.
    expect(reputation(history, inbox, sender(), NOW)).toMatchObject({ method: 'msgfromfull', junk: false, conclusive: true });
    judged(true, { ...from('alice'), daysAgo: 1 });
    const r = reputation(history, inbox, sender(), NOW);
    expect(r).toMatchObject({ method: 'msgfromfull', junk: true, conclusive: true });
    expect(r.counted).toHaveLength(2);
  });

  it('1a: an unvalidated From is never conclusive on its own', () => {
    judged(true, from('alice', 'sender.test', false));
    expect(reputation(history, inbox, sender({ fromValidated: false }), NOW)).toMatchObject({ method: 'msgfromfull', junk: true, conclusive: false });
  });

  it('1b: an unvalidated claim of an address that used to validate leans junk', () => {
    judged(false, from('alice'));
    expect(reputation(history, inbox, sender({ fromValidated: false }), NOW)).toMatchObject({ method: 'msgfromfull', junk: true, conclusive: false });
    judged(true, from('alice'));
    judged(true, from('alice'));
    expect(reputation(history, inbox, sender({ fromValidated: false }), NOW)).toMatchObject({ junk: true, conclusive: true });
  });

  it('1a ignores messages older than three years and those in other mailboxes or deleted', () => {
    judged(true, { ...from('alice'), daysAgo: 3 * 365 + 1 });
    judged(true, { ...from('alice'), origMailbox: history.mailboxId('Rejects') });
    const gone = judged(true, from('alice'));
    db.prepare('UPDATE msg SET gone_at = 1 WHERE id = ?').run(gone);
    expect(reputation(history, inbox, sender(), NOW).method).toBe('none');
  });

  it('ignores messages the user never judged', () => {
    const id = judged(true, from('alice'));
    history.setJudgement(id, { junk: false, notjunk: false });
    expect(reputation(history, inbox, sender(), NOW).method).toBe('none');
  });

  it('1c and 1d: mail the user sent makes the address, domain and org domain good', () => {
    history.addRecipients([{ local: 'alice', domain: 'sender.test', orgDomain: 'sender.test' }], NOW - DAY, 'sent1');
    expect(reputation(history, inbox, sender(), NOW)).toMatchObject({ method: 'msgtofull', junk: false, conclusive: true });
    expect(reputation(history, inbox, sender({ fromLocal: 'bob' }), NOW)).toMatchObject({ method: 'msgtodomain', conclusive: true });
    const sub = sender({ fromLocal: 'bob', fromDomain: 'eu.sender.test', fromOrgDomain: 'sender.test' });
    expect(reputation(history, inbox, sub, NOW)).toMatchObject({ method: 'msgtoorgdomain', junk: false, conclusive: true });
    // Sent more than three years ago does not count for the address, nor two for the domain.
    expect(reputation(history, inbox, sender(), NOW + 3 * 365 * DAY).method).toBe('none');
  });

  it('1d: a domain with more than 80% good messages is good; all junk from 3 addresses is conclusively bad', () => {
    for (let i = 0; i < 5; i++) judged(i === 0, from(`user${i}`));
    // 4 of 5 good = 80%, not more than 80: mixed.
    expect(reputation(history, inbox, sender(), NOW)).toMatchObject({ method: 'msgfromdomain', junk: undefined, conclusive: false });
    judged(false, from('user5'));
    expect(reputation(history, inbox, sender(), NOW)).toMatchObject({ method: 'msgfromdomain', junk: false, conclusive: true });

    judged(true, from('a', 'spam.test'));
    judged(true, from('b', 'spam.test'));
    expect(reputation(history, inbox, sender({ ...from('c', 'spam.test') }), NOW)).toMatchObject({ junk: true, conclusive: false });
    judged(true, from('c2', 'spam.test'));
    expect(reputation(history, inbox, sender({ ...from('d', 'spam.test') }), NOW)).toMatchObject({ method: 'msgfromdomain', junk: true, conclusive: true });
  });

  it('1d: the organisational domain counts when the exact domain has no history', () => {
    judged(false, from('x', 'news.sender.test'));
    const r = reputation(history, inbox, sender({ ...from('y', 'mail.sender.test') }), NOW);
    expect(r).toMatchObject({ method: 'msgfromorgdomain', junk: false, conclusive: true });
  });

  it('2: DKIM and SPF identities, each a spam fraction', () => {
    judged(false, { dkimDomains: ['list.test'] });
    judged(false, { dkimDomains: ['list.test'] });
    const s = sender({ fromDomain: '', fromLocal: '', fromOrgDomain: '', dkimDomains: ['list.test'] });
    expect(reputation(history, inbox, s, NOW)).toMatchObject({ method: 'dkimspf', junk: false, conclusive: true });
    judged(true, { mailFromLocal: 'bounce', mailFromDomain: 'bad.test', dkimDomains: [] });
    judged(true, { mailFromLocal: 'bounce', mailFromDomain: 'bad.test' });
    const spf = sender({ fromDomain: '', fromLocal: '', fromOrgDomain: '', mailFromLocal: 'other', mailFromDomain: 'bad.test', mailFromValidated: true });
    expect(reputation(history, inbox, spf, NOW)).toMatchObject({ method: 'dkimspf', junk: true, conclusive: true });
    // Unvalidated MAIL FROM: no SPF signal, falls through to IP.
    expect(reputation(history, inbox, { ...spf, mailFromValidated: false }, NOW).method).not.toBe('dkimspf');
  });

  it('3: the IP, then the /26 and /21, each needing more messages', () => {
    const near = { remoteIp: '198.51.100.9', ipMasked: ['198.51.100.9', '198.51.100.0', '198.51.96.0'] as [string, string, string] };
    const s = sender({ fromDomain: '', fromLocal: '', fromOrgDomain: '' });
    for (let i = 0; i < 4; i++) judged(true, near);
    // Four junk messages from the /26 need five to be conclusive.
    expect(reputation(history, inbox, s, NOW)).toMatchObject({ method: 'ip2', junk: true, conclusive: false });
    judged(true, near);
    expect(reputation(history, inbox, s, NOW)).toMatchObject({ method: 'ip2', junk: true, conclusive: true });
    judged(false, { remoteIp: '198.51.100.7', ipMasked: ['198.51.100.7', '198.51.100.0', '198.51.96.0'] });
    expect(reputation(history, inbox, s, NOW)).toMatchObject({ method: 'ip1', junk: false, conclusive: false });
    // Forwarded mail has no masks: no IP step.
    expect(reputation(history, inbox, { ...s, ipMasked: ['', '', ''] }, NOW).method).toBe('none');
  });

  it('3: the IP alone decides with two wanted messages, but junk only with three (Warden: behind an undeclared forwarder)', () => {
    const same = { remoteIp: '198.51.100.7', ipMasked: ['198.51.100.7', '198.51.100.0', '198.51.96.0'] as [string, string, string] };
    const s = sender({ fromDomain: '', fromLocal: '', fromOrgDomain: '' });
    judged(false, same);
    judged(false, same);
    expect(reputation(history, inbox, s, NOW)).toMatchObject({ method: 'ip1', junk: false, conclusive: true });
    const other = { remoteIp: '198.51.100.8', ipMasked: ['198.51.100.8', '198.51.100.0', '198.51.96.0'] as [string, string, string] };
    const t = sender({ fromDomain: '', fromLocal: '', fromOrgDomain: '', ...other });
    judged(true, other);
    judged(true, other);
    expect(reputation(history, inbox, t, NOW)).toMatchObject({ method: 'ip1', junk: true, conclusive: false });
    judged(true, other);
    expect(reputation(history, inbox, t, NOW)).toMatchObject({ method: 'ip1', junk: true, conclusive: true });
  });

  it('without the destination mailbox only mail the user sent counts', () => {
    judged(true, from('alice'));
    expect(reputation(history, undefined, sender(), NOW).method).toBe('none');
    history.addRecipients([{ local: 'alice', domain: 'sender.test', orgDomain: 'sender.test' }], NOW, 'sent2');
    expect(reputation(history, undefined, sender(), NOW).method).toBe('msgtofull');
  });

  // Each step's window (docs/analysis.md 3.2): history received exactly at the edge counts, a
  // millisecond earlier does not.
  const YEAR_DAYS = 365;
  const windows: [string, number, () => Partial<MessageRecord>, Partial<Sender>, string][] = [
    ['msgfromfull, 3 years', 3 * YEAR_DAYS, () => from('alice'), {}, 'msgfromfull'],
    ['msgfromdomain, 2 years', 2 * YEAR_DAYS, () => from('other'), {}, 'msgfromdomain'],
    ['dkimspf by DKIM domain, half a year', YEAR_DAYS / 2, () => ({ dkimDomains: ['esp.test'] }), { fromDomain: '', dkimDomains: ['esp.test'] }, 'dkimspf'],
    [
      'dkimspf by MAIL FROM, half a year',
      YEAR_DAYS / 2,
      () => ({ mailFromLocal: 'b', mailFromDomain: 'esp.test' }),
      { fromDomain: '', mailFromLocal: 'b', mailFromDomain: 'esp.test', mailFromValidated: true },
      'dkimspf',
    ],
    ['ip1, a quarter year', YEAR_DAYS / 4, () => ({ remoteIp: '198.51.100.7', ipMasked: ['198.51.100.7', '198.51.100.0', '198.51.96.0'] }), { fromDomain: '' }, 'ip1'],
  ];
  it.each(windows)('window of %s', (_name, days, record, over, method) => {
    const id = judged(false, { ...record(), daysAgo: days });
    expect(reputation(history, inbox, sender(over), NOW).method).toBe(method);
    db.prepare('UPDATE msg SET received = received - 1 WHERE id = ?').run(id);
    expect(reputation(history, inbox, sender(over), NOW).method).toBe('none');
  });

  it('IPv6 networks: the /64, then the /48 and the /32', () => {
    const v6 = (ip: string, m1: string, m2: string, m3: string) => ({ remoteIp: ip, ipMasked: [m1, m2, m3] as [string, string, string] });
    const s = sender({ fromDomain: '', ...v6('2001:db8:abcd:12::7', '2001:db8:abcd:12::', '2001:db8:abcd::', '2001:db8::') });
    judged(true, v6('2001:db8:abcd:99::1', '2001:db8:abcd:99::', '2001:db8:abcd::', '2001:db8::'));
    const r = reputation(history, inbox, s, NOW);
    expect(r).toMatchObject({ method: 'ip2', junk: true, conclusive: false });
    expect(r.text).toContain('2001:db8:abcd::/48');
  });

  it('each query reads an index, not the table', () => {
    const plan = db
      .prepare(
        'EXPLAIN QUERY PLAN SELECT id FROM msg WHERE orig_mailbox = ? AND (junk OR notjunk) AND gone_at IS NULL AND from_domain = ? AND from_validated = ? AND received >= ? ORDER BY received DESC LIMIT ?',
      )
      .all(1, 'x', 1, 0, 20) as { detail: string }[];
    expect(plan.map((p) => p.detail).join('\n')).toMatch(/USING INDEX msg_from_domain/);
  });
});
