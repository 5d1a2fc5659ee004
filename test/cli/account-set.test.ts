import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type Dovecot, type DovecotUser } from '../helpers/dovecot.ts';
import { syntheticMessage } from '../helpers/synthetic-mail.ts';
import { runWarden, watchWarden } from '../helpers/warden.ts';

/**
 * `warden account set` against a real Dovecot with two users: the new settings are tested by
 * logging in before they are saved, with no engine running and through a running `warden run`,
 * which then watches the account with them.
 */

let dir: string;
let data: string;
let dovecot: Dovecot;
let alice: DovecotUser;
let bob: DovecotUser;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warden-account-set-'));
  data = join(dir, 'data');
  dovecot = await startDovecot();
  [alice, bob] = dovecot.users as [DovecotUser, DovecotUser];
  const added = warden(['add', 'home', '--host', dovecot.host, '--port', String(dovecot.imapPort), '--tls', 'plain', '--allow-plain', '--user', alice.name, '--password-env', 'HOME_PASSWORD']);
  expect(added.status, added.stderr).toBe(0);
});

afterAll(async () => {
  await dovecot?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const warden = (args: string[], env: NodeJS.ProcessEnv = { HOME_PASSWORD: alice.password }) => runWarden(['--data-dir', data, 'account', ...args], { env });
const config = () => (JSON.parse(warden(['list', '--json']).stdout) as { config: Record<string, unknown> }).config;

/** A password file only its owner can read, as Warden requires. */
function passwordFile(name: string, password: string): string {
  const path = join(dir, name);
  writeFileSync(path, `${password}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

/** Appends a message to a user's INBOX, as mail arriving; returns its subject. */
async function deliver(user: DovecotUser, serial: number): Promise<string> {
  const client = new ImapFlow({ host: dovecot.host, port: dovecot.imapPort, secure: false, doSTARTTLS: false, auth: { user: user.name, pass: user.password }, logger: false });
  await client.connect();
  try {
    const raw = syntheticMessage('ham', serial);
    await client.append('INBOX', raw.replace(/\n/g, '\r\n'));
    return raw.match(/^Subject: (.*)$/m)![1]!;
  } finally {
    await client.logout();
  }
}

describe('warden account set', { timeout: 120_000 }, () => {
  it('names an unknown account, and asks for something to change', () => {
    const unknown = warden(['set', 'nope', '--host', dovecot.host]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toBe('warden: no account named nope: warden account list shows them\n');
    const nothing = warden(['set', 'home']);
    expect(nothing.status).toBe(1);
    expect(nothing.stderr).toMatch(/^warden: give what to change: --host, /);
    expect(warden(['set', 'home', '--password-env', 'A', '--password-file', '/x']).stderr).toContain('not both');
  });

  it('refuses a wrong password, saying what failed, and saves nothing', () => {
    const before = config();
    const wrong = warden(['set', 'home', '--password-file', passwordFile('wrong', 'not-the-password')]);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/^warden: .*password.*; nothing was saved\n$/);
    expect(wrong.stderr).not.toContain('not-the-password');
    // A file others can read is refused before anything is tried.
    const open = passwordFile('open', alice.password);
    chmodSync(open, 0o644);
    expect(warden(['set', 'home', '--password-file', open]).stderr).toBe(`warden: the password of account home is read from ${open}, which others can read: chmod 600 ${open}\n`);
    expect(warden(['set', 'home', '--port', '1']).stderr).toMatch(/nothing was saved\n$/);
    expect(config()).toEqual(before);
    // And the account works as before.
    expect(warden(['test', 'home']).stdout).toContain(`Logged in to ${dovecot.host}:${dovecot.imapPort} as ${alice.name}.`);
  });

  it('changes the password file, and only what was given', () => {
    const file = passwordFile('alice', alice.password);
    const changed = warden(['set', 'home', '--password-file', file], {});
    expect(changed.stderr).toBe('');
    expect(changed.stdout).toBe(`Logged in to ${dovecot.host}:${dovecot.imapPort} as ${alice.name} with the new settings of home, and saved them.\n`);
    expect(config()).toMatchObject({ host: dovecot.host, port: dovecot.imapPort, tls: 'plain', user: alice.name, secret: { from: 'file', path: file }, folders: {} });
    // The variable is no longer needed.
    expect(warden(['test', 'home'], { HOME_PASSWORD: '' }).stdout).toContain('Logged in');
    // Folders: one chosen, then forgotten.
    expect(warden(['set', 'home', '--folder', 'archive=Archive'], {}).status).toBe(0);
    expect(config()).toMatchObject({ folders: { archive: 'Archive' } });
    expect(warden(['set', 'home', '--folder', 'archive='], {}).status).toBe(0);
    expect(config()).toMatchObject({ folders: {} });
  });

  it('changes the account of a running warden run, which watches it with the new settings at once', async () => {
    const run = watchWarden(['--data-dir', data, 'run', '--json'], {});
    try {
      // Its first look at INBOX: what arrives after it is new mail.
      await run.next((e) => e.kind === 'started');
      const toAlice = await deliver(alice, 1);
      await run.next((e) => e.kind === 'arrival' && e.subject === toAlice);

      // Refused by the running engine: it keeps watching alice's INBOX as before.
      const refused = warden(['set', 'home', '--user', bob.name], {});
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/^warden: .*nothing was saved\n$/);
      const stillAlice = await deliver(alice, 2);
      await run.next((e) => e.kind === 'arrival' && e.subject === stillAlice);

      const reconnected = run.next((e) => e.kind === 'started');
      const changed = warden(['set', 'home', '--user', bob.name, '--password-file', passwordFile('bob', bob.password)], {});
      expect(changed.stderr).toBe('');
      expect(changed.stdout).toContain(`The Warden that is running (pid ${run.child.pid}) watches home with them from now on.`);
      // Bob's INBOX is another INBOX: Warden starts there afresh, then sees what arrives.
      await reconnected;
      const toBob = await deliver(bob, 3);
      expect(await run.next((e) => e.kind === 'arrival' && e.subject === toBob)).toMatchObject({ account: 'home' });
      expect(config()).toMatchObject({ user: bob.name });
    } finally {
      expect(await run.stop()).toBe(0);
    }
  });
});
