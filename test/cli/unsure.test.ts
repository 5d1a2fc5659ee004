import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMailboxFixture, type MailboxFixture } from '../helpers/mailbox-fixture.ts';
import { HAM_WORDS, NOVEL_WORDS, SPAM_WORDS } from '../helpers/synthetic-mail.ts';
import { runWarden } from '../helpers/warden.ts';

/**
 * The unsure band (docs/analysis.md 2.5) against a real Dovecot: mail accepted with a content
 * probability in the band is marked $Unsure in enforce mode (only recorded in observe mode); the
 * user removing the mark trains it as wanted, moving it to Junk trains it as junk; a mark a
 * crash left unset is set by the next run.
 */

let f: MailboxFixture;
let sender = 0;

beforeAll(async () => {
  f = await startMailboxFixture('unsure');
  // The band from 0.3: the mixed messages below score about 0.6, plain ham near 0, spam near 1.
  const set = runWarden(['--data-dir', f.data, 'settings', '--set', '{"unsure":true,"unsureFrom":0.3}']);
  expect(set.status, set.stderr).toBe(0);
  expect(run().events).toEqual([{ kind: 'started', account: 'home' }]);
});

afterAll(async () => {
  await f?.close();
});

interface Line {
  kind: string;
  uid: number;
  subject: string;
  accept: boolean;
  unsure: boolean;
  marked: boolean;
  score: number;
  role?: string;
  outcome?: string;
}

function run(): { arrivals: Line[]; events: Line[] } {
  const r = runWarden(['--data-dir', f.data, 'run', '--once', '--json', '--offline'], { env: f.env });
  expect(r.status, r.stderr).toBe(0);
  const all = r.stdout.trim() === '' ? [] : r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Line);
  return { arrivals: all.filter((e) => e.kind === 'arrival'), events: all.filter((e) => e.kind !== 'arrival') };
}

/**
 * A message of three wanted words and four junk ones (and words the filter never saw), from a
 * sender with no history: it scores about 0.6, while nothing is trained with it.
 */
const mixed = () =>
  f.append('ham', { from: `Mixed <m${++sender}@elsewhere.example>`, words: NOVEL_WORDS, extraBody: [[...HAM_WORDS.slice(0, 3), ...SPAM_WORDS.slice(0, 4)].join(' ')] });

/** The messages the enforce test saw marked, for the user to judge in the tests after it. */
const marked: { uid: number; subject: string }[] = [];

async function flagsOf(uid: number): Promise<string[]> {
  const lock = await f.client.getMailboxLock('INBOX');
  try {
    const m = await f.client.fetchOne(`${uid}`, { flags: true }, { uid: true });
    // \Recent is the server's own (RFC 3501 section 2.3.2), not a client's doing.
    return m ? [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort() : [];
  } finally {
    lock.release();
  }
}

async function flag(uid: number, add: string[], remove: string[]): Promise<void> {
  const lock = await f.client.getMailboxLock('INBOX');
  try {
    if (remove.length > 0) await f.client.messageFlagsRemove(`${uid}`, remove, { uid: true });
    if (add.length > 0) await f.client.messageFlagsAdd(`${uid}`, add, { uid: true });
  } finally {
    lock.release();
  }
}

function stats(): { hamMessages: number; spamMessages: number } {
  return JSON.parse(runWarden(['--data-dir', f.data, 'junk', 'stats', '--json']).stdout) as { hamMessages: number; spamMessages: number };
}

function judged(subject: string): { junk: number; notjunk: number } {
  const db = new Database(join(f.data, 'warden.db'), { readonly: true });
  try {
    return db.prepare('SELECT junk, notjunk FROM msg WHERE subject = ?').get(subject) as { junk: number; notjunk: number };
  } finally {
    db.close();
  }
}

describe('the unsure band', { timeout: 90_000 }, () => {
  it('in observe mode is only recorded: nothing is marked on the server', async () => {
    const subject = await mixed();
    const [a] = run().arrivals;
    expect(a).toMatchObject({ subject, accept: true, unsure: true, marked: false });
    expect(a!.score).toBeGreaterThanOrEqual(0.3);
    expect(await flagsOf(a!.uid)).toEqual([]);
  });

  it('in enforce mode marks mail in the band $Unsure and leaves it in INBOX; mail outside the band is not marked', async () => {
    expect(runWarden(['--data-dir', f.data, 'account', 'mode', 'home', 'enforce']).status).toBe(0);
    const first = await mixed();
    const ham = await f.append('ham');
    const second = await mixed();
    const { arrivals } = run();
    expect(arrivals.map((a) => [a.subject, a.accept, a.unsure, a.marked])).toEqual([
      [first, true, true, true],
      [ham, true, false, false],
      [second, true, true, true],
    ]);
    expect(await flagsOf(arrivals[0]!.uid)).toEqual(['$Unsure']);
    expect(await flagsOf(arrivals[1]!.uid)).toEqual([]);
    expect(await f.subjects('INBOX')).toEqual(expect.arrayContaining([first, ham, second]));
    marked.push(arrivals[0]!, arrivals[2]!);
    // Marking them changed their flags: the next look must not take that for the user's doing.
    expect(run().events).toEqual([]);
  });

  it('reading a marked message teaches nothing; removing the mark trains it as wanted mail, once', async () => {
    const { uid, subject } = marked[0]!;
    const before = stats();
    await flag(uid, ['\\Seen'], []);
    expect(run().events).toEqual([]);
    await flag(uid, [], ['$Unsure']);
    expect(run().events).toEqual([expect.objectContaining({ kind: 'learned', role: 'flag', uid, outcome: 'feedback as ham: its $Unsure mark was removed' })]);
    expect(stats()).toEqual(expect.objectContaining({ hamMessages: before.hamMessages + 1, spamMessages: before.spamMessages }));
    expect(judged(subject)).toEqual({ junk: 0, notjunk: 1 });
    // Later flag changes on it teach nothing more.
    await flag(uid, ['\\Flagged'], []);
    expect(run().events).toEqual([]);
  });

  it('moving a marked message to Junk trains it as junk', async () => {
    const { uid, subject } = marked[1]!;
    const before = stats();
    await f.move('INBOX', `${uid}`, 'Junk');
    expect(run().events).toEqual([expect.objectContaining({ kind: 'learned', role: 'junk', outcome: 'feedback' })]);
    expect(stats()).toEqual(expect.objectContaining({ hamMessages: before.hamMessages, spamMessages: before.spamMessages + 1 }));
    expect(judged(subject)).toEqual({ junk: 1, notjunk: 0 });
  });

  it('a mark a crash left unset (journalled, not done) is set by the next run', async () => {
    const subject = await f.append('ham');
    const [a] = run().arrivals;
    expect(a).toMatchObject({ subject, marked: false });
    const db = new Database(join(f.data, 'warden.db'));
    try {
      const uidValidity = (db.prepare("SELECT uidvalidity FROM mailbox_sync s JOIN mailbox m ON m.id = s.mailbox_id WHERE m.name = 'INBOX'").get() as { uidvalidity: number }).uidvalidity;
      db.prepare("INSERT INTO journal (account_id, action, mailbox, uidvalidity, uid, fingerprint, target, created_at) SELECT account_id, 'keyword', 'INBOX', ?, ?, fingerprint, '$Unsure', 0 FROM msg WHERE subject = ?").run(uidValidity, a!.uid, subject);
    } finally {
      db.close();
    }
    expect(run().events).toEqual([{ kind: 'repaired', account: 'home', moves: 1 }]);
    expect(await flagsOf(a!.uid)).toEqual(['$Unsure']);
  });
});
