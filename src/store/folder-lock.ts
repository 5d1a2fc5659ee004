import Database from 'better-sqlite3';

/**
 * An exclusive lock on a file, held by this process until `release` or until the process ends
 * however it ends (kill -9 included): SQLite's own file lock (POSIX advisory locks, LockFileEx
 * on Windows), which the operating system drops with the process. So nothing stale is ever
 * left to clean up, and no second holder can ever get it while the first lives.
 */
export class FolderLock {
  readonly #db: Database.Database;

  private constructor(db: Database.Database) {
    this.#db = db;
  }

  /** Takes the lock on `file` (made when missing), or returns undefined when someone holds it. */
  static take(file: string): FolderLock | undefined {
    // timeout 0: a held lock answers SQLITE_BUSY at once instead of waiting for it.
    const db = new Database(file, { timeout: 0 });
    try {
      // A write transaction that never ends holds the file's exclusive lock, which is what
      // every other BEGIN EXCLUSIVE on it, in this process or another, finds taken.
      db.exec('BEGIN EXCLUSIVE');
      return new FolderLock(db);
    } catch (err) {
      db.close();
      if ((err as { code?: string }).code === 'SQLITE_BUSY') return undefined;
      throw err;
    }
  }

  release(): void {
    if (this.#db.open) this.#db.close();
  }
}
