import { dataVersionReader, type Db } from './database.ts';

type Label = 'ham' | 'spam';
interface Counts {
  ham: number;
  spam: number;
}

/** Words written per statement: the JSON array stays a few MB however large the update. */
const WRITE_CHUNK = 20_000;
/**
 * Words read per statement of a dump: about 100 kB of text each. The whole table in one string
 * held it twice at once (SQLite's copy and JavaScript's), 30 MB of peak memory at 600 000 words.
 * Chunks of 20 000 words (1 MB strings, which V8 keeps apart from short-lived objects until a
 * full collection) still raised a running engine's memory by 20 MB while it read the table;
 * strings this size die young, and reading the table takes as long (docs/measured.md).
 */
const DUMP_CHUNK = 2_000;

/**
 * The Bayesian filter's word counts and training state in SQLite. It has the shape of
 * src/junk's WordCountStore (the store layer imports nothing of ours).
 */
export class SqliteWordCounts {
  readonly #db: Db;
  readonly #readWords;
  readonly #dumpChunk;
  readonly #countWords;
  readonly #readTotals;
  readonly #readTrained;
  readonly #writeTotals;
  readonly #upsertWords;
  readonly #deleteWords;
  readonly #markTrained;
  readonly #forgetTrained;
  readonly #dataVersion;

  constructor(db: Db) {
    this.#db = db;
    this.#readWords = db
      .prepare<[string], [string, number, number]>('SELECT word, ham, spam FROM junk_word WHERE word IN (SELECT value FROM json_each(?))')
      .raw();
    // The next chunk in key order after a word, with its last word (max: the format cannot say
    // where a word holding a newline ends).
    this.#dumpChunk = db
      .prepare<[string, number], [string | null, string | null]>(
        `SELECT group_concat(word || char(9) || ham || char(9) || spam, char(10)), max(word)
         FROM (SELECT word, ham, spam FROM junk_word WHERE word > ? ORDER BY word LIMIT ?)`,
      )
      .raw();
    this.#countWords = db.prepare<[], number>('SELECT count(*) FROM junk_word').pluck();
    this.#readTotals = db.prepare<[], Counts>('SELECT ham, spam FROM junk_total WHERE id = 1');
    this.#readTrained = db.prepare<[string], { label: Label }>('SELECT label FROM junk_trained WHERE fingerprint = ?');
    this.#writeTotals = db.prepare<[number, number]>('UPDATE junk_total SET ham = ?, spam = ? WHERE id = 1');
    // Many rows per statement, as a JSON array of [word, ham, spam]: one call into SQLite per
    // chunk instead of one per word, which halves the time of a bulk update. In key order, so
    // that consecutive rows land on the same B-tree pages: 15% less time per commit.
    this.#upsertWords = db.prepare<[string]>(
      `INSERT INTO junk_word (word, ham, spam)
       SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?) WHERE true ORDER BY 1
       ON CONFLICT (word) DO UPDATE SET ham = excluded.ham, spam = excluded.spam`,
    );
    this.#deleteWords = db.prepare<[string]>('DELETE FROM junk_word WHERE word IN (SELECT value FROM json_each(?))');
    this.#markTrained = db.prepare<[string, Label, number]>(
      'INSERT INTO junk_trained (fingerprint, label, trained_at) VALUES (?, ?, ?) ON CONFLICT (fingerprint) DO UPDATE SET label = excluded.label, trained_at = excluded.trained_at',
    );
    this.#forgetTrained = db.prepare<[string]>('DELETE FROM junk_trained WHERE fingerprint = ?');
    this.#dataVersion = dataVersionReader(db);
  }

  readWords(words: string[], visit: (word: string, ham: number, spam: number) => void): void {
    for (const [word, ham, spam] of this.#readWords.iterate(JSON.stringify(words))) visit(word, ham, spam);
  }

  /**
   * Every word as lines `word \t ham \t spam` joined by newlines, in chunks of at most
   * DUMP_CHUNK lines, read as they are iterated; undefined beyond `limit` words.
   */
  dumpWords(limit: number): { chunks: Iterable<string>; words: number } | undefined {
    const words = this.#countWords.get()!;
    if (words > limit) return undefined;
    return { chunks: this.#chunks(), words };
  }

  *#chunks(): Generator<string> {
    for (let after = ''; ; ) {
      const [chunk, last] = this.#dumpChunk.get(after, DUMP_CHUNK)!;
      if (chunk === null || last === null) return;
      yield chunk;
      after = last;
    }
  }

  readTotals(): Counts {
    return { ...this.#readTotals.get()! };
  }

  readTrained(fingerprint: string): Label | undefined {
    return this.#readTrained.get(fingerprint)?.label;
  }

  writeTransaction<T>(fn: () => T): T {
    return this.#db.transaction(fn).immediate();
  }

  /** Call inside writeTransaction. */
  write(changes: { totals: Counts; words: string[]; counts: Uint32Array; trained: Map<string, Label | null> }): void {
    const { words, counts } = changes;
    this.#writeTotals.run(changes.totals.ham, changes.totals.spam);
    for (let start = 0; start < words.length; start += WRITE_CHUNK) {
      const kept: [string, number, number][] = [];
      const gone: string[] = [];
      for (let i = start; i < Math.min(start + WRITE_CHUNK, words.length); i++) {
        const ham = counts[2 * i]!;
        const spam = counts[2 * i + 1]!;
        if (ham === 0 && spam === 0) gone.push(words[i]!);
        else kept.push([words[i]!, ham, spam]);
      }
      if (kept.length > 0) this.#upsertWords.run(JSON.stringify(kept));
      if (gone.length > 0) this.#deleteWords.run(JSON.stringify(gone));
    }
    const now = Date.now();
    for (const [fingerprint, label] of changes.trained) {
      if (label) this.#markTrained.run(fingerprint, label, now);
      else this.#forgetTrained.run(fingerprint);
    }
  }

  version(): number {
    return this.#dataVersion();
  }

  /** Messages and distinct words trained. */
  stats(): { ham: number; spam: number; words: number } {
    return { ...this.readTotals(), words: this.#countWords.get()! };
  }

  /** Forgets all training: the counts and which messages were trained. */
  clear(): void {
    this.#db.transaction(() => {
      this.#db.exec('DELETE FROM junk_word; DELETE FROM junk_trained; UPDATE junk_total SET ham = 0, spam = 0;');
    }).immediate();
  }
}
