import { closeSync, openSync, writeSync } from 'node:fs';
import Database from 'better-sqlite3';
import { seededRandom } from '../../src/engine/random.ts';

/**
 * Overwrites the pages of one table (and its index b-tree: a WITHOUT ROWID table is one) in a
 * database file with random bytes, behind SQLite's back, as a failing disk or a stray write
 * would: up to `bytes` bytes, never page 1 (the header, which would make it no database at all).
 * The WAL is checkpointed into the file first, so that the file holds those pages. Returns how
 * many bytes were overwritten.
 */
export function damageTable(file: string, table: string, bytes = 64 * 1024, seed = 1): number {
  const db = new Database(file);
  let pages: number[];
  let pageSize: number;
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    pageSize = db.pragma('page_size', { simple: true }) as number;
    pages = db.prepare<[string], number>('SELECT pageno FROM dbstat WHERE name = ? ORDER BY pageno').pluck().all(table).filter((p) => p > 1);
  } finally {
    db.close();
  }
  if (pages.length === 0) throw new Error(`${file} has no pages of ${table} to damage`);
  const random = seededRandom(seed);
  const fd = openSync(file, 'r+');
  let written = 0;
  try {
    for (const page of pages) {
      if (written >= bytes) break;
      const length = Math.min(pageSize, bytes - written);
      const noise = Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)));
      writeSync(fd, noise, 0, length, (page - 1) * pageSize);
      written += length;
    }
  } finally {
    closeSync(fd);
  }
  return written;
}
