import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapPlan } from '../../src/engine/bootstrap.ts';
import { probe } from '../../src/imap/probe.ts';
import { startDovecot } from '../helpers/dovecot.ts';
import { startMailboxFixture, type MailboxFixture } from '../helpers/mailbox-fixture.ts';
import { providerMessage } from '../helpers/provider-mail.ts';
import { syntheticMessage } from '../helpers/synthetic-mail.ts';
import { runWarden, spawnWarden } from '../helpers/warden.ts';

/**
 * `warden bootstrap`: the history from the mail an account already has (docs/analysis.md E8), against
 * a real Dovecot: Junk is learned as junk, filed mail as wanted, Sent gives correspondents,
 * INBOX is recorded without a judgement; nothing is counted twice, and a second run goes on
 * where the first stopped.
 */

let f: MailboxFixture;
let serial = 5000;

beforeAll(async () => {
  f = await startMailboxFixture('bootstrap');
  await f.client.mailboxCreate('Archive');
  await f.client.mailboxCreate('Projects');
  for (let i = 0; i < 3; i++) await put('Junk', 'spam');
  for (let i = 0; i < 3; i++) await put('Archive', 'ham');
  // The same message filed twice: one message to the history.
  const twice = syntheticMessage('ham', ++serial).replace(/\n/g, '\r\n');
  await f.client.append('Archive', twice);
  await f.client.append('Projects', twice);
  // Authenticated when the provider received it, as its Authentication-Results say.
  await f.client.append(
    'Archive',
    await providerMessage({
      from: 'ann@friends.test',
      mailFrom: 'ann@friends.test',
      ip: '198.51.100.9',
      ehlo: 'mx.friends.test',
      subject: 'verified long ago',
      authResults: ['mail.example.test; spf=pass smtp.mailfrom=ann@friends.test; dkim=pass header.d=friends.test; dmarc=pass header.from=friends.test'],
    }),
  );
  await put('Trash', 'spam');
  await put('INBOX', 'ham');
  await f.client.append('Sent', 'From: alice@example.test\r\nTo: Friend <pal@friends.test>\r\nSubject: hello\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nhi\r\n');
});

afterAll(async () => {
  await f?.close();
});

async function put(folder: string, kind: 'ham' | 'spam'): Promise<void> {
  await f.client.append(folder, syntheticMessage(kind, ++serial).replace(/\n/g, '\r\n'));
}

interface FolderLine {
  path: string;
  kind: string;
  messages: number;
  added: number;
  errors: number;
}

function bootstrap(...args: string[]): FolderLine[] {
  const r = runWarden(['--data-dir', f.data, 'bootstrap', 'home', '--json', ...args], { env: f.env });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as FolderLine);
}

function trained(): { hamMessages: number; spamMessages: number } {
  return JSON.parse(runWarden(['--data-dir', f.data, 'junk', 'stats', '--json']).stdout) as { hamMessages: number; spamMessages: number };
}

describe('a Gmail-shaped mailbox', () => {
  it("is read as Gmail lists it: [Gmail]/Spam is Junk; All Mail and Important, which show other folders' mail again, are skipped", async () => {
    const gmail = await startDovecot({
      users: ['me'],
      mailboxes: { '[Gmail]/All Mail': '\\All', '[Gmail]/Important': '\\Important', '[Gmail]/Spam': '\\Junk', '[Gmail]/Sent Mail': '\\Sent', '[Gmail]/Trash': '\\Trash', '[Gmail]/Drafts': '\\Drafts', '[Gmail]/Starred': '\\Flagged' },
    });
    try {
      const me = gmail.users[0]!;
      const found = await probe({ host: gmail.host, port: gmail.imapPort, tls: 'plain', user: me.name, password: me.password });
      expect(found.folders.find((f) => f.path === '[Gmail]/Important')?.specialUse).toBe('\\Important');
      expect(found.roles).toMatchObject({ junk: '[Gmail]/Spam', sent: '[Gmail]/Sent Mail', trash: '[Gmail]/Trash' });
      expect(bootstrapPlan(found.folders, found.roles)).toEqual([
        { path: 'INBOX', kind: 'neutral' },
        { path: '[Gmail]/Sent Mail', kind: 'sent' },
        { path: '[Gmail]/Spam', kind: 'spam' },
      ]);
    } finally {
      await gmail.stop();
    }
  });
});

describe('bootstrapPlan', () => {
  it('learns from Junk, filed folders, Sent and INBOX; skips Rejects, Trash, Drafts, virtual and non-mail folders', () => {
    const folder = (path: string, extra: object = {}) => ({ path, name: path.split('/').pop()!, delimiter: '/', ...extra });
    const plan = bootstrapPlan(
      [
        folder('INBOX'),
        folder('Junk'),
        folder('Sent'),
        folder('Trash'),
        folder('Drafts'),
        folder('Rejects'),
        folder('Archive'),
        folder('[Gmail]', { noselect: true }),
        folder('[Gmail]/All Mail', { specialUse: '\\All' }),
        folder('[Gmail]/Starred', { specialUse: '\\Flagged' }),
      ],
      { inbox: 'INBOX', junk: 'Junk', sent: 'Sent', trash: 'Trash', drafts: 'Drafts', rejects: 'Rejects', archive: 'Archive' },
    );
    expect(plan).toEqual([
      { path: 'INBOX', kind: 'neutral' },
      { path: 'Junk', kind: 'spam' },
      { path: 'Sent', kind: 'sent' },
      { path: 'Archive', kind: 'ham' },
    ]);
  });
});

