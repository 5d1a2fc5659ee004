import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupIfDue, listBackups, restoreBackup } from '../../src/store/backups.ts';
import { DatabaseDamagedError, openDatabase, StoreError, storeFault, type Db } from '../../src/store/database.ts';
import { readSetting, writeSetting } from '../../src/store/settings.ts';
import { damageTable } from '../helpers/damage.ts';

const DAY = 24 * 60 * 60_000;
const T0 = Date.parse('2026-03-01T08:00:00Z');

let dir: string;
let file: string;
const open: Db[] = [];
function track(db: Db): Db {
  open.push(db);
  return db;
}

/** A database with some words in the word table, as training leaves it. */
function filled(): Db {
  const db = track(openDatabase(file));
  const insert = db.prepare('INSERT INTO junk_word (key, ham, spam) VALUES (?, ?, ?)');
  db.transaction(() => {
    // Keys spread as words' hashes are (SqliteWordCounts keys a word by its two 32-bit hashes).
    for (let i = 0; i < 5000; i++) insert.run(BigInt.asIntN(64, BigInt(i + 1) * 0x9e3779b97f4a7c15n), i % 7, i % 5);
  })();
  writeSetting(db, 'kept', { n: 1 });
  return db;
}

const DATABASE_TS = JSON.stringify(new URL('../../src/store/database.ts', import.meta.url).href);

/**
 * Opens the database in a new process, as `warden` does at start: a process checks a file once
 * (quick_check reads every page), and this one has checked it already. The error it threw.
 */
