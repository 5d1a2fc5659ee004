import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeadDns } from '../helpers/dead-dns.ts';
import { startMailboxFixture, type MailboxFixture } from '../helpers/mailbox-fixture.ts';
import { providerMessage } from '../helpers/provider-mail.ts';
import { runWarden, spawnWarden, watchWarden } from '../helpers/warden.ts';

/**
 * `warden run --once` against a real Dovecot: mail appended to INBOX by another client is
 * analysed; in observe mode nothing moves, in enforce mode rejects go to Rejects; nothing is
 * analysed twice; an interrupted move is finished by the next run.
 */

let f: MailboxFixture;

beforeAll(async () => {
  f = await startMailboxFixture('run');
});

afterAll(async () => {
  await f?.close();
});

interface RunLine {
  uid: number;
  subject: string;
  known: boolean;
  restored: boolean;
  moved: boolean;
  accept: boolean;
  reason: string;
}

/** Runs `warden run --once --json`: the arrivals, and the other events by kind. */
function run(): { lines: RunLine[]; events: { kind: string; moves?: number }[] } {
  const r = runWarden(['--data-dir', f.data, 'run', '--once', '--json'], { env: f.env });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  const events = r.stdout.trim() === '' ? [] : r.stdout.trim().split('\n').map((l) => JSON.parse(l) as RunLine & { kind: string; moves?: number });
  return { lines: events.filter((e) => e.kind === 'arrival'), events: events.filter((e) => e.kind !== 'arrival') };
}