describe('warden bootstrap', () => {
  it('learns each folder as it should, counting a message filed twice once', () => {
    const before = trained();
    const lines = bootstrap();
    const byPath = Object.fromEntries(lines.map((l) => [l.path, l]));
    expect(Object.keys(byPath).sort()).toEqual(['Archive', 'INBOX', 'Junk', 'Projects', 'Sent']);
    expect(byPath.Junk).toMatchObject({ kind: 'spam', messages: 3, added: 3 });
    expect(byPath.Archive).toMatchObject({ kind: 'ham', messages: 5, added: 5 });
    expect(byPath.Projects).toMatchObject({ kind: 'ham', messages: 1, added: 0 });
    expect(byPath.INBOX).toMatchObject({ kind: 'neutral', messages: 1, added: 1 });
    expect(byPath.Sent).toMatchObject({ kind: 'sent', messages: 1, added: 1 });
    expect(trained()).toEqual(expect.objectContaining({ hamMessages: before.hamMessages + 5, spamMessages: before.spamMessages + 3 }));
    // The provider's results, not today's DNS, say whom old mail came from.
    const db = new Database(join(f.data, 'warden.db'), { readonly: true });
    try {
      expect(db.prepare("SELECT from_validated, mailfrom_validated, notjunk FROM msg WHERE subject = 'verified long ago'").get()).toEqual({ from_validated: 1, mailfrom_validated: 1, notjunk: 1 });
      expect(db.prepare("SELECT count(*) AS n FROM msg WHERE from_validated = 1").get()).toEqual({ n: 1 });
    } finally {
      db.close();
    }
  });

  it('goes on where it stopped: a second run reads only what was filed since', async () => {
    expect(bootstrap().every((l) => l.messages === 0)).toBe(true);
    await put('Archive', 'ham');
    expect(bootstrap().find((l) => l.path === 'Archive')).toMatchObject({ messages: 1, added: 1 });
  });

  it('leaves INBOX to watching: what arrives after it is analysed, what was there is not', async () => {
    const arrived = await f.append('spam');
    const r = runWarden(['--data-dir', f.data, 'run', '--once', '--json', '--offline'], { env: f.env });
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; subject: string; known: boolean });
    expect(lines).toEqual([expect.objectContaining({ kind: 'arrival', subject: arrived, known: false })]);
  });

  it('uses what Sent taught: spam words from a correspondent are accepted', async () => {
    await f.append('spam', { from: 'Friend <pal@friends.test>' });
    const r = runWarden(['--data-dir', f.data, 'run', '--once', '--json', '--offline'], { env: f.env });
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ accept: true, reason: 'msgtofull' });
  });

  it('within --limit takes the newest, and a wider bound later adds the older ones', () => {
    // A second account on the same mailbox, with its own history.
    const alice = f.dovecot.users[0]!;
    const args = ['--host', f.dovecot.host, '--port', String(f.dovecot.imapPort), '--tls', 'plain', '--allow-plain', '--user', alice.name, '--password-env', 'HOME_PASSWORD'];
    expect(runWarden(['--data-dir', f.data, 'account', 'add', 'second', ...args], { env: f.env }).status).toBe(0);
    const run = (...more: string[]) => {
      const r = runWarden(['--data-dir', f.data, 'bootstrap', 'second', '--json', ...more], { env: f.env });
      expect(r.status, r.stderr).toBe(0);
      return Object.fromEntries(r.stdout.trim().split('\n').map((l) => [(JSON.parse(l) as FolderLine).path, JSON.parse(l) as FolderLine]));
    };
    expect(run('--limit', '2').Archive).toMatchObject({ messages: 2 });
    expect(run('--limit', '4').Archive).toMatchObject({ messages: 2 });
    expect(run().Archive).toMatchObject({ messages: 2 });
    const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    expect(Object.values(run('--since', tomorrow)).every((l) => l.messages === 0)).toBe(true);
  });

  it('says what is wrong: an unknown account, a refused password', () => {
    const unknown = runWarden(['--data-dir', f.data, 'bootstrap', 'nosuch']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/no account named nosuch/);
    const refused = runWarden(['--data-dir', f.data, 'bootstrap', 'home'], { env: { HOME_PASSWORD: 'wrong' } });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/password/);
  });
});

describe('warden bootstrap interrupted', () => {
  it('stops at the next message on Ctrl-C, keeps what it learned, and the next run goes on', async () => {
    const g = await startMailboxFixture('bootstrap-interrupted');
    try {
      await g.client.mailboxCreate('Archive');
      for (let i = 0; i < 400; i++) await g.client.append('Archive', syntheticMessage('ham', 20_000 + i).replace(/\n/g, '\r\n'));
      const db = () => new Database(join(g.data, 'warden.db'), { readonly: true });
      const recorded = () => {
        const d = db();
        try {
          return (d.prepare('SELECT count(*) AS n FROM msg').get() as { n: number }).n;
        } finally {
          d.close();
        }
      };
      const child = spawnWarden(['--data-dir', g.data, 'bootstrap', 'home', '--json'], g.env);
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      for (const since = Date.now(); recorded() === 0; await new Promise((r) => setTimeout(r, 20))) {
        if (Date.now() - since > 60_000) throw new Error(`bootstrap recorded nothing in 60 s: ${stderr}`);
      }
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stderr).toMatch(/Interrupted: what was learned so far is kept\. Run it again/);
      const kept = recorded();
      expect(kept).toBeGreaterThan(0);
      expect(kept).toBeLessThan(400);
      // The rest, and nothing twice.
      const again = runWarden(['--data-dir', g.data, 'bootstrap', 'home', '--json'], { env: g.env });
      expect(again.status, again.stderr).toBe(0);
      expect(recorded()).toBe(400);
    } finally {
      await g.close();
    }
  }, 180_000);
});
