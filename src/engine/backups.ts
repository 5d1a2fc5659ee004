import { backupIfDue, backupsFolder, listBackups, restoreBackup, type BackupFile, type Restored } from '../store/backups.ts';
import { openDatabase } from '../store/database.ts';
import { databaseFile } from './data-dir.ts';

export type { BackupFile, Restored };
/** The daily backup, made when due: every hour by a running engine, at the end of `warden run --once`. */
export { backupIfDue, backupsFolder };

/** The data folder's backups, newest first (docs/backups.md). */
export function backups(dataDir: string): BackupFile[] {
  return listBackups(databaseFile(dataDir));
}

/** Makes a backup now, whatever the last one's age; the oldest beyond those kept are removed. */
export async function backUpNow(dataDir: string, now = Date.now()): Promise<BackupFile> {
  const db = openDatabase(databaseFile(dataDir));
  try {
    return (await backupIfDue(db, now, { everyMs: 0 }))!;
  } finally {
    db.close();
  }
}

/** Puts a backup (the newest when not named) in the database's place; refused while it is in use. */
export function restore(dataDir: string, name?: string): Restored {
  return restoreBackup(databaseFile(dataDir), name);
}
