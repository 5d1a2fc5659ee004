import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.ts';

export type Db = Database.Database;

/** A database that cannot be used, with a message that says why and what to do. */
export class StoreError extends Error {
  override name = 'StoreError';
}

/**
 * Opens (creating when missing) a Warden database and brings its schema up to date.
 * WAL lets the engine read while another process (a CLI import, say) writes; synchronous=NORMAL
 * is durable across a crash of the process, which is what a mail filter must survive.
 */
export function openDatabase(file: string): Db {
  mkdirSync(dirname(file), { recursive: true });
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
    db.pragma('cache_size = -16384'); // 16 MB: a mailbox's word table fits; more only grows memory
    migrate(db, file);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof StoreError) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      throw new StoreError(`${file} is not a Warden database (${(err as Error).message}); move it away or choose another --data-dir`);
    }
    throw new StoreError(`cannot open the database ${file}: ${(err as Error).message}`);
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
