import { endianness } from 'node:os';
import { dataVersionReader, type Db } from './database.ts';

type Label = 'ham' | 'spam';
interface Counts {
  ham: number;
  spam: number;
}

/** Writes a word's two 32-bit hashes into out[at] and out[at + 1]: src/junk's hashWord, passed in (the store layer imports nothing of ours). */
export type WordHasher = (word: string, out: Uint32Array, at: number) => void;

/** Words looked up or converted per statement: the JSON array stays a few MB however many. */
const WRITE_CHUNK = 20_000;
/**
 * Words read per statement of a dump: 320 kB each. The whole table in one value held it twice
 * at once (SQLite's copy and JavaScript's).
 */
const DUMP_CHUNK = 20_000;

/**
 * A word's row as 16 bytes, big-endian: hash1, hash2, ham, spam, as hex digits, which unhex() of
 * their concatenation makes one BLOB of. A BLOB of many rows reaches JavaScript as one Buffer,
 * read as a Uint32Array: no string or array per word. The key is hash1 << 32 | hash2 as
 * SQLite's signed 64-bit integer, which %016x writes as its 64 bits (two's complement for a
 * negative key): hash1's and hash2's eight digits each, with no shift or mask to compute (a
 * third less time reading the table than formatting the two halves apart).
 */
const QUAD = `printf('%016x%08x%08x', key, ham, spam)`;
/** The key of the JSON array [hash1, hash2, ...] that json_each gives as `value`. */
const KEY_OF_VALUE = '(((value ->> 0) << 32) | (value ->> 1))';

/**
 * Words upserted, or weights added, per statement. A statement per word spends most of its time
 * in the calls from JavaScript, not in SQLite; 64 rows in one VALUES list took 2.5 times less CPU
 * writing 600 000 words (docs/measured.md). A JSON array of rows took twice the time of a
 * statement per word.
 */
const UPSERT_ROWS = 64;

/** An upsert of `rows` words: each (hash1, hash2, ham, spam). */
function upsert(db: Db, rows: number) {
  const values = Array.from({ length: rows }, () => '((? << 32) | ?, ?, ?)').join(', ');
  return db.prepare<number[]>(`INSERT INTO junk_word (key, ham, spam) VALUES ${values} ON CONFLICT (key) DO UPDATE SET ham = excluded.ham, spam = excluded.spam`);
}

/**
 * An addition of `rows` weights of the logistic learner: each (slot, delta), added to what is
 * stored, so that the sum is right whatever another process added since this one read.
 */
function addWeights(db: Db, rows: number) {
  const values = Array.from({ length: rows }, () => '(?, ?)').join(', ');
  return db.prepare<number[]>(`INSERT INTO junk_weight (slot, weight) VALUES ${values} ON CONFLICT (slot) DO UPDATE SET weight = weight + excluded.weight`);
}

/**
 * Runs `many` with UPSERT_ROWS rows of `width` values at a time, pushed one row after another,
 * and `one` for each row left over at `flush`.
 */
class RowBatch {
  readonly #many;
  readonly #one;
  readonly #width;
  readonly #values: number[];
  #filled = 0;

  constructor(many: { run(...values: number[]): unknown }, one: { run(...values: number[]): unknown }, width: number) {
    this.#many = many;
    this.#one = one;
    this.#width = width;
    this.#values = new Array<number>(width * UPSERT_ROWS);
  }

  push(...row: number[]): void {
    for (const value of row) this.#values[this.#filled++] = value;
    if (this.#filled === this.#values.length) {
      this.#many.run(...this.#values);
      this.#filled = 0;
    }
  }

