import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMailboxFixture, type MailboxFixture } from '../helpers/mailbox-fixture.ts';
import { syntheticMessage } from '../helpers/synthetic-mail.ts';
import { runWarden } from '../helpers/warden.ts';

/**
 * A warm start (docs/analysis.md E8): with fewer than 50 wanted messages filed, `warden bootstrap`
 * says so, and `--inbox-as-ham DAYS` learns read INBOX mail older than DAYS as wanted mail, never
 * what is unread, recent, or marked junk or unsure, and never twice. Against a real Dovecot, on
 * a filter that starts empty.
 */

const DAY_MS = 86_400_000;
let f: MailboxFixture;
let serial = 7000;

async function put(folder: string, kind: 'ham' | 'spam', flags: string[], daysAgo: number): Promise<void> {
  await f.client.append(folder, syntheticMessage(kind, ++serial).replace(/\n/g, '\r\n'), flags, new Date(Date.now() - daysAgo * DAY_MS));
}

beforeAll(async () => {
  f = await startMailboxFixture('bootstrap-warm', { untrained: true });
  await f.client.mailboxCreate('Archive');
  for (let i = 0; i < 10; i++) await put('Archive', 'ham', ['\\Seen'], 90);
  for (let i = 0; i < 5; i++) await put('Junk', 'spam', ['\\Seen'], 90);
  // Read and old: wanted mail, 55 of it.
  for (let i = 0; i < 55; i++) await put('INBOX', 'ham', ['\\Seen'], 60);
  // Read and old, but marked junk (two spellings clients use) or unsure: not wanted.
  await put('INBOX', 'spam', ['\\Seen', '$Junk'], 60);
  await put('INBOX', 'spam', ['\\Seen', 'Junk'], 60);
  await put('INBOX', 'spam', ['\\Seen', '$Unsure'], 60);
  // Unread, or read but recent: not judged.
  for (let i = 0; i < 3; i++) await put('INBOX', 'ham', [], 60);
  for (let i = 0; i < 3; i++) await put('INBOX', 'ham', ['\\Seen'], 2);
}, 120_000);

afterAll(async () => {
  await f?.close();
});

function trained(): { hamMessages: number; spamMessages: number } {
  return JSON.parse(runWarden(['--data-dir', f.data, 'junk', 'stats', '--json']).stdout) as { hamMessages: number; spamMessages: number };
}

function bootstrap(...args: string[]): { stdout: string; lines: { path: string; asHam?: number; messages: number }[] } {
  const r = runWarden(['--data-dir', f.data, 'bootstrap', 'home', ...args], { env: f.env });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const lines = args.includes('--json') ? r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { path: string; asHam?: number; messages: number }) : [];
  return { stdout: r.stdout, lines };
}

describe('warden bootstrap with few wanted messages filed', () => {
  it('says the filter knows too few, and offers read INBOX mail', () => {
    const { stdout } = bootstrap();
    expect(trained()).toEqual(expect.objectContaining({ hamMessages: 10, spamMessages: 5 }));
    expect(stdout).toContain('The filter knows 10 wanted messages, fewer than the 50 it needs before it calls anything junk.');
    expect(stdout).toContain('warden bootstrap home --inbox-as-ham 30');
  });

  it('--inbox-as-ham learns read INBOX mail older than the days as wanted, and nothing else', () => {
    const { lines } = bootstrap('--inbox-as-ham', '30', '--json');
    // INBOX was bootstrapped already without it: read again whole (64 messages), recorded once.
    expect(lines.find((l) => l.path === 'INBOX')).toMatchObject({ messages: 64, asHam: 55 });
    expect(lines.find((l) => l.path === 'Archive')).not.toHaveProperty('asHam');
    expect(trained()).toEqual(expect.objectContaining({ hamMessages: 65, spamMessages: 5 }));
  });

  it('never trains the same message twice, and no longer offers once the filter knows enough', () => {
    const { lines } = bootstrap('--inbox-as-ham', '30', '--json');
    expect(lines.find((l) => l.path === 'INBOX')).toMatchObject({ asHam: 0 });
    expect(trained()).toEqual(expect.objectContaining({ hamMessages: 65 }));
    expect(bootstrap().stdout).not.toContain('fewer than the 50');
  });

  it('ends the cold start: the next junk arrival is judged on its content', async () => {
    const subject = await f.append('spam');
    const r = runWarden(['--data-dir', f.data, 'run', '--once', '--json', '--offline'], { env: f.env });
    expect(r.status, r.stderr).toBe(0);
    const arrival = JSON.parse(r.stdout.trim()) as { subject: string; reason: string; evidence?: unknown };
    expect(arrival).toMatchObject({ subject, accept: false, reason: 'junk-content' });
  });

  it('refuses a number of days that is not one, saying what it takes', () => {
    const r = runWarden(['--data-dir', f.data, 'bootstrap', 'home', '--inbox-as-ham', 'thirty'], { env: f.env });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--inbox-as-ham.*a whole number of days/);
  });
});
