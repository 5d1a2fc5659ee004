import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type Dovecot } from '../helpers/dovecot.ts';
import { runWarden } from '../helpers/warden.ts';

/** `warden account …` as a person runs it, against a throw-away Dovecot. */

let dir: string;
let data: string;
let dovecot: Dovecot;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warden-account-'));
  data = join(dir, 'data');
  dovecot = await startDovecot();
  writeFileSync(join(dir, 'ca.pem'), dovecot.certPem);
});

afterAll(async () => {
  await dovecot?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const warden = (args: string[], env: NodeJS.ProcessEnv = {}) => runWarden(['--data-dir', data, 'account', ...args], { env });
const alice = () => dovecot.users[0]!;

/** Adds an account; the secret is checked when it is added, so P (and HOME_IMAP_PASSWORD) hold it. */
function add(name: string, extra: string[], env: NodeJS.ProcessEnv = { P: alice().password, HOME_IMAP_PASSWORD: alice().password }) {
  return warden(['add', name, '--host', dovecot.host, '--user', alice().name, ...extra], env);
}

// Each test runs the command line up to ten times, a few seconds each on a busy machine.
describe('warden account', { timeout: 120_000 }, () => {
  it('adds an account in observe mode, lists it, and never stores the secret', () => {
    const added = add('home', ['--port', String(dovecot.imapsPort), '--password-env', 'HOME_IMAP_PASSWORD', '--ca-file', join(dir, 'ca.pem')]);
    expect(added.stderr).toBe('');
    expect(added.stdout).toContain('observe mode');
    const list = warden(['list', '--json']);
    const [account] = list.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(account).toMatchObject({ name: 'home', mode: 'observe', config: { host: dovecot.host, tls: 'implicit', secret: { from: 'env', name: 'HOME_IMAP_PASSWORD' } } });
    expect(readFileSync(join(data, 'warden.db')).includes(alice().password)).toBe(false);
  });

  it('logs in and shows capabilities and folders', () => {
    const tested = warden(['test', 'home'], { HOME_IMAP_PASSWORD: alice().password });
    expect(tested.stderr).toBe('');
    expect(tested.stdout).toContain(`Logged in to ${dovecot.host}:${dovecot.imapsPort} as ${alice().name}.`);
    expect(tested.stdout).toMatch(/Capabilities: .*IDLE/);
    expect(tested.stdout).toMatch(/inbox +INBOX/);
    expect(tested.stdout).toContain('Warden creates Rejects');
    expect(tested.stdout).toContain('Two computers on this account: each message is claimed by CONDSTORE');
    expect(tested.stdout).not.toContain(alice().password);
  });

  it('says what is wrong: a missing secret, a wrong password, an untrusted certificate', () => {
    const unset = warden(['test', 'home'], { HOME_IMAP_PASSWORD: '' });
    expect(unset.status).not.toBe(0);
    expect(unset.stderr).toContain('environment variable HOME_IMAP_PASSWORD, which is not set');
    const wrong = warden(['test', 'home'], { HOME_IMAP_PASSWORD: 'not-the-password' });
    expect(wrong.status).not.toBe(0);
    expect(wrong.stderr).toMatch(/password/i);
    expect(wrong.stderr).not.toContain('not-the-password');
    add('noca', ['--port', String(dovecot.imapsPort), '--password-env', 'P']);
    const untrusted = warden(['test', 'noca'], { P: alice().password });
    expect(untrusted.status).not.toBe(0);
    expect(untrusted.stderr).toMatch(/certificate/i);
  });

  it('checks the secret when the account is added: the variable is set, the file exists and is 0600', () => {
    const unset = add('early', ['--password-env', 'UNSET_IMAP_PASSWORD']);
    expect(unset.status).not.toBe(0);
    expect(unset.stderr).toBe('warden: the password of account early is read from the environment variable UNSET_IMAP_PASSWORD, which is not set: set it where Warden runs, or keep the secret in a file with --password-file\n');
    const file = join(dir, 'early-password');
    const missing = add('early', ['--password-file', file]);
    expect(missing.stderr).toMatch(new RegExp(`^warden: the password of account early is read from ${file}, which cannot be read \\(ENOENT.*\\): put the secret in that file \\(chmod 600\\), or give another\n$`));
    writeFileSync(file, 'secret\n', { mode: 0o644 });
    chmodSync(file, 0o644);
    expect(add('early', ['--password-file', file]).stderr).toBe(`warden: the password of account early is read from ${file}, which others can read: chmod 600 ${file}\n`);
    // Nothing was saved meanwhile.
    expect(warden(['list']).stdout).not.toContain('early:');
    chmodSync(file, 0o600);
    expect(add('early', ['--password-file', file]).status).toBe(0);
  });

  it('reads a password file only when only its owner can read it', () => {
    const file = join(dir, 'password');
    writeFileSync(file, alice().password + '\n', { mode: 0o600 });
    add('filed', ['--port', String(dovecot.imapsPort), '--password-file', file, '--ca-file', join(dir, 'ca.pem')]);
    chmodSync(file, 0o644);
    const open = warden(['test', 'filed']);
    expect(open.status).not.toBe(0);
    expect(open.stderr).toContain(`chmod 600 ${file}`);
    chmodSync(file, 0o600);
    expect(warden(['test', 'filed']).stdout).toContain('Logged in');
  });

  it('refuses plain IMAP unless allowed, and bad settings, naming the problem', () => {
    const plain = add('plain', ['--tls', 'plain', '--port', String(dovecot.imapPort), '--password-env', 'P']);
    expect(plain.status).not.toBe(0);
    expect(plain.stderr).toContain('unencrypted');
    const allowed = add('plain', ['--tls', 'plain', '--allow-plain', '--port', String(dovecot.imapPort), '--password-env', 'P']);
    expect(allowed.status).toBe(0);
    expect(warden(['test', 'plain'], { P: alice().password }).stdout).toContain('Logged in');
    expect(add('plain', ['--password-env', 'P']).stderr).toContain('exists already');
    expect(add('local', ['--password-env', 'P']).stderr).toContain('simulation');
    expect(add('x', []).stderr).toContain('--password-env');
    expect(add('x', ['--port', '70000', '--password-env', 'P']).stderr).toContain('port');
    expect(add('x', ['--password-file', 'relative/path', '--password-env', 'P']).stderr).toContain('one of');
    expect(add('x', ['--password-file', 'relative/path']).stderr).toContain('absolute path');
  });

  it('switches modes and removes accounts, keeping nothing but their history', () => {
    expect(warden(['mode', 'home', 'enforce']).stdout).toContain('moves what Warden rejects');
    const listed = warden(['list', '--json']).stdout.trim().split('\n').map((l) => JSON.parse(l) as { name: string; mode: string });
    expect(listed.find((a) => a.name === 'home')).toMatchObject({ mode: 'enforce' });
    expect(warden(['mode', 'nope', 'enforce']).stderr).toContain('no account named nope');
    expect(warden(['remove', 'home']).stdout).toContain('Removed');
    expect(warden(['list']).stdout).not.toContain('home:');
    // Added again: in observe mode again.
    add('home', ['--port', String(dovecot.imapsPort), '--password-env', 'P']);
    expect(warden(['list']).stdout).toMatch(/home: .*observe/);
  });
});
