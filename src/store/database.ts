import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { listBackups, markerFile, wayBack } from './backup-files.ts';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.ts';

export { markerFile };

export type Db = Database.Database;

/** A database that cannot be used, with a message that says why and what to do. */
export class StoreError extends Error {
  override name = 'StoreError';
}

/**
 * A database that failed its integrity check, or that SQLite found damaged while in use
 * (SQLITE_CORRUPT, SQLITE_NOTADB), or that vanished where the folder shows it existed. Nothing
 * more is decided from it (docs/design.md invariant 10): the message names the file and the way
 * back, the newest backup (docs/backups.md).
 */
export class DatabaseDamagedError extends StoreError {
  override name = 'DatabaseDamagedError';
  readonly file: string;

  constructor(file: string, problem: string) {
    super(`${problem}. Warden stopped rather than decide from a damaged history. ${wayBack(file)}`);
    this.file = file;
  }
}

/** Files only their owner reads or writes, in a folder only the owner enters (docs/design.md invariant 8). */
export const PRIVATE_FILE = 0o600;
export const PRIVATE_FOLDER = 0o700;

/** Files already checked by this process: a check reads every page, once per process is enough. */
const checked = new Set<string>();

/**
 * Opens (creating when missing) a Warden database and brings its schema up to date.
 * WAL lets the engine read while another process (a CLI import, say) writes; synchronous=NORMAL
 * is durable across a crash of the process, which is what a mail filter must survive.
 * The database and its folder are the user's alone, whatever the umask; the first open in a
 * process checks the file's structure (PRAGMA quick_check) and refuses a damaged one.
 */
export function openDatabase(file: string): Db {
  const folder = dirname(file);
  // The folder is made private when Warden makes it, or holds its database already (made
  // before Warden did this); never a folder of someone else's, or a shared one like /tmp.
  const made = !existsSync(folder);
  mkdirSync(folder, { recursive: true, mode: PRIVATE_FOLDER });
  if (made || ownFolder(folder, file)) makePrivate(folder, PRIVATE_FOLDER);
  refuseLost(file);
  if (!existsSync(file)) {
    // Created here, 0600, before SQLite opens it: SQLite gives its -wal and -shm files the
    // database file's permissions (its unix VFS copies them), so those are private too.
    try {
      closeSync(openSync(file, 'wx', PRIVATE_FILE));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new StoreError(`cannot create the database ${file}: ${(err as Error).message}`);
    }
  }
  for (const f of [file, `${file}-wal`, `${file}-shm`]) makePrivate(f, PRIVATE_FILE);
  let db: Db;
  try {
    db = new Database(file);
  } catch (err) {
    throw new StoreError(`cannot open the database ${file}: ${(err as Error).message}`);
  }
  try {
    db.pragma('busy_timeout = 5000');
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new StoreError(`the database ${file} cannot use write-ahead logging (journal mode ${String(mode)})`);
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('temp_store = MEMORY');
    // 2 MB, SQLite's default. The filter reads the word table once and keeps it in memory (up
    // to 3 million words, src/junk/filter.ts), so the cache only serves the history's writes and
    // queries, which the OS's file cache serves about as fast; 16 MB held 10 MB more resident in
    // a running engine (docs/measured.md).
    db.pragma('cache_size = -2048');
    if (!checked.has(file)) {
      checkIntegrity(db, file);
      checked.add(file);
    }
    migrate(db, file);
    if (!existsSync(markerFile(file))) writeFileSync(markerFile(file), `Warden's database ${file} exists since ${new Date().toISOString()}\n`, { mode: PRIVATE_FILE });
    return db;
  } catch (err) {
    db.close();
    throw storeFault(err, file) ?? (err instanceof StoreError ? err : new StoreError(`cannot open the database ${file}: ${(err as Error).message}`));
  }
}

/**
 * PRAGMA quick_check: every page and record well formed (not the indexes' agreement with their
 * tables, which integrity_check adds at several times the cost). "ok", or what is wrong.
 */