function openedAtStart(path: string): { name: string; message: string } | undefined {
  const script = `
    const { openDatabase } = await import(${DATABASE_TS});
    try { openDatabase(process.argv[1]).close(); } catch (err) { console.log(JSON.stringify({ name: err.name, message: err.message })); }
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim() ? (JSON.parse(r.stdout) as { name: string; message: string }) : undefined;
}

function thrown(work: () => unknown): Error {
  try {
    work();
  } catch (err) {
    return err as Error;
  }
  throw new Error('did not throw');
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-damage-'));
  file = join(dir, 'data', 'warden.db');
});

afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a damaged database', () => {
  it('is refused at open (quick_check) with an error naming the file and the way back, and left as it was', () => {
    filled().close();
    damageTable(file, 'junk_word');
    const before = readFileSync(file);
    const err = openedAtStart(file)!;
    expect(err.name).toBe('DatabaseDamagedError');
    expect(err.message).toContain(`the database ${file} is damaged`);
    expect(err.message).toContain('Warden stopped rather than decide from a damaged history');
    // No backup yet: the way back is to start afresh, and the message says how.
    expect(err.message).toContain(`There is no backup in ${join(dir, 'data', 'backups')}: to start afresh`);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('names the newest backup and the command that restores it, and the restore brings the data back', async () => {
    const db = filled();
    expect(await backupIfDue(db, T0)).toMatchObject({ name: 'warden-2026-03-01T08-00-00Z.db' });
    writeSetting(db, 'after', 'lost with the damage');
    db.close();
    damageTable(file, 'junk_word');

    const err = openedAtStart(file)!;
    expect(err.name).toBe('DatabaseDamagedError');
    expect(err.message).toContain(`warden --data-dir ${JSON.stringify(join(dir, 'data'))} backup restore`);
    expect(err.message).toContain('warden-2026-03-01T08-00-00Z.db, made 2026-03-01T08:00:00.000Z');

    const restored = restoreBackup(file, undefined, T0 + DAY);
    expect(restored.backup.name).toBe('warden-2026-03-01T08-00-00Z.db');
    // The damaged file is kept, not deleted.
    expect(readdirSync(restored.replaced!)).toContain('warden.db');
    expect(openedAtStart(file)).toBeUndefined();
    const back = track(openDatabase(file));
    expect(back.prepare('SELECT count(*) FROM junk_word').pluck().get()).toBe(5000);
    expect(readSetting(back, 'kept')).toEqual({ n: 1 });
    expect(readSetting(back, 'after')).toBeUndefined();
  });

  it('found while in use (SQLITE_CORRUPT) becomes the same error, not a failed read', () => {
    const db = filled();
    // Another connection's commit makes this one drop its page cache and read the file again.
    damageTable(file, 'junk_word');
    const other = track(new Database(file));
    other.prepare("INSERT INTO setting (key, value) VALUES ('touch', '1')").run();
    const err = thrown(() => db.prepare('SELECT sum(ham) FROM junk_word').get());
    expect((err as { code?: string }).code).toMatch(/^SQLITE_CORRUPT/);
    const fault = storeFault(err, file);
    expect(fault).toBeInstanceOf(DatabaseDamagedError);
    expect(fault!.message).toContain(`the database ${file} is damaged or not a Warden database`);
    expect(storeFault(new Error('something else'), file)).toBeUndefined();
  });
});

describe('a lost database', () => {
  it('that vanished, where the folder shows it existed, is refused and not made anew', () => {
    filled().close();
    for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    const err = thrown(() => openDatabase(file));
    expect(err).toBeInstanceOf(DatabaseDamagedError);
    expect(err.message).toContain(`the database ${file} is missing, but ${file}-created shows Warden kept its history there`);
    expect(existsSync(file)).toBe(false);
  });

  it('that shrank to 0 bytes is refused and left at 0 bytes', () => {
    filled().close();
    truncateSync(file, 0);
    rmSync(`${file}-wal`, { force: true });
    expect(thrown(() => openDatabase(file)).message).toContain(`the database ${file} is empty (0 bytes)`);
    expect(statSync(file).size).toBe(0);
  });

  it('whose marker is gone too is still refused when backups show it existed', async () => {
    const db = filled();
    await backupIfDue(db, T0);
    db.close();
    unlinkSync(file);
    unlinkSync(`${file}-created`);
    expect(thrown(() => openDatabase(file))).toBeInstanceOf(DatabaseDamagedError);
  });

  it('is made anew in a folder that never had one', () => {
    const db = track(openDatabase(file));
    expect(readSetting(db, 'anything')).toBeUndefined();
    expect(readFileSync(`${file}-created`, 'utf8')).toContain(file);
  });
});

describe('rolling backups', () => {
  it('are made when due, checked, and the newest three kept', async () => {
    const db = filled();
    expect(await backupIfDue(db, T0)).toBeDefined();
    expect(await backupIfDue(db, T0 + DAY - 1)).toBeUndefined();
    for (let d = 1; d <= 4; d++) expect(await backupIfDue(db, T0 + d * DAY)).toBeDefined();
    expect(listBackups(file).map((b) => b.name)).toEqual([
      'warden-2026-03-05T08-00-00Z.db',
      'warden-2026-03-04T08-00-00Z.db',
      'warden-2026-03-03T08-00-00Z.db',
    ]);
    // Each a whole database on its own (no -wal beside it), with the data.
    expect(readdirSync(join(dir, 'data', 'backups')).sort()).toEqual(listBackups(file).map((b) => b.name).sort());
  });

  it('two at once (two accounts) make one backup', async () => {
    const db = filled();
    const [a, b] = await Promise.all([backupIfDue(db, T0), backupIfDue(db, T0)]);
    expect(a).toEqual(b);
    expect(listBackups(file)).toHaveLength(1);
  });

  it('refuse to copy a damaged database, keeping the good backups', async () => {
    const db = filled();
    await backupIfDue(db, T0);
    damageTable(file, 'junk_word');
    const fresh = track(new Database(file));
    await expect(backupIfDue(fresh, T0 + DAY)).rejects.toThrow(DatabaseDamagedError);
    expect(listBackups(file).map((b) => b.name)).toEqual(['warden-2026-03-01T08-00-00Z.db']);
    expect(readdirSync(join(dir, 'data', 'backups'))).toEqual(['warden-2026-03-01T08-00-00Z.db']);
  });

  it('restore is refused while another process has the database open', async () => {
    const db = filled();
    await backupIfDue(db, T0);
    const err = thrown(() => restoreBackup(file));
    expect(err).toBeInstanceOf(StoreError);
    expect(err.message).toContain(`${file} is in use by another process`);
    db.close();
    expect(restoreBackup(file, 'warden-2026-03-01T08-00-00Z.db').backup.time).toBe(T0);
  });

  it('restore names the backups there are when asked for one that is not', async () => {
    const db = filled();
    await backupIfDue(db, T0);
    db.close();
    expect(thrown(() => restoreBackup(file, 'warden-1999.db')).message).toContain('there are: warden-2026-03-01T08-00-00Z.db');
  });
});

describe('file modes', () => {
  // A child process under umask 022, as a login shell has it: what it makes must still be private.
  it('keeps the data folder 0700 and the database, its -wal and -shm, the marker, backups and secrets 0600 under umask 022', () => {
    const script = `
      process.umask(0o022);
      const { openDatabase } = await import(${DATABASE_TS});
      const { backupIfDue } = await import(${JSON.stringify(new URL('../../src/store/backups.ts', import.meta.url).href)});
      const { secretFile, writeSecretFile } = await import(${JSON.stringify(new URL('../../src/engine/secret-files.ts', import.meta.url).href)});
      const db = openDatabase(process.argv[1]);
      db.prepare("INSERT INTO setting (key, value) VALUES ('a', '1')").run();
      await backupIfDue(db);
      db.close();
      const again = openDatabase(process.argv[1]);
      again.prepare("INSERT INTO setting (key, value) VALUES ('b', '1')").run();
      // Looked at while the database is open: SQLite removes -wal and -shm when the last connection closes.
      const { readdirSync, statSync } = await import('node:fs');
      const { join, dirname } = await import('node:path');
      const data = dirname(process.argv[1]);
      // An account's password and a sign-in's refresh token, kept where there is no keyring.
      writeSecretFile(secretFile(data, 'home', 'password'), 'hunter2');
      writeSecretFile(secretFile(data, 'home', 'refresh-token'), 'token');
      const modes = {};
      const inside = (sub) => readdirSync(join(data, sub)).map((f) => join(data, sub, f));
      for (const p of [data, ...readdirSync(data).map((f) => join(data, f)), ...inside('backups'), ...inside('secrets')]) {
        modes[p.slice(data.length)] = (statSync(p).mode & 0o777).toString(8);
      }
      console.log(JSON.stringify(modes));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, file], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const backup = `/backups/${listBackups(file)[0]!.name}`;
    expect(JSON.parse(r.stdout)).toEqual({
      '': '700',
      '/backups': '700',
      [backup]: '600',
      '/warden.db': '600',
      '/warden.db-created': '600',
      '/warden.db-wal': '600',
      '/warden.db-shm': '600',
      '/secrets': '700',
      '/secrets/home.password': '600',
      '/secrets/home.refresh-token': '600',
    });
  });

  it('makes an existing data folder and database made under umask 022 private when opened', () => {
    chmodSync(dir, 0o755);
    const db = filled();
    db.close();
    chmodSync(join(dir, 'data'), 0o755);
    chmodSync(file, 0o644);
    track(openDatabase(file));
    expect(statSync(join(dir, 'data')).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // Never a folder that is not Warden's: the temporary folder holding it is left as it was.
    expect(statSync(dir).mode & 0o777).toBe(0o755);
  });
});
