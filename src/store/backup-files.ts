import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** One backup of the database, as its file name tells. */
export interface BackupFile {
  name: string;
  path: string;
  /** When it was made (ms). */
  time: number;
}

/**
 * The file beside the database that says it was created: a database missing or emptied where
 * this marker is has been lost, and is refused rather than silently made anew.
 */
export function markerFile(file: string): string {
  return `${file}-created`;
}

/** Where the backups of a database are kept: `backups/` beside it. */
export function backupsFolder(file: string): string {
  return join(dirname(file), 'backups');
}

/** A backup's file name: the database's, stamped with when it was made (UTC, sortable). */
export function backupName(file: string, time: number): string {
  const stamp = new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z').replaceAll(':', '-');
  return `${basename(file, '.db')}-${stamp}.db`;
}

/** The backups of a database, newest first; none when the folder does not exist. */
export function listBackups(file: string): BackupFile[] {
  const folder = backupsFolder(file);
  const pattern = new RegExp(`^${escape(basename(file, '.db'))}-(\\d{4}-\\d\\d-\\d\\dT\\d\\d)-(\\d\\d)-(\\d\\d)Z\\.db$`);
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  const found: BackupFile[] = [];
  for (const name of names) {
    const m = pattern.exec(name);
    if (m) found.push({ name, path: join(folder, name), time: Date.parse(`${m[1]}:${m[2]}:${m[3]}Z`) });
  }
  return found.sort((a, b) => b.time - a.time);
}

/** What to do about a damaged or lost database: restore the newest backup, or start afresh. */
export function wayBack(file: string): string {
  const dataDir = JSON.stringify(dirname(file));
  const newest = listBackups(file)[0];
  if (newest) {
    return (
      `Restore the newest backup (${newest.name}, made ${new Date(newest.time).toISOString()}) with: warden --data-dir ${dataDir} backup restore ` +
      `(warden backup list shows them all; the damaged files are kept aside, not deleted).`
    );
  }
  const files = existsSync(markerFile(file)) ? `${file} and ${markerFile(file)}` : file;
  return `There is no backup in ${backupsFolder(file)}: to start afresh, forgetting what Warden learned, move ${files} away, or choose another --data-dir.`;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
