import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeadDns } from '../helpers/dead-dns.ts';
import { startDovecot, type Dovecot } from '../helpers/dovecot.ts';
import { providerMessage } from '../helpers/provider-mail.ts';
import { syntheticMessage } from '../helpers/synthetic-mail.ts';
import { createInterface } from 'node:readline';
import { runWarden, spawnWarden } from '../helpers/warden.ts';

/**
 * `warden run --once` against a real Dovecot: mail appended to INBOX by another client is
 * analysed; in observe mode nothing moves, in enforce mode rejects go to Rejects; nothing is
 * analysed twice; an interrupted move is finished by the next run.
 */

let dir: string;
let data: string;
let dovecot: Dovecot;
let client: ImapFlow;
let serial = 1000;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warden-run-'));
  data = join(dir, 'data');
  dovecot = await startDovecot({ users: ['alice'] });
  const alice = dovecot.users[0]!;
  // A significant content filter: 50 ham and 20 spam trained.
  for (const kind of ['ham', 'spam'] as const) {
    mkdirSync(join(dir, kind));
    for (let i = 0; i < (kind === 'ham' ? 50 : 20); i++) writeFileSync(join(dir, kind, `${i}.eml`), syntheticMessage(kind, i));
  }
  expect(runWarden(['--data-dir', data, 'junk', 'train', '--ham', join(dir, 'ham'), '--spam', join(dir, 'spam')]).status).toBe(0);
  const added = runWarden(['--data-dir', data, 'account', 'add', 'home', '--host', dovecot.host, '--port', String(dovecot.imapPort), '--tls', 'plain', '--allow-plain', '--user', alice.name, '--password-env', 'HOME_PASSWORD']);
  expect(added.stderr).toBe('');
  await connectClient();
});

/** The test's own IMAP client, the "other mail client" that delivers and moves mail. */
async function connectClient(): Promise<void> {
  const alice = dovecot.users[0]!;
  client = new ImapFlow({ host: dovecot.host, port: dovecot.imapPort, secure: false, doSTARTTLS: false, auth: { user: alice.name, pass: alice.password }, logger: false });
  client.on('error', () => {});
  await client.connect();
}