export function checkIntegrity(db: Db, file = db.name): void {
  const problems = db.pragma('quick_check(5)', { simple: false }) as { quick_check: string }[];
  const found = problems.flatMap((p) => p.quick_check.split('\n')).filter((p) => p !== 'ok' && !p.startsWith('***'));
  if (found.length > 0) throw new DatabaseDamagedError(file, `the database ${file} is damaged (${found.join('; ')})`);
}

/**
 * A database gone or emptied where the folder shows it existed (its marker, or backups): the
 * history was lost, and starting afresh in its place would hide that (docs/design.md invariant 10).
 */
function refuseLost(file: string): void {
  const size = existsSync(file) ? statSync(file).size : undefined;
  if (size !== undefined && size > 0) return;
  if (!existsSync(markerFile(file)) && listBackups(file).length === 0) return;
  const what = size === undefined ? 'is missing' : 'is empty (0 bytes)';
  throw new DatabaseDamagedError(file, `the database ${file} ${what}, but ${markerFile(file)} shows Warden kept its history there`);
}

/**
 * An error from SQLite that means the database cannot be used as it is, as a StoreError naming
 * the file and the fix; undefined for anything else. The engine stops on these rather than
 * retry or record the message it was deciding on as accepted.
 */
export function storeFault(err: unknown, file: string): StoreError | undefined {
  if (err instanceof StoreError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  // SQLite's error under another's (the analysis's AnalysisFailure): the database's fault all the same.
  if (code === undefined && err instanceof Error && err.cause !== undefined) return storeFault(err.cause, file);
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return undefined;
  const said = (err as Error).message;
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new DatabaseDamagedError(file, `the database ${file} is damaged or not a Warden database (${said})`);
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new StoreError(`the database ${file} cannot be written (${said}): make it and its folder writable by you (chmod u+w), or choose another --data-dir`);
  }
  if (code === 'SQLITE_FULL') return new StoreError(`the disk holding ${file} is full (${said}): free some space, then start Warden again`);
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN')) {
    return new StoreError(`the database ${file} cannot be read or written (${said}): check the disk and the file's permissions`);
  }
  return undefined;
}

/** A folder of the user's (not sticky like /tmp) that holds this database already. */
function ownFolder(folder: string, file: string): boolean {
  const s = statSync(folder);
  return existsSync(file) && (s.mode & 0o1000) === 0 && (process.getuid === undefined || s.uid === process.getuid());
}

/** Throws the StoreError an error from SQLite means (see storeFault); returns for any other error. */
export function throwIfStoreFault(err: unknown, file: string): void {
  const fault = storeFault(err, file);
  if (fault) throw fault;
}

/** Takes group and others' access away from a file or folder that exists (it may not). */
export function makePrivate(path: string, mode: number): void {
  let current: number;
  try {
    current = statSync(path).mode & 0o777;
  } catch {
    return;
  }
  if ((current & ~mode) === 0) return;
  try {
    chmodSync(path, current & mode);
  } catch (err) {
    throw new StoreError(`cannot make ${path} private to you (${(err as Error).message}): it holds your mail's senders and subjects; chmod go-rwx it`);
  }
}

function migrate(db: Db, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new StoreError(
      `the database ${file} was written by a newer version of Warden (schema ${version}; this version knows up to ${SCHEMA_VERSION}). ` +
        'Upgrade Warden, or choose another --data-dir.',
    );
  }
  if (version === SCHEMA_VERSION) return;
  db.transaction(() => {
    // Read again under the write lock: another process may have migrated meanwhile.
    const current = db.pragma('user_version', { simple: true }) as number;
    for (let v = current; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

/**
 * PRAGMA data_version: it changes when another connection commits, never for our own commits.
 * Caches of what is in the database are stale exactly when it changes. Returns a reader
 * bound to a prepared statement, cheap enough to call before every operation.
 */
export function dataVersionReader(db: Db): () => number {
  const statement = db.prepare<[], number>('PRAGMA data_version').pluck();
  return () => statement.get()!;
}
