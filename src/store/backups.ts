import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { backupName, backupsFolder, listBackups, type BackupFile } from './backup-files.ts';
import { checkIntegrity, DatabaseDamagedError, makePrivate, markerFile, PRIVATE_FILE, PRIVATE_FOLDER, StoreError, type Db } from './database.ts';

export { backupsFolder, listBackups, type BackupFile };

/** How often a backup is made, and how many are kept: three days to notice damage and go back. */
export const BACKUP_EVERY_MS = 24 * 60 * 60_000;
export const BACKUPS_KEPT = 3;

/**
 * Makes a backup of the open database when the newest is older than `everyMs` (or there is
 * none), and keeps the newest `keep`. SQLite's online backup copies the pages while the engine
 * goes on writing. The copy is checked (quick_check) before it counts: a copy of a damaged
 * database is no way back, so it is thrown away and the damage reported (DatabaseDamagedError),
 * and the older, good backups are kept. Returns the new backup, or undefined when none was due.
 */
export function backupIfDue(db: Db, now = Date.now(), options: { everyMs?: number; keep?: number } = {}): Promise<BackupFile | undefined> {
  // Accounts watched side by side share the database: the second waits for the first's backup.
  const file = db.name;
  const running = inFlight.get(file) ?? backUp(db, now, options).finally(() => inFlight.delete(file));
  inFlight.set(file, running);
  return running;
}

/** The backups being made in this process, by database file. */
const inFlight = new Map<string, Promise<BackupFile | undefined>>();

async function backUp(db: Db, now: number, options: { everyMs?: number; keep?: number }): Promise<BackupFile | undefined> {
  const { everyMs = BACKUP_EVERY_MS, keep = BACKUPS_KEPT } = options;
  const file = db.name;
  const existing = listBackups(file);
  if (existing[0] && now - existing[0].time < everyMs) return undefined;
  const folder = backupsFolder(file);
  mkdirSync(folder, { recursive: true, mode: PRIVATE_FOLDER });
  makePrivate(folder, PRIVATE_FOLDER);
  const name = backupName(file, now);
  const path = join(folder, name);
  const partial = join(folder, `.${name}.partial`);
  rmSync(partial, { force: true });
  // Made 0600 before SQLite writes to it: the copy holds what the database holds.
  closeSync(openSync(partial, 'w', PRIVATE_FILE));
  chmodSync(partial, PRIVATE_FILE);
  try {
    await db.backup(partial);
    selfContained(partial, file);
    renameSync(partial, path);
  } finally {
    rmSync(partial, { force: true });
  }
  for (const old of listBackups(file).slice(keep)) rmSync(old.path, { force: true });
  return { name, path, time: now };
}

/**
 * Turns a fresh copy into a single file (rollback journal, not WAL: restoring copies one file)
 * and checks it; a damaged copy means the database it was made from is damaged.
 */
function selfContained(copy: string, source: string): void {
  const db = new Database(copy);
  try {
    db.pragma('journal_mode = DELETE');
    try {
      checkIntegrity(db);
    } catch (err) {
      if (!(err instanceof DatabaseDamagedError)) throw err;
      throw new DatabaseDamagedError(source, `the database ${source} is damaged: its backup failed the integrity check (${err.message.split('. ')[0]})`);
    }
  } finally {
    db.close();
  }
}

/** What a restore did: the backup put in place, and where the files it replaced were moved. */
export interface Restored {
  backup: BackupFile;
  /** The folder now holding the replaced database and its -wal and -shm, if there were any. */
  replaced: string | undefined;
}

/**
 * Puts a backup (by name; the newest when not given) in the database's place. Refused while
 * another process has the database open (a running Warden would go on with the old one). The
 * files it replaces are moved into `replaced-<time>/` beside it, never deleted.
 */
export function restoreBackup(file: string, name?: string, now = Date.now()): Restored {
  const backups = listBackups(file);
  if (backups.length === 0) throw new StoreError(`there is no backup of ${file} in ${backupsFolder(file)}`);
  const backup = name === undefined ? backups[0]! : backups.find((b) => b.name === name || b.name === basename(name));
  if (!backup) throw new StoreError(`there is no backup ${name} in ${backupsFolder(file)}; there are: ${backups.map((b) => b.name).join(', ')}`);
  refuseInUse(file);
  const check = new Database(backup.path, { readonly: true, fileMustExist: true });
  try {
    checkIntegrity(check);
  } finally {
    check.close();
  }
  const present = [file, `${file}-wal`, `${file}-shm`].filter((f) => existsSync(f));
  let replaced: string | undefined;
  if (present.length > 0) {
    replaced = join(dirname(file), `replaced-${new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z').replaceAll(':', '-')}`);
    mkdirSync(replaced, { recursive: true, mode: PRIVATE_FOLDER });
    for (const f of present) renameSync(f, join(replaced, basename(f)));
  }
  const partial = `${file}.restoring`;
  copyFileSync(backup.path, partial);
  chmodSync(partial, PRIVATE_FILE);
  renameSync(partial, file);
  if (!existsSync(markerFile(file))) writeFileSync(markerFile(file), `Warden's database ${file}, restored from ${backup.name}\n`, { mode: PRIVATE_FILE });
  return { backup, replaced };
}

/**
 * Refuses when another connection holds the database: taking SQLite's exclusive lock fails
 * while any other process has it open in WAL mode (each keeps a shared lock while open).
 */
function refuseInUse(file: string): void {
  if (!existsSync(file)) return;
  let db: Db;
  try {
    db = new Database(file, { fileMustExist: true, timeout: 0 });
  } catch {
    return; // Not a database SQLite can open: no one is using it either.
  }
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('ROLLBACK');
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new StoreError(`${file} is in use by another process (a running warden run, warden serve or the app): stop it, then restore`);
    }
  } finally {
    db.close();
  }
}