afterAll(async () => {
  await client?.logout().catch(() => {});
  await dovecot?.stop();
  rmSync(dir, { recursive: true, force: true });
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
  const r = runWarden(['--data-dir', data, 'run', '--once', '--json'], { env: { HOME_PASSWORD: dovecot.users[0]!.password } });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  const events = r.stdout.trim() === '' ? [] : r.stdout.trim().split('\n').map((l) => JSON.parse(l) as RunLine & { kind: string; moves?: number });
  return { lines: events.filter((e) => e.kind === 'arrival'), events: events.filter((e) => e.kind !== 'arrival') };
}

async function append(kind: 'ham' | 'spam'): Promise<string> {
  const raw = syntheticMessage(kind, ++serial);
  await client.append('INBOX', raw.replace(/\n/g, '\r\n'));
  return raw.match(/^Subject: (.*)$/m)![1]!;
}

async function subjects(mailbox: string): Promise<string[]> {
  const lock = await client.getMailboxLock(mailbox);
  try {
    const found: string[] = [];
    for await (const m of client.fetch('1:*', { envelope: true, flags: true })) {
      found.push(`${m.envelope?.subject ?? ''}${m.flags?.has('\\Seen') ? ' [seen]' : ''}`);
    }
    return found;
  } catch {
    return [];
  } finally {
    lock.release();
  }
}

describe('warden run --once', () => {
  it('leaves the mail already in INBOX alone on its first run', async () => {
    const old = await append('spam');
    const first = run();
    expect(first.lines).toEqual([]);
    expect(first.events).toEqual([{ kind: 'started', account: 'home' }]);
    expect(await subjects('INBOX')).toEqual([old]);
    expect(run().lines).toEqual([]);
  });

  it('in observe mode decides on new mail and moves nothing, without marking it seen', async () => {
    const ham = await append('ham');
    const spam = await append('spam');
    const { lines } = run();
    expect(lines.map((l) => [l.subject, l.accept, l.moved])).toEqual([
      [ham, true, false],
      [spam, false, false],
    ]);
    expect(lines[1]!.reason).toBe('junk-content');
    expect(await subjects('INBOX')).toHaveLength(3);
    expect((await subjects('INBOX')).some((s) => s.endsWith('[seen]'))).toBe(false);
    // Not analysed again.
    expect(run().lines).toEqual([]);
  });

  it('in enforce mode moves rejects to Rejects, creating it, and keeps ham in INBOX', async () => {
    expect(runWarden(['--data-dir', data, 'account', 'mode', 'home', 'enforce']).status).toBe(0);
    const ham = await append('ham');
    const spam = await append('spam');
    const { lines } = run();
    expect(lines.map((l) => [l.subject, l.accept, l.moved])).toEqual([
      [ham, true, false],
      [spam, false, true],
    ]);
    expect(await subjects('Rejects')).toEqual([spam]);
    expect(await subjects('INBOX')).toContain(ham);
    expect(await subjects('INBOX')).not.toContain(spam);
  });

  it('learns from a reject put back in INBOX, and does not reject it again', async () => {
    const trainedHam = () => (JSON.parse(runWarden(['--data-dir', data, 'junk', 'stats', '--json']).stdout) as { hamMessages: number }).hamMessages;
    const before = trainedHam();
    const lock = await client.getMailboxLock('Rejects');
    try {
      await client.messageMove('1:*', 'INBOX');
    } finally {
      lock.release();
    }
    const { lines } = run();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ known: true, restored: true, moved: false });
    expect(await subjects('Rejects')).toEqual([]);
    expect(trainedHam()).toBe(before + 1);
    // Seen again (the user copies it back once more): nothing more to learn.
    const again = await client.getMailboxLock('INBOX');
    try {
      await client.messageCopy('*', 'INBOX');
    } finally {
      again.release();
    }
    expect(run().lines).toEqual([expect.objectContaining({ known: true, restored: false, moved: false })]);
    expect(trainedHam()).toBe(before + 1);
  });

  it('finishes a move that a crash interrupted', async () => {
    // A move written to the journal but never sent: what a kill between the two leaves.
    const spam = await append('spam');
    const lock = await client.getMailboxLock('INBOX');
    let uid: number;
    let uidValidity: number;
    try {
      uid = Math.max(...((await client.search({ all: true }, { uid: true })) || []));
      uidValidity = Number(client.mailbox && client.mailbox.uidValidity);
    } finally {
      lock.release();
    }
    const db = new Database(join(data, 'warden.db'));
    const account = (db.prepare("SELECT id FROM account WHERE name = 'home'").get() as { id: number }).id;
    db.prepare("INSERT INTO journal (account_id, action, mailbox, uidvalidity, uid, fingerprint, target, created_at) VALUES (?, 'move', 'INBOX', ?, ?, 'x', 'Rejects', 0)").run(account, uidValidity, uid);
    // And the sync point past it, as if it had been analysed.
    db.prepare("UPDATE mailbox_sync SET last_uid = ? WHERE mailbox_id = (SELECT id FROM mailbox WHERE account_id = ? AND name = 'INBOX')").run(uid, account);
    db.close();
    const { lines, events } = run();
    expect(lines).toEqual([]);
    expect(events).toEqual([{ kind: 'repaired', account: 'home', moves: 1 }]);
    expect(await subjects('Rejects')).toEqual([spam]);
  });

  it('learns from mail the user files in Junk, and from what the user sends', async () => {
    const stats = () => JSON.parse(runWarden(['--data-dir', data, 'junk', 'stats', '--json']).stdout) as { hamMessages: number; spamMessages: number };
    const ham = await append('ham');
    expect(run().lines).toEqual([expect.objectContaining({ subject: ham, accept: true })]);
    const before = stats();
    const lock = await client.getMailboxLock('INBOX');
    try {
      await client.messageMove('*', 'Junk');
    } finally {
      lock.release();
    }
    expect(run().events).toEqual([expect.objectContaining({ kind: 'learned', role: 'junk', folder: 'Junk', outcome: 'feedback' })]);
    expect(stats()).toEqual(expect.objectContaining({ hamMessages: before.hamMessages, spamMessages: before.spamMessages + 1 }));

    await client.append('Sent', 'From: alice@example.test\r\nTo: Friend <newfriend@friends.test>\r\nSubject: hello\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nhi\r\n');
    expect(run().events).toEqual([expect.objectContaining({ kind: 'learned', role: 'sent', outcome: '1 recipients added' })]);
    // Spam content from someone the user wrote to: accepted.
    await client.append('INBOX', syntheticMessage('spam', ++serial, { from: 'Friend <newfriend@friends.test>' }).replace(/\n/g, '\r\n'));
    expect(run().lines).toEqual([expect.objectContaining({ accept: true, reason: 'msgtofull' })]);
  });

  it('learns from $Junk and $NotJunk flags set in any mail client', async () => {
    const stats = () => JSON.parse(runWarden(['--data-dir', data, 'junk', 'stats', '--json']).stdout) as { hamMessages: number; spamMessages: number };
    const ham = await append('ham');
    const arrived = run().lines;
    expect(arrived).toEqual([expect.objectContaining({ subject: ham, accept: true })]);
    const uid = arrived[0]!.uid;
    const before = stats();
    const flag = async (add: string[], remove: string[]) => {
      const lock = await client.getMailboxLock('INBOX');
      try {
        if (remove.length > 0) await client.messageFlagsRemove(`${uid}`, remove, { uid: true });
        if (add.length > 0) await client.messageFlagsAdd(`${uid}`, add, { uid: true });
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
        const child = spawnWarden(['--data-dir', data, 'run', '--once', '--json', '--dns', dns.server, '--dns-timeout', '200', ...flags], { HOME_PASSWORD: dovecot.users[0]!.password });
        let stdout = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
        expect(code).toBe(0);
        return stdout.trim().split('\n').map((l) => JSON.parse(l) as RunLine);
      };
      // A message with a sender to check: an IP (reverse DNS, block lists) and SPF and DMARC domains.
      const checkable = async (subject: string) => {
        await client.append('INBOX', await providerMessage({ from: 'alice@sender.test', mailFrom: 'bounce@sender.test', ip: '192.0.2.7', ehlo: 'mail.sender.test', subject }));
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
    const r = runWarden(['--data-dir', data, 'run', '--once'], { env: { HOME_PASSWORD: 'wrong' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^home: stopped: .*password/m);
  });
});

describe('warden run (watching)', () => {
  it('moves a reject when it arrives, reconnects after a server restart, and stops on SIGTERM', async () => {
    const child = spawnWarden(['--data-dir', data, 'run', '--json'], { HOME_PASSWORD: dovecot.users[0]!.password });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const waiting: { test: (e: Record<string, unknown>) => boolean; resolve: (e: Record<string, unknown>) => void }[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      const event = JSON.parse(line) as Record<string, unknown>;
      const i = waiting.findIndex((w) => w.test(event));
      if (i >= 0) waiting.splice(i, 1)[0]!.resolve(event);
    });
    // Generous waits: a loaded CI machine is slow, and a missed event would hang for 25 minutes.
    const next = (test: (e: Record<string, unknown>) => boolean, seconds = 30) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no event ${test.toString()} within ${seconds} s; stderr: ${stderr}`)), seconds * 1000);
        waiting.push({ test, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      });
    try {
      await next((e) => e.kind === 'connected');
      const spam = await append('spam');
      const moved = await next((e) => e.kind === 'arrival' && e.subject === spam);
      expect(moved).toMatchObject({ accept: false, moved: true });

      const reconnected = next((e) => e.kind === 'connected');
      const lost = next((e) => e.kind === 'disconnected');
      await dovecot.restart();
      expect(await lost).toMatchObject({ account: 'home' });
      await reconnected;
      await connectClient();
      const after = await append('spam');
      expect(await next((e) => e.kind === 'arrival' && e.subject === after)).toMatchObject({ moved: true });
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 150_000);
});