  flush(): void {
    for (let at = 0; at < this.#filled; at += this.#width) this.#one.run(...this.#values.slice(at, at + this.#width));
    this.#filled = 0;
  }
}

const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * The Bayesian filter's word counts and training state in SQLite. It has the shape of
 * src/junk's WordCountStore (the store layer imports nothing of ours).
 *
 * A word is stored by its two 32-bit hashes (src/junk/word-hash.ts) as one 64-bit integer key,
 * never as text: a CountTable in memory knows words only by their hashes, and a batch of
 * training then moves integers, not strings (docs/junk.md section 2.2).
 */
export class SqliteWordCounts {
  readonly #db: Db;
  readonly #readWords;
  readonly #dumpFirst;
  readonly #dumpAfter;
  readonly #countWords;
  readonly #readTotals;
  readonly #readTrained;
  readonly #writeTotals;
  readonly #upsertWord;
  readonly #upsertWords;
  readonly #addWeights;
  readonly #deleteWord;
  readonly #markTrained;
  readonly #forgetTrained;
  readonly #readHeldOut;
  readonly #writeHeldOut;
  readonly #readWeights;
  readonly #countWeights;
  readonly #countLearned;
  readonly #addWeight;
  readonly #readStep;
  readonly #writeStep;
  readonly #dataVersion;

  /** `hashWord` converts the words of a database from before migration 15, on first use. */
  constructor(db: Db, hashWord: WordHasher) {
    this.#db = db;
    this.#readWords = db
      .prepare<[string], Buffer | null>(`SELECT unhex(group_concat(${QUAD}, '')) FROM junk_word WHERE key IN (SELECT ${KEY_OF_VALUE} FROM json_each(?))`)
      .pluck();
    // The first chunk in key order, and the next after a key, with the chunk's last key (as a
    // BigInt: a 64-bit key loses precision as a number).
    const chunk = (where: string) => `SELECT unhex(group_concat(${QUAD}, '')), max(key) FROM (SELECT key, ham, spam FROM junk_word ${where} ORDER BY key LIMIT ?)`;
    this.#dumpFirst = db.prepare<[number], [Buffer | null, bigint | null]>(chunk('')).raw().safeIntegers(true);
    this.#dumpAfter = db.prepare<[bigint, number], [Buffer | null, bigint | null]>(chunk('WHERE key > ?')).raw().safeIntegers(true);
    this.#countWords = db.prepare<[], number>('SELECT count(*) FROM junk_word').pluck();
    this.#readTotals = db.prepare<[], Counts>('SELECT ham, spam FROM junk_total WHERE id = 1');
    this.#readTrained = db.prepare<[string], { label: Label }>('SELECT label FROM junk_trained WHERE fingerprint = ?');
    this.#writeTotals = db.prepare<[number, number]>('UPDATE junk_total SET ham = ?, spam = ? WHERE id = 1');
    this.#upsertWord = upsert(db, 1);
    this.#upsertWords = upsert(db, UPSERT_ROWS);
    this.#deleteWord = db.prepare<[number, number]>('DELETE FROM junk_word WHERE key = (? << 32) | ?');
    this.#markTrained = db.prepare<[string, Label, number]>(
      'INSERT INTO junk_trained (fingerprint, label, trained_at) VALUES (?, ?, ?) ON CONFLICT (fingerprint) DO UPDATE SET label = excluded.label, trained_at = excluded.trained_at, held_out = NULL, step = NULL',
    );
    this.#readHeldOut = db
      .prepare<[number], number>(`SELECT held_out FROM junk_trained WHERE label = 'ham' AND held_out IS NOT NULL ORDER BY trained_at DESC LIMIT ?`)
      .pluck();
    this.#writeHeldOut = db.prepare<[number, string]>(`UPDATE junk_trained SET held_out = ? WHERE fingerprint = ? AND label = 'ham'`);
    this.#forgetTrained = db.prepare<[string]>('DELETE FROM junk_trained WHERE fingerprint = ?');
    this.#readWeights = db.prepare<[], [number, number]>('SELECT slot, weight FROM junk_weight').raw();
    this.#countWeights = db.prepare<[], number>('SELECT count(*) FROM junk_weight').pluck();
    this.#countLearned = db.prepare<[], number>('SELECT count(*) FROM junk_trained WHERE step IS NOT NULL').pluck();
    this.#readStep = db.prepare<[string], number | null>('SELECT step FROM junk_trained WHERE fingerprint = ?').pluck();
    this.#writeStep = db.prepare<[number | null, string]>('UPDATE junk_trained SET step = ? WHERE fingerprint = ?');
    this.#addWeight = addWeights(db, 1);
    this.#addWeights = addWeights(db, UPSERT_ROWS);
    this.#dataVersion = dataVersionReader(db);
    this.#convertTextWords(hashWord);
  }

