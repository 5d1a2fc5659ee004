import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMailboxFixture, type MailboxFixture } from '../helpers/mailbox-fixture.ts';
import { runWarden } from '../helpers/warden.ts';

/** `warden rejects list|restore` against a real Dovecot, after `warden run` rejected mail. */

let f: MailboxFixture;
const spam: string[] = [];
let ham: string;

// Each test runs the command line a few times, several seconds each on a busy machine.
describe('warden rejects', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    f = await startMailboxFixture('rejects');
    expect(runWarden(['--data-dir', f.data, 'account', 'mode', 'home', 'enforce']).status).toBe(0);
    expect(warden('run', '--once').status).toBe(0);
    ham = await f.append('ham');
    spam.push(await f.append('spam'), await f.append('spam'));
    expect(warden('run', '--once', '--offline').status).toBe(0);
    expect(await f.subjects('Rejects')).toEqual(spam);
  }, 180_000);

  afterAll(async () => {
    await f?.close();
  });

  const warden = (...args: string[]) => runWarden(['--data-dir', f.data, ...args], { env: f.env });

  function listed(...args: string[]): { id: number; subject: string; account: string; reason: string; text: string }[] {
    const r = warden('rejects', 'list', '--json', ...args);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return r.stdout.trim() === '' ? [] : r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: number; subject: string; account: string; reason: string; text: string });
  }

  it('lists what is in Rejects, newest first, with the reason', () => {
    const rejects = listed();
    expect(rejects.map((r) => [r.subject, r.account, r.reason])).toEqual([
      [spam[1], 'home', 'junk-content'],
      [spam[0], 'home', 'junk-content'],
    ]);
    expect(rejects[0]!.text).toMatch(/the content looks like junk/);
    const words = warden('rejects', 'list');
    expect(words.stdout).toMatch(new RegExp(`^ +${rejects[0]!.id}  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d  home  \\S+@\\S+  ${spam[1]}\\n +junk-content: the content looks like junk`, 'm'));
    expect(words.stdout).not.toContain(ham);
  });

  it('filters by account and date', () => {
    expect(listed('--account', 'home')).toHaveLength(2);
    expect(listed('--account', 'other')).toEqual([]);
    const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    expect(listed('--since', tomorrow)).toEqual([]);
    expect(warden('rejects', 'list', '--since', tomorrow).stdout).toBe(`No rejects since ${tomorrow}.\n`);
    const today = new Date().toISOString().slice(0, 10);
    expect(listed('--since', today)).toHaveLength(2);
  });

  it('restores by ID: back in INBOX, learned as wanted mail by the next run, then no longer listed', async () => {
    const [newest] = listed();
    const r = warden('rejects', 'restore', String(newest!.id));
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('home: 1 moved back to INBOX. Warden learns from it when it next looks at INBOX.\n');
    expect(await f.subjects('Rejects')).toEqual([spam[0]]);
    expect(await f.subjects('INBOX')).toContain(spam[1]);
    const run = warden('run', '--once', '--json', '--offline');
    expect(run.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toContainEqual(expect.objectContaining({ kind: 'arrival', subject: spam[1], restored: true, moved: false }));
    // Learned: no longer a reject.
    expect(listed().map((l) => l.subject)).toEqual([spam[0]]);
  });

  it('refuses what is not a reject, and an ID that is not one, saying what to do', () => {
    const accepted = warden('rejects', 'restore', '1');
    expect(accepted.status).toBe(1);
    expect(accepted.stderr).toMatch(/^warden: 1 is not a reject \(home: .*\): warden rejects list shows the rejects\n$/);
    const none = warden('rejects', 'restore', '9999');
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/^warden: no decision 9999/);
    expect(warden('rejects', 'restore', 'x').stderr).toBe("warden: command-argument value 'x' is invalid for argument 'id': an ID is a whole number, from warden rejects list\n");
  });
});