describe('warden run --once', () => {
  it('leaves the mail already in INBOX alone on its first run', async () => {
    const old = await f.append('spam');
    const first = run();
    expect(first.lines).toEqual([]);
    expect(first.events).toEqual([{ kind: 'started', account: 'home' }]);
    expect(await f.subjects('INBOX')).toEqual([old]);
    expect(run().lines).toEqual([]);
  });

  it('in observe mode decides on new mail and moves nothing, without marking it seen', async () => {
    const ham = await f.append('ham');
    const spam = await f.append('spam');
    const { lines } = run();
    expect(lines.map((l) => [l.subject, l.accept, l.moved])).toEqual([
      [ham, true, false],
      [spam, false, false],
    ]);
    expect(lines[1]!.reason).toBe('junk-content');
    expect(await f.subjects('INBOX')).toHaveLength(3);
    expect((await f.subjects('INBOX')).some((s) => s.endsWith('[seen]'))).toBe(false);
    // Not analysed again.
    expect(run().lines).toEqual([]);
  });

  it('in enforce mode moves rejects to Rejects, creating it, and keeps ham in INBOX', async () => {
    expect(runWarden(['--data-dir', f.data, 'account', 'mode', 'home', 'enforce']).status).toBe(0);
    const ham = await f.append('ham');
    const spam = await f.append('spam');
    const { lines } = run();
    expect(lines.map((l) => [l.subject, l.accept, l.moved])).toEqual([
      [ham, true, false],
      [spam, false, true],
    ]);
    expect(await f.subjects('Rejects')).toEqual([spam]);
    expect(await f.subjects('INBOX')).toContain(ham);
    expect(await f.subjects('INBOX')).not.toContain(spam);
  });

  it('learns from a reject put back in INBOX, and does not reject it again', async () => {
    const trainedHam = () => (JSON.parse(runWarden(['--data-dir', f.data, 'junk', 'stats', '--json']).stdout) as { hamMessages: number }).hamMessages;
    const before = trainedHam();
    const lock = await f.client.getMailboxLock('Rejects');
    try {
      await f.client.messageMove('1:*', 'INBOX');
    } finally {
      lock.release();
    }
    const { lines } = run();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ known: true, restored: true, moved: false });
    expect(await f.subjects('Rejects')).toEqual([]);
    expect(trainedHam()).toBe(before + 1);
    // Seen again (the user copies it back once more): nothing more to learn.
    const again = await f.client.getMailboxLock('INBOX');
    try {
      await f.client.messageCopy('*', 'INBOX');
    } finally {
      again.release();
    }
    expect(run().lines).toEqual([expect.objectContaining({ known: true, restored: false, moved: false })]);
    expect(trainedHam()).toBe(before + 1);
  });

  it('finishes a move that a crash interrupted', async () => {
    // A move written to the journal but never sent: what a kill between the two leaves.
    const spam = await f.append('spam');
    const lock = await f.client.getMailboxLock('INBOX');
    let uid: number;
    let uidValidity: number;
    try {
      uid = Math.max(...((await f.client.search({ all: true }, { uid: true })) || []));
      uidValidity = Number(f.client.mailbox && f.client.mailbox.uidValidity);
    } finally {
      lock.release();
    }
    const db = new Database(join(f.data, 'warden.db'));
    const account = (db.prepare("SELECT id FROM account WHERE name = 'home'").get() as { id: number }).id;
    db.prepare("INSERT INTO journal (account_id, action, mailbox, uidvalidity, uid, fingerprint, target, created_at) VALUES (?, 'move', 'INBOX', ?, ?, 'x', 'Rejects', 0)").run(account, uidValidity, uid);
    // And the sync point past it, as if it had been analysed.
    db.prepare("UPDATE mailbox_sync SET last_uid = ? WHERE mailbox_id = (SELECT id FROM mailbox WHERE account_id = ? AND name = 'INBOX')").run(uid, account);
    db.close();
    const { lines, events } = run();
    expect(lines).toEqual([]);
    expect(events).toEqual([{ kind: 'repaired', account: 'home', moves: 1 }]);
    expect(await f.subjects('Rejects')).toEqual([spam]);
  });

  it('learns from mail the user files in Junk, and from what the user sends', async () => {
    const stats = () => JSON.parse(runWarden(['--data-dir', f.data, 'junk', 'stats', '--json']).stdout) as { hamMessages: number; spamMessages: number };
    const ham = await f.append('ham');
    expect(run().lines).toEqual([expect.objectContaining({ subject: ham, accept: true })]);
    const before = stats();
    const lock = await f.client.getMailboxLock('INBOX');
    try {
      await f.client.messageMove('*', 'Junk');
    } finally {
      lock.release();
    }
    expect(run().events).toEqual([expect.objectContaining({ kind: 'learned', role: 'junk', folder: 'Junk', outcome: 'feedback' })]);
    expect(stats()).toEqual(expect.objectContaining({ hamMessages: before.hamMessages, spamMessages: before.spamMessages + 1 }));

    await f.client.append('Sent', 'From: alice@example.test\r\nTo: Friend <newfriend@friends.test>\r\nSubject: hello\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nhi\r\n');
    expect(run().events).toEqual([expect.objectContaining({ kind: 'learned', role: 'sent', outcome: '1 recipients added' })]);
    // Spam content from someone the user wrote to: accepted.
    await f.append('spam', { from: 'Friend <newfriend@friends.test>' });
    expect(run().lines).toEqual([expect.objectContaining({ accept: true, reason: 'msgtofull' })]);
  });

  it('learns from $Junk and $NotJunk flags set in any mail client', async () => {
    const stats = () => JSON.parse(runWarden(['--data-dir', f.data, 'junk', 'stats', '--json']).stdout) as { hamMessages: number; spamMessages: number };
    const ham = await f.append('ham');
    const arrived = run().lines;
    expect(arrived).toEqual([expect.objectContaining({ subject: ham, accept: true })]);
    const uid = arrived[0]!.uid;
    const before = stats();
    const flag = async (add: string[], remove: string[]) => {
      const lock = await f.client.getMailboxLock('INBOX');
      try {
        if (remove.length > 0) await f.client.messageFlagsRemove(`${uid}`, remove, { uid: true });
        if (add.length > 0) await f.client.messageFlagsAdd(`${uid}`, add, { uid: true });
      } finally {
        lock.release();
      }
    };
    await flag(['$Junk'], []);
    expect(run().events).toEqual([expect.objectContaining({ kind: 'learned', role: 'flag', uid, outcome: 'feedback as spam' })]);
    expect(stats()).toEqual(expect.objectContaining({ hamMessages: before.hamMessages, spamMessages: before.spamMessages + 1 }));
    // Read, still $Junk: nothing more to learn.
    await flag(['\\Seen'], []);
    expect(run().events).toEqual([]);
    // Both flags: mox at H trains neither way; then $NotJunk alone moves it to ham.
    await flag(['NotJunk'], []);
    expect(run().events).toEqual([]);
    await flag([], ['$Junk']);
    expect(run().events).toEqual([expect.objectContaining({ role: 'flag', uid, outcome: 'feedback as ham' })]);
    expect(stats()).toEqual(expect.objectContaining({ hamMessages: before.hamMessages + 1, spamMessages: before.spamMessages }));
  });

  it('asks the DNS servers given, and none at all with --offline', async () => {
    const dns = await startDeadDns();
    try {
      // Not runWarden: this process must be free to count the queries while the run asks them.
      const runWith = async (flags: string[]) => {
        const child = spawnWarden(['--data-dir', f.data, 'run', '--once', '--json', '--dns', dns.server, '--dns-timeout', '200', ...flags], f.env);
        let stdout = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
        expect(code).toBe(0);
        return stdout.trim().split('\n').map((l) => JSON.parse(l) as RunLine);
      };
      // A message with a sender to check: an IP (reverse DNS, block lists) and SPF and DMARC domains.
      const checkable = async (subject: string) => {
        await f.client.append('INBOX', await providerMessage({ from: 'alice@sender.test', mailFrom: 'bounce@sender.test', ip: '192.0.2.7', ehlo: 'mail.sender.test', subject }));
        return subject;
      };
      const offline = await checkable('offline');
      expect(await runWith(['--offline'])).toEqual([expect.objectContaining({ subject: offline })]);
      expect(dns.received()).toBe(0);
      const online = await checkable('online');
      expect(await runWith([])).toEqual([expect.objectContaining({ subject: online })]);
      expect(dns.received()).toBeGreaterThan(0);
    } finally {
      await dns.stop();
    }
  });

  it('reports a wrong password for the account and goes on', () => {
    const r = runWarden(['--data-dir', f.data, 'run', '--once'], { env: { HOME_PASSWORD: 'wrong' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^warden: home stopped: .*password/m);
  });
});

describe('warden run (watching)', () => {
  it('moves a reject when it arrives, reconnects after a server restart, and stops on SIGTERM', async () => {
    const warden = watchWarden(['--data-dir', f.data, 'run', '--json'], f.env);
    const next = (test: Parameters<typeof warden.next>[0]) => warden.next(test);
    try {
      await next((e) => e.kind === 'connected');
      const spam = await f.append('spam');
      const moved = await next((e) => e.kind === 'arrival' && e.subject === spam);
      expect(moved).toMatchObject({ accept: false, moved: true });

      const reconnected = next((e) => e.kind === 'connected');
      const lost = next((e) => e.kind === 'disconnected');
      await f.dovecot.restart();
      expect(await lost).toMatchObject({ account: 'home' });
      await reconnected;
      await f.reconnect();
      const after = await f.append('spam');
      expect(await next((e) => e.kind === 'arrival' && e.subject === after)).toMatchObject({ moved: true });
    } finally {
      expect(await warden.stop()).toBe(0);
    }
  }, 150_000);
});

