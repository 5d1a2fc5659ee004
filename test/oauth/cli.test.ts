import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ALICE_PASSWORD, signInElsewhere, signInWithBrowser } from '../helpers/oauth-server.ts';
import { oauthTestBed } from '../helpers/oauth-test-bed.ts';
import { runWarden, runWardenAsync, spawnWarden } from '../helpers/warden.ts';

/** `warden account add --oauth` and `warden account signin`, as a user runs them, with a real browser. */

const bed = oauthTestBed('warden-oauth-cli-');

/** A running warden command: its output so far, the sign-in address once printed, its exit. */
function running(child: ChildProcessWithoutNullStreams) {
  const output = () => stdout;
  let stdout = '';
  let stderr = '';
  let onUrl: (url: string) => void;
  const url = new Promise<string>((resolve) => (onUrl = resolve));
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    const found = /^\s+(http:\/\/127\.0\.0\.1:\d+\/auth\?\S+)$/m.exec(stdout);
    if (found) onUrl(found[1]!);
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
  return { url, exit, output };
}

/** The mailbox's sign-in request, as the command line's options. */
const addArgs = () => {
  const r = bed.mailbox.request;
  return ['--data-dir', bed.data, 'account', 'add', r.name, '--oauth', '--oauth-issuer', r.issuer, '--client-id', r.clientId, '--scope', r.scope,
    '--host', r.host, '--port', String(r.port), '--tls', r.tls, '--allow-plain', '--user', r.user];
};

describe('warden account add --oauth', () => {
  it('prints the address to open, waits for the browser, keeps the sign-in; account test logs in with it; signin signs in again', async () => {
    const add = running(spawnWarden(addArgs()));
    await signInWithBrowser(bed.page, await add.url, 'alice', ALICE_PASSWORD);
    const added = await add.exit;
    expect(added.stderr).toBe('');
    expect(added.status).toBe(0);
    expect(added.stdout).toMatch(/Signed in: alice: alice at 127\.0\.0\.1:\d+ \(plain, unencrypted\), signs in at http:\/\/127\.0\.0\.1:\d+, kept in \S+alice\.refresh-token, observe\./);

    // Not spawnSync: the provider answering its token requests runs in this process.
    const tested = await runWardenAsync(['--data-dir', bed.data, 'account', 'test', 'alice']);
    expect(tested.stderr).toBe('');
    expect(tested.stdout).toMatch(/Logged in to 127\.0\.0\.1:\d+ as alice/);

    const file = join(bed.data, 'secrets', 'alice.refresh-token');
    const first = readFileSync(file, 'utf8');
    const again = running(spawnWarden(['--data-dir', bed.data, 'account', 'signin', 'alice']));
    await signInWithBrowser(bed.page, await again.url, 'alice', ALICE_PASSWORD);
    expect((await again.exit).status).toBe(0);
    expect(readFileSync(file, 'utf8')).not.toBe(first);
    expect((await runWardenAsync(['--data-dir', bed.data, 'account', 'test', 'alice'])).status).toBe(0);
  });

  it('finishes with the address pasted on its input, from a browser on another computer', async () => {
    const child = spawnWarden(addArgs());
    const add = running(child);
    const landed = await signInElsewhere(bed.browser, bed.mailbox.as.issuer, await add.url, 'alice', ALICE_PASSWORD);
    await new Promise((r) => setTimeout(r, 300));
    expect(add.output()).not.toMatch(/Signed in/);
    child.stdin.write('not an address\n');
    child.stdin.write(`${landed}\n`);
    const added = await add.exit;
    expect(added.stderr).toMatch(/not the address the browser ended on/);
    expect(added.status).toBe(0);
    expect(added.stdout).toMatch(/Signed in: alice/);
  });

  it('signs in through warden serve when it owns the data folder, keeping the sign-in where the command line finds it', async () => {
    const file = join(bed.data, 'secrets', 'alice.refresh-token');
    if (!existsSync(file)) {
      const add = running(spawnWarden(addArgs()));
      await signInWithBrowser(bed.page, await add.url, 'alice', ALICE_PASSWORD);
      expect((await add.exit).status).toBe(0);
    }
    const before = readFileSync(file, 'utf8');
    const serve = spawnWarden(['--data-dir', bed.data, 'serve', '--offline']);
    try {
      await new Promise<void>((resolve) => serve.stdout.once('data', () => resolve()));
      const again = running(spawnWarden(['--data-dir', bed.data, 'account', 'signin', 'alice']));
      await signInWithBrowser(bed.page, await again.url, 'alice', ALICE_PASSWORD);
      const ended = await again.exit;
      expect(ended.stderr).toBe('');
      expect(ended.status).toBe(0);
      expect(ended.stdout).toMatch(/Signed in: alice: alice at 127\.0\.0\.1:\d+, observe\./);
      // Kept by the engine that runs, where the command line finds it.
      expect(readFileSync(file, 'utf8')).not.toBe(before);
      expect(serve.exitCode).toBeNull();
    } finally {
      serve.kill('SIGTERM');
      await once(serve, 'exit');
    }
  });

  it('says what is missing, and keeps nothing', () => {
    const gmail = runWarden(['--data-dir', bed.data, 'account', 'add', 'g', '--provider', 'gmail', '--oauth', '--user', 'me@gmail.com'], { env: { WARDEN_GMAIL_CLIENT_ID: '' } });
    expect(gmail.status).not.toBe(0);
    expect(gmail.stderr).toMatch(/no Gmail sign-in app of its own yet: register one .* give its client ID with --client-id or in the app, or set WARDEN_GMAIL_CLIENT_ID/);
    // Gmail also takes an app password.
    const gmailPassword = runWarden(['--data-dir', bed.data, 'account', 'add', 'gp', '--provider', 'gmail', '--user', 'me@gmail.com', '--password-env', 'GMAIL_APP_PASSWORD'], { env: { GMAIL_APP_PASSWORD: 'an app password' } });
    expect(gmailPassword.stderr).toBe('');
    expect(gmailPassword.stdout).toMatch(/Added gp: me@gmail\.com at imap\.gmail\.com:993 \(TLS\), password from \$GMAIL_APP_PASSWORD, observe/);
    expect(runWarden(['--data-dir', bed.data, 'account', 'remove', 'gp']).status).toBe(0);
    const fastmail = runWarden(['--data-dir', bed.data, 'account', 'add', 'f', '--provider', 'fastmail', '--user', 'me@fastmail.com']);
    expect(fastmail.stderr).toMatch(/give one of --password-env VAR or --password-file PATH \(Use an app password/);
    const password = runWarden(['--data-dir', bed.data, 'account', 'signin', 'nobody']);
    expect(password.stderr).toMatch(/no account named nobody|give the user name/);
    expect(runWarden(['--data-dir', bed.data, 'account', 'list']).stdout).toMatch(/No accounts yet/);
  });
});