  /**
   * Those of the words with these hashes (hashes[2i] and hashes[2i+1] of word i) that are
   * stored, as [hash1, hash2, ham, spam] per word, in chunks.
   */
  *readWords(hashes: Uint32Array): Generator<Uint32Array> {
    for (let start = 0; start < hashes.length; start += 2 * WRITE_CHUNK) {
      const found = this.#readWords.get(json(hashes.subarray(start, start + 2 * WRITE_CHUNK), 2));
      if (found) yield quads(found);
    }
  }

  /**
   * Every word as [hash1, hash2, ham, spam], in chunks of at most DUMP_CHUNK words, read as they
   * are iterated; undefined beyond `limit` words.
   */
  dumpWords(limit: number): { chunks: Iterable<Uint32Array>; words: number } | undefined {
    const words = this.#countWords.get()!;
    if (words > limit) return undefined;
    return { chunks: this.#chunks(), words };
  }

  *#chunks(): Generator<Uint32Array> {
    for (let [chunk, last] = this.#dumpFirst.get(DUMP_CHUNK)!; chunk !== null && last !== null; [chunk, last] = this.#dumpAfter.get(last, DUMP_CHUNK)!) {
      yield quads(chunk);
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

  /**
   * Call inside writeTransaction. `hashes[2i]`, `hashes[2i+1]` are word i's hashes,
   * `counts[2i]`, `counts[2i+1]` its new ham and spam counts; a word at 0/0 is deleted.
   */
  write(changes: {
    totals: Counts;
    hashes: Uint32Array;
    counts: Uint32Array;
    trained: Map<string, Label | null>;
    heldOut?: Map<string, number>;
    weights?: Iterable<{ slots: Uint32Array; deltas: Float64Array }>;
    steps?: Map<string, number | null>;
  }): void {
    const { hashes, counts } = changes;
    this.#writeTotals.run(changes.totals.ham, changes.totals.spam);
    // The words are distinct, so the order of upserts and deletes does not matter.
    const words = new RowBatch(this.#upsertWords, this.#upsertWord, 4);
    for (const at of keyOrder(hashes)) {
      const ham = counts[at]!;
      const spam = counts[at + 1]!;
      if (ham === 0 && spam === 0) this.#deleteWord.run(hashes[at]!, hashes[at + 1]!);
      else words.push(hashes[at]!, hashes[at + 1]!, ham, spam);
    }
    words.flush();
    const now = Date.now();
    for (const [fingerprint, label] of changes.trained) {
      if (label) this.#markTrained.run(fingerprint, label, now);
      else this.#forgetTrained.run(fingerprint);
    }
    for (const [fingerprint, score] of changes.heldOut ?? []) this.#writeHeldOut.run(score, fingerprint);
    // Each slot once per commit: one addition each, as memory makes it (src/junk/logistic.ts).
    const weights = new RowBatch(this.#addWeights, this.#addWeight, 2);
    for (const { slots, deltas } of changes.weights ?? []) for (let i = 0; i < slots.length; i++) weights.push(slots[i]!, deltas[i]!);
    weights.flush();
    for (const [fingerprint, step] of changes.steps ?? []) this.#writeStep.run(step, fingerprint);
  }

  /** The logistic learner's step for a trained message (src/junk/logistic.ts); undefined when it took none. */
  readStep(fingerprint: string): number | undefined {
    return this.#readStep.get(fingerprint) ?? undefined;
  }

  /** The logistic learner's weights (src/junk/logistic.ts), by slot. */
  readWeights(): { slots: Uint32Array; weights: Float64Array; messages: number } {
    // Counted first, so that a million weights are read into typed arrays, not arrays of
    // numbers; in one read transaction, so that the count is of the rows read.
    return this.#db.transaction(() => {
      const rows = this.#countWeights.get()!;
      const slots = new Uint32Array(rows);
      const weights = new Float64Array(rows);
      let i = 0;
      for (const [slot, weight] of this.#readWeights.iterate()) {
        slots[i] = slot;
        weights[i++] = weight;
      }
      return { slots, weights, messages: this.#countLearned.get()! };
    })();
  }

  /** The held-out scores of the latest `limit` messages trained as ham that have one. */
  readHeldOut(limit: number): number[] {
    return this.#readHeldOut.all(limit);
  }

  version(): number {
    return this.#dataVersion();
  }

  /** Messages and distinct words trained. */
  stats(): { ham: number; spam: number; words: number } {
    return { ...this.readTotals(), words: this.#countWords.get()! };
  }

  /** Forgets all training: the counts, the logistic learner's weights and which messages were trained. */
  clear(): void {
    this.#db.transaction(() => {
      this.#db.exec('DELETE FROM junk_word; DELETE FROM junk_trained; DELETE FROM junk_weight; UPDATE junk_total SET ham = 0, spam = 0;');
    }).immediate();
  }

  /**
   * Moves the words migration 15 set aside as text (junk_word_text) into junk_word by their
   * hashes, in one transaction: SQL cannot compute the hashes, so the migration could not. Two
   * words with the same hashes (a 1 in 2^64 chance per pair) share one row, their counts added,
   * as training would have counted them.
   */
  #convertTextWords(hashWord: WordHasher): void {
    const rows = 'SELECT word, ham, spam FROM junk_word_text';
    const first = this.#db.prepare<[number], [string, number, number]>(`${rows} ORDER BY word LIMIT ?`).raw();
    const next = this.#db.prepare<[string, number], [string, number, number]>(`${rows} WHERE word > ? ORDER BY word LIMIT ?`).raw();
    if (first.get(1) === undefined) return;
    const add = this.#db.prepare<[string]>(
      `INSERT INTO junk_word (key, ham, spam)
       SELECT ${KEY_OF_VALUE}, value ->> 2, value ->> 3 FROM json_each(?) WHERE true ORDER BY 1
       ON CONFLICT (key) DO UPDATE SET ham = ham + excluded.ham, spam = spam + excluded.spam`,
    );
    const hashes = new Uint32Array(2);
    this.writeTransaction(() => {
      // Another process may have converted them meanwhile: then there are none left to read.
      for (let chunk = first.all(WRITE_CHUNK); chunk.length > 0; chunk = next.all(chunk.at(-1)![0], WRITE_CHUNK)) {
        const values = chunk.map(([word, ham, spam]) => {
          hashWord(word, hashes, 0);
          return [hashes[0], hashes[1], ham, spam];
        });
        add.run(JSON.stringify(values));
      }
      this.#db.exec('DELETE FROM junk_word_text');
    });
  }
}

