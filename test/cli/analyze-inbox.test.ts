import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OwnerClient } from '../../src/api/client.ts';
import type { ApiEvent } from '../../src/api/contract.ts';
import { holderOf } from '../../src/engine/owner.ts';
import { startMailboxFixture, type MailboxFixture } from '../helpers/mailbox-fixture.ts';
import { runWarden, spawnWarden, watchWarden } from '../helpers/warden.ts';

/**
 * `warden analyze-inbox`: mail that was in INBOX before Warden watched it is analysed only on
 * request, only when unread and unflagged, and previewed first with --dry-run.
 */

let f: MailboxFixture;
const subjects: Record<string, string> = {};

beforeAll(async () => {
  f = await startMailboxFixture('backlog');
  subjects.ham = await f.append('ham');
  subjects.spam = await f.append('spam');
  subjects.readSpam = await f.append('spam');
  subjects.flaggedSpam = await f.append('spam');
  const lock = await f.client.getMailboxLock('INBOX');
  try {
    await f.client.messageFlagsAdd('3', ['\\Seen'], { uid: true });
    await f.client.messageFlagsAdd('4', ['\\Flagged'], { uid: true });
  } finally {
    lock.release();
  }
});

afterAll(async () => {
  await f?.close();
});

function analyzeInbox(...args: string[]): { lines: Record<string, unknown>[]; summary: Record<string, unknown> } {
  const r = runWarden(['--data-dir', f.data, 'analyze-inbox', 'home', '--offline', '--json', ...args], { env: f.env });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  return { lines: lines.slice(0, -1), summary: lines.at(-1)! };
}

