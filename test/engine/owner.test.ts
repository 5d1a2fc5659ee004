import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderInUseError, Ownership } from '../../src/engine/owner.ts';
import { startMailboxFixture, type MailboxFixture } from '../helpers/mailbox-fixture.ts';
import { syntheticMessage } from '../helpers/synthetic-mail.ts';
import { runWarden, watchWarden } from '../helpers/warden.ts';

/**
 * One engine owns a data folder (docs/design.md): whichever of the app, `warden run` and
 * `warden serve` starts first; a second says who has it and does not start; commands reach the
 * running one and take effect at its next message; a killed owner leaves nothing behind.
 */

describe('ownership of a data folder', () => {
  it('is one process at a time, says who has it, and is free again once let go', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-owner-'));
    try {
      const first = Ownership.take(dir, { kind: 'run' });
      first.publish({ ui: 'http://127.0.0.1:1/#token=x' });
      const second = Ownership.tryTake(dir, { kind: 'serve' });
      expect(second).not.toBeInstanceOf(Ownership);
      expect(second).toEqual({ owner: expect.objectContaining({ kind: 'run', pid: process.pid, ui: 'http://127.0.0.1:1/#token=x' }) });
      expect(() => Ownership.take(dir, { kind: 'serve' })).toThrow(FolderInUseError);
      expect(() => Ownership.take(dir, { kind: 'serve' })).toThrow(/in use by warden run \(pid \d+, since .*\), its UI at http:\/\/127\.0\.0\.1:1/);
      first.release();
      Ownership.take(dir, { kind: 'serve' }).release();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lets an engine wait for a command that holds the folder, and refuses it beside another engine', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-owner-'));
    try {
      const command = Ownership.take(dir, { kind: 'command', command: 'warden bootstrap home' });
      const waited: string[] = [];
      let started = false;
      const engine = Ownership.takeForEngine(dir, 'serve', (owner) => waited.push(owner.command ?? '')).then((o) => ((started = true), o));
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(started).toBe(false);
      expect(waited).toEqual(['warden bootstrap home']);
      command.release();
      const owner = await engine;
      expect(owner.info.kind).toBe('serve');
      await expect(Ownership.takeForEngine(dir, 'run')).rejects.toThrow(/in use by warden serve/);
      owner.release();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('with an engine running', () => {
  let f: MailboxFixture;

  beforeAll(async () => {
    f = await startMailboxFixture('owner');
  });

  afterAll(async () => {
    await f?.close();
  });

  it('refuses a second engine, sends commands to the first, which applies them at its next message', async () => {
    const engine = watchWarden(['--data-dir', f.data, 'run', '--json', '--offline'], f.env);
    try {
      await engine.next((e) => e.kind === 'connected');

      // A second engine on the folder: refused, naming the first.
      for (const second of [['run'], ['serve', '--offline']]) {
        const r = runWarden(['--data-dir', f.data, ...second], { env: f.env });
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(new RegExp(`in use by warden run \\(pid ${engine.child.pid}, since `));
      }
      // A cron run --once: nothing to do, and nothing done twice.
      const once = runWarden(['--data-dir', f.data, 'run', '--once', '--json'], { env: f.env });
      expect(once.status).toBe(0);
      expect(once.stdout).toBe('');
      expect(once.stderr).toMatch(/Nothing to do: warden run .* owns/);

      // Observe mode: a reject stays in INBOX.
      const observed = await f.append('spam');
      expect(await engine.next((e) => e.kind === 'arrival' && e.subject === observed)).toMatchObject({ accept: false, moved: false });

      // The mode, changed from the command line, applies to the next arrival, with no restart.
      const mode = runWarden(['--data-dir', f.data, 'account', 'mode', 'home', 'enforce']);
      expect(mode.status, mode.stderr).toBe(0);
      const enforced = await f.append('spam');
      expect(await engine.next((e) => e.kind === 'arrival' && e.subject === enforced)).toMatchObject({ accept: false, moved: true });
      expect(await f.subjects('Rejects')).toEqual([enforced]);

      // So do the analysis settings: rejects go to the folder named now.
      const set = runWarden(['--data-dir', f.data, 'settings', '--set', '{"rejectsMailbox":"Quarantine"}']);
      expect(set.status, set.stderr).toBe(0);
      const quarantined = await f.append('spam');
      expect(await engine.next((e) => e.kind === 'arrival' && e.subject === quarantined)).toMatchObject({ moved: true, mailbox: 'Quarantine' });
      expect(await f.subjects('Quarantine')).toEqual([quarantined]);
      expect(runWarden(['--data-dir', f.data, 'settings', '--set', '{"rejectsMailbox":"Rejects"}']).status).toBe(0);
      // No connection was restarted for either change.
      expect(engine.events.filter((e) => e.kind === 'connected' || e.kind === 'disconnected')).toHaveLength(1);

      // Training goes to the running engine's filter, which knows the messages at once.
      const more = join(f.dir, 'more-spam');
      mkdirSync(more);
      for (let i = 0; i < 5; i++) writeFileSync(join(more, `${i}.eml`), syntheticMessage('spam', 100 + i));
      const train = runWarden(['--data-dir', f.data, 'junk', 'train', '--spam', more, join(f.dir, 'spam')]);
      expect(train.status, train.stderr).toBe(0);
      expect(train.stdout).toContain('Trained 0 ham and 5 spam messages');
      expect(train.stdout).toContain('20 were already trained');
      expect(train.stdout).toContain('The filter now knows 50 ham and 25 spam messages');
      expect(engine.child.exitCode).toBeNull();
      // And takes back what was trained by mistake.
      const untrain = runWarden(['--data-dir', f.data, 'junk', 'untrain', '--spam', more]);
      expect(untrain.status, untrain.stderr).toBe(0);
      expect(untrain.stdout).toContain('Untrained 0 ham and 5 spam messages');
      expect(untrain.stdout).toContain('The filter now knows 50 ham and 20 spam messages');
      // The threshold, and whether one is fitted below it, change in the running engine's filter.
      const unfitted = runWarden(['--data-dir', f.data, 'junk', 'config', '--no-fit-threshold']);
      expect(unfitted.status, unfitted.stderr).toBe(0);
      expect(unfitted.stdout).toBe('Threshold: 0.95; second learner (logistic regression): on\n');
      const fitted = runWarden(['--data-dir', f.data, 'junk', 'config', '--threshold', '0.9', '--fit-threshold', '--no-logistic']);
      expect(fitted.stdout).toBe('Threshold: 0.9, or fitted below it; second learner (logistic regression): off\n');
      // What the running engine judges by now is what it said.
      expect(runWarden(['--data-dir', f.data, 'junk', 'config', '--logistic']).stdout).toBe('Threshold: 0.9, or fitted below it; second learner (logistic regression): on\n');

      // So does analysing the mail already in INBOX: the engine tells each message as it does it.
      // The spam observed above is below where watching now stands, and known.
      const analysed = runWarden(['--data-dir', f.data, 'analyze-inbox', 'home', '--dry-run', '--json']);
      expect(analysed.status, analysed.stderr).toBe(0);
      const lines = analysed.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.at(-1)).toMatchObject({ summary: true, dryRun: true, messages: lines.length - 1 });
      expect(lines).toContainEqual(expect.objectContaining({ subject: observed, known: true, moved: false }));
      expect(engine.child.exitCode).toBeNull();

      // A command with no way through the running engine is refused, naming it.
      const restore = runWarden(['--data-dir', f.data, 'backup', 'restore']);
      expect(restore.status).toBe(1);
      expect(restore.stderr).toMatch(/in use by warden run .*: stop it first, then run warden backup restore again/);
    } finally {
      expect(await engine.stop()).toBe(0);
    }
    // Let go: the folder is free for the next owner at once.
    const after = runWarden(['--data-dir', f.data, 'account', 'mode', 'home', 'observe']);
    expect(after.status, after.stderr).toBe(0);
  }, 180_000);

  it('is free again at once after the owner is killed', async () => {
    const engine = watchWarden(['--data-dir', f.data, 'run', '--json', '--offline'], f.env);
    await engine.next((e) => e.kind === 'connected');
    engine.child.kill('SIGKILL');
    await new Promise((resolve) => engine.child.once('exit', resolve));
    const next = watchWarden(['--data-dir', f.data, 'run', '--json', '--offline'], f.env);
    try {
      await next.next((e) => e.kind === 'connected');
    } finally {
      expect(await next.stop()).toBe(0);
    }
  }, 120_000);
});