/**
 * Where each word's hashes begin in `hashes`, close to the order of their keys: by the key's top
 * 16 bits (a counting sort, linear). Words written in that order land on B-tree pages one after
 * another instead of at random, and a leaf page holds a few hundred keys, so finer order gains
 * nothing. The key is signed: hash1's top bit flipped orders it.
 */
function keyOrder(hashes: Uint32Array): Uint32Array {
  const words = hashes.length / 2;
  const starts = new Uint32Array(65536 + 1);
  for (let i = 0; i < words; i++) starts[((hashes[2 * i]! >>> 16) ^ 0x8000) + 1]!++;
  for (let b = 1; b <= 65536; b++) starts[b]! += starts[b - 1]!;
  const order = new Uint32Array(words);
  for (let i = 0; i < words; i++) order[starts[(hashes[2 * i]! >>> 16) ^ 0x8000]!++] = 2 * i;
  return order;
}

/** `values` as a JSON array of arrays of `width` numbers each. */
function json(values: Uint32Array, width: number): string {
  let out = '';
  for (let i = 0; i < values.length; i += width) out += `,[${values.subarray(i, i + width).join(',')}]`;
  return `[${out.slice(1)}]`;
}

/** A BLOB of QUADs as numbers. */
function quads(blob: Buffer): Uint32Array {
  if (LITTLE_ENDIAN) blob.swap32();
  // A Uint32Array must start at a multiple of 4 bytes; a Buffer from a pool may not.
  if (blob.byteOffset % 4 === 0) return new Uint32Array(blob.buffer, blob.byteOffset, blob.length / 4);
  return new Uint32Array(new Uint8Array(blob).buffer);
}