function decisions(): number {
  const db = new Database(join(f.data, 'warden.db'), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM decision').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function history(): { subject: string; is_reject: number }[] {
  const db = new Database(join(f.data, 'warden.db'), { readonly: true });
  try {
    return db.prepare('SELECT subject, is_reject FROM msg ORDER BY received, id').all() as { subject: string; is_reject: number }[];
  } finally {
    db.close();
  }
}

// Each test runs the command line a few times, several seconds each on a busy machine.
describe('warden analyze-inbox', { timeout: 120_000 }, () => {
  it('previews with --dry-run: unread, unflagged mail only, nothing recorded, moved or marked read', async () => {
    const { lines, summary } = analyzeInbox('--dry-run');
    expect(lines.map((l) => [l.subject, l.accept, l.moved])).toEqual([
      [subjects.ham, true, false],
      [subjects.spam, false, false],
    ]);
    expect(summary).toMatchObject({ dryRun: true, messages: 2, accepted: 1, rejected: 1, moved: 0 });
    expect(decisions()).toBe(0);
    expect(await f.subjects('INBOX')).toEqual([subjects.ham, subjects.spam, `${subjects.readSpam} [seen]`, subjects.flaggedSpam]);
  });

  it('says in words what would move, and how to let it move', () => {
    const r = runWarden(['--data-dir', f.data, 'analyze-inbox', 'home', '--offline', '--dry-run'], { env: f.env });
    expect(r.stdout).toMatch(/\[2\/2\] home #2 .*: reject \(junk-content\).* → would move to Rejects/);
    expect(r.stdout).toContain(
      '2 messages: 1 accepted, 1 would be moved to Rejects in enforce mode (this account observes: warden account mode home enforce), 0 seen before, 0 not analysed. Nothing was recorded or moved.',
    );
  });

  it('after bootstrap, which records INBOX without judging it, still shows what would happen to that mail', () => {
    const boot = runWarden(['--data-dir', f.data, 'bootstrap', 'home', '--json'], { env: f.env });
    expect(boot.status, boot.stderr).toBe(0);
    expect(boot.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toContainEqual(expect.objectContaining({ path: 'INBOX', kind: 'neutral', added: 4 }));
    const { lines, summary } = analyzeInbox('--dry-run');
    expect(lines.map((l) => [l.subject, l.accept, l.known])).toEqual([
      [subjects.ham, true, false],
      [subjects.spam, false, false],
    ]);
    expect(summary).toMatchObject({ messages: 2, accepted: 1, rejected: 1, known: 0 });
    expect(decisions()).toBe(0);
    expect(runWarden(['--data-dir', f.data, 'account', 'mode', 'home', 'enforce']).status).toBe(0);
  });

  it('finds nothing received after --since', () => {
    const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    expect(analyzeInbox('--dry-run', '--since', tomorrow).summary).toMatchObject({ messages: 0 });
    const bad = runWarden(['--data-dir', f.data, 'analyze-inbox', 'home', '--since', 'last week']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/YYYY-MM-DD/);
  });

  it('in enforce mode decides, records and moves the rejects, bootstrapped or not; watching then starts after them', async () => {
    const { summary } = analyzeInbox();
    expect(summary).toMatchObject({ dryRun: false, messages: 2, accepted: 1, rejected: 1, moved: 1 });
    expect(decisions()).toBe(2);
    // Decided over bootstrap's records: each message once in the history, the reject as one.
    expect(history()).toEqual([
      { subject: subjects.ham, is_reject: 0 },
      { subject: subjects.spam, is_reject: 1 },
      { subject: subjects.readSpam, is_reject: 0 },
      { subject: subjects.flaggedSpam, is_reject: 0 },
    ]);
    expect(await f.subjects('Rejects')).toEqual([subjects.spam]);
    expect(await f.subjects('INBOX')).toEqual([subjects.ham, `${subjects.readSpam} [seen]`, subjects.flaggedSpam]);
    // Again: what is left was decided before.
    expect(analyzeInbox().summary).toMatchObject({ messages: 1, known: 1, moved: 0 });
    // Watching goes on from where analyze-inbox started, with nothing to do.
    const run = runWarden(['--data-dir', f.data, 'run', '--once', '--json', '--offline'], { env: f.env });
    expect(run.stdout).toBe('');
  });

  it('names an unknown account', () => {
    const r = runWarden(['--data-dir', f.data, 'analyze-inbox', 'nosuch']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/nosuch/);
  });
});

describe('warden analyze-inbox interrupted', () => {
  it('stops at the next message on Ctrl-C, says so, and tells what it did up to there; through a running engine, also when killed', async () => {
    const g = await startMailboxFixture('backlog-interrupted');
    try {
      for (let i = 0; i < 300; i++) await g.append(i % 3 === 0 ? 'spam' : 'ham');
      const child = spawnWarden(['--data-dir', g.data, 'analyze-inbox', 'home', '--offline', '--dry-run', '--json'], g.env);
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      const first = new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => ((stdout += d.toString()), resolve())));
      await first;
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stderr).toMatch(/Interrupted: what was analysed so far is recorded/);
      const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      const summary = lines.at(-1)!;
      expect(summary).toMatchObject({ summary: true, dryRun: true });
      expect(summary.messages).toBe(lines.length - 1);
      expect(summary.messages).toBeLessThan(300);

      // Through a running engine, the analysis is the command's: killed (no Ctrl-C, nothing
      // said), the command leaves nothing running in its name.
      const engine = watchWarden(['--data-dir', g.data, 'run', '--json', '--offline'], g.env);
      try {
        await engine.next((e) => e.kind === 'connected');
        const owner = holderOf(g.data);
        if (owner === 'free' || !owner?.control) throw new Error('warden run does not say where its API is');
        const ends: Extract<ApiEvent, { kind: 'inbox-end' }>[] = [];
        let total = 0;
        const watching = await new OwnerClient({ ...owner, control: owner.control }).subscribe(
          (e) => {
            if (e.kind === 'inbox') total = e.total;
            if (e.kind === 'inbox-end') ends.push(e);
          },
          () => {},
        );
        try {
          const killed = spawnWarden(['--data-dir', g.data, 'analyze-inbox', 'home', '--dry-run', '--json'], g.env);
          const gone = new Promise((resolve) => killed.once('exit', resolve));
          await new Promise((resolve) => killed.stdout.once('data', resolve));
          killed.kill('SIGKILL');
          await gone;
          await vi.waitFor(() => expect(ends).toHaveLength(1), { timeout: 30_000 });
          expect(total).toBe(300);
          expect(ends[0]).toMatchObject({ account: 'home', stopped: true });
          expect(ends[0]!.done).toBeLessThan(300);
        } finally {
          watching.close();
        }
      } finally {
        expect(await engine.stop()).toBe(0);
      }
    } finally {
      await g.close();
    }
  }, 180_000);
});
