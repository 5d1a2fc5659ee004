import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { damageTable } from '../helpers/damage.ts';
import { startMailboxFixture, type MailboxFixture } from '../helpers/mailbox-fixture.ts';
import { runWarden, spawnWarden } from '../helpers/warden.ts';

/**
 * Damage is loud (docs/design.md invariant 10), against a real Dovecot and real SQLite files: a
 * damaged word table stops `warden run` with the file and the way back, found at start or
 * while it watches; nothing is recorded as accepted meanwhile; the backup it made restores.
 */

let f: MailboxFixture | undefined;
afterEach(async () => {
  if (f) spawnSync('chattr', ['-R', '-i', f.data]);
  await f?.close();
  f = undefined;
});

function decisions(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM decision').pluck().get() as number;
  } finally {
    db.close();
  }
}

function runOnce(fixture: MailboxFixture) {
  const r = runWarden(['--data-dir', fixture.data, 'run', '--once', '--json'], { env: fixture.env });
  const events = r.stdout.trim() === '' ? [] : r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  return { status: r.status, stderr: r.stderr, events };
}

describe('a damaged database', () => {
  it('found at start stops warden run with the file and the way back; the backup restores it', async () => {
    f = await startMailboxFixture('damage-start');
    const file = join(f.data, 'warden.db');
    expect(runOnce(f).status).toBe(0); // the first run starts watching, and makes the first backup
    const [backup] = readdirSync(join(f.data, 'backups'));
    expect(backup).toMatch(/^warden-.*Z\.db$/);
    const before = decisions(file);
    const subjects = [await f.append('ham'), await f.append('spam'), await f.append('ham')];

    damageTable(file, 'junk_word');
    const damaged = runOnce(f);
    expect(damaged.status).toBe(1);
    expect(damaged.events).toEqual([]);
    const error = damaged.stderr;
    expect(error).toContain(`warden: the database ${file} is damaged`);
    expect(error).toContain(`warden --data-dir ${JSON.stringify(f.data)} backup restore`);
    expect(error).toContain(backup);
    expect(decisions(file)).toBe(before);

    const restored = runWarden(['--data-dir', f.data, 'backup', 'restore']);
    expect(restored.status, restored.stderr).toBe(0);
    expect(restored.stdout).toContain(`Restored ${backup}`);
    const after = runOnce(f);
    expect(after.status, after.stderr).toBe(0);
    expect(after.events.filter((e) => e.kind === 'arrival').map((e) => e.subject)).toEqual(subjects);
    // The damaged file is kept beside, not deleted.
    expect(readdirSync(f.data).filter((n) => n.startsWith('replaced-'))).toHaveLength(1);
  }, 120_000);

  it('found while watching stops the account, exits 1, and records nothing as accepted', async () => {
    f = await startMailboxFixture('damage-watch');
    const fixture = f;
    const file = join(fixture.data, 'warden.db');
    const child = spawnWarden(['--data-dir', fixture.data, 'run', '--json'], fixture.env);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const events: Record<string, unknown>[] = [];
    const seen = new Set<string>();
    const waiters: [string, () => void][] = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      const event = JSON.parse(line) as Record<string, unknown>;
      events.push(event);
      seen.add(event.kind as string);
      for (const [kind, resolve] of waiters) if (kind === event.kind) resolve();
    });
    const next = (kind: string) =>
      new Promise<void>((resolve, reject) => {
        if (seen.has(kind)) return resolve();
        const timer = setTimeout(() => reject(new Error(`no ${kind} event within 60 s; stderr: ${stderr}`)), 60_000);
        waiters.push([kind, () => (clearTimeout(timer), resolve())]);
      });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await next('started');
      const before = decisions(file);
      damageTable(file, 'junk_word');
      // Another connection's commit: the engine drops its cached pages and words, and reads the file.
      const other = new Database(file);
      other.prepare("INSERT OR REPLACE INTO setting (key, value) VALUES ('touched', '1')").run();
      other.close();
      await fixture.append('ham');
      await next('stopped');
      expect(await exited).toBe(1);
      const stopped = events.find((e) => e.kind === 'stopped')!;
      expect(stopped.error).toContain(`the database ${file} is damaged`);
      expect(stopped.error).toContain('backup restore');
      expect(events.filter((e) => e.kind === 'arrival' || e.kind === 'disconnected')).toEqual([]);
      expect(decisions(file)).toBe(before);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  }, 120_000);

  it('that cannot be written stops warden run with a clear error, not a reconnect loop', async () => {
    f = await startMailboxFixture('damage-readonly');
    const file = join(f.data, 'warden.db');
    expect(runOnce(f).status).toBe(0);
    await f.append('ham');
    // chattr +i: read-only even for root, as tests here run; chmod for anyone else.
    const readOnly = process.getuid?.() === 0 ? spawnSync('chattr', ['+i', file]) : spawnSync('chmod', ['a-w', file]);
    expect(readOnly.status, readOnly.stderr?.toString()).toBe(0);
    const r = runOnce(f);
    expect(r.status).toBe(1);
    expect(r.events).toEqual([{ kind: 'stopped', account: 'home', error: expect.stringContaining(`the database ${file} cannot be written`) }]);
    expect(existsSync(file)).toBe(true);
  }, 120_000);
});
