import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseDamagedError, openDatabase, StoreError, type Db } from '../../src/store/database.ts';
import { SqliteWordCounts } from '../../src/store/junk-words.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/migrations.ts';
import { readSetting, writeSetting } from '../../src/store/settings.ts';
import { SyncState } from '../../src/store/sync.ts';
import { seededRandom } from '../../src/engine/random.ts';
import { hashWord } from '../../src/junk/word-hash.ts';

/** The tables of the junk filter: the first migration's, which every later schema keeps. */
const JUNK_TABLES = ['junk_total', 'junk_trained', 'junk_word', 'setting'];

/** Every table the migrations create, read from their SQL. */
const MIGRATED_TABLES = [...new Set(MIGRATIONS.flatMap((sql) => [...sql.matchAll(/CREATE (?:VIRTUAL )?TABLE\s+(\w+)/gi)].map((m) => m[1]!)))].sort();


function randomBytes(length: number, seed: number): Buffer {
  const next = seededRandom(seed);
  return Buffer.from(Array.from({ length }, () => Math.floor(next() * 256)));
}

/** The tables, without those SQLite makes for itself or behind a virtual table (FTS5's shadow tables). */
function tables(db: Db): string[] {
  return db
    .prepare<[], string>("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'virtual') AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all();
}

/** Opens a file with plain better-sqlite3, to look at or prepare it behind openDatabase's back. */
function raw(file: string): Db {
  return new Database(file);
}

/** A word's two hashes, as the store keys it. */
function hashesOf(...words: string[]): Uint32Array {
  const out = new Uint32Array(2 * words.length);
  words.forEach((word, i) => hashWord(word, out, 2 * i));
  return out;
}

/** Counts by `hash1:hash2`, the key words get from keyOf. */
type Stored = Map<string, [number, number]>;

function keyOf(word: string): string {
  const [h1, h2] = hashesOf(word);
  return `${h1}:${h2}`;
}

/** `words` keyed as the store gives them back. */
function byKey(words: Record<string, [number, number]>): Stored {
  return new Map(Object.entries(words).map(([w, c]) => [keyOf(w), c]));
}

/** [hash1, hash2, ham, spam] chunks as a map. */
function parseChunks(chunks: Iterable<Uint32Array>): Stored {
  const words: Stored = new Map();
  for (const chunk of chunks) for (let at = 0; at < chunk.length; at += 4) words.set(`${chunk[at]}:${chunk[at + 1]}`, [chunk[at + 2]!, chunk[at + 3]!]);
  return words;
}

function parseDump(dumped: { chunks: Iterable<Uint32Array> }): Stored {
  return parseChunks(dumped.chunks);
}

/** Writes these absolute counts (0/0 deletes) and training states in one transaction. */
function write(
  store: SqliteWordCounts,
  totals: { ham: number; spam: number },
  words: Record<string, [number, number]> | [string, number, number][],
  trained: Record<string, 'ham' | 'spam' | null> = {},
): void {
  const entries = Array.isArray(words) ? words : Object.entries(words).map(([w, [h, s]]) => [w, h, s] as [string, number, number]);
  const counts = new Uint32Array(2 * entries.length);
  entries.forEach(([, ham, spam], i) => {
    counts[2 * i] = ham;
    counts[2 * i + 1] = spam;
  });
  const hashes = hashesOf(...entries.map(([w]) => w));
  store.writeTransaction(() => store.write({ totals, hashes, counts, trained: new Map(Object.entries(trained)) }));
}

describe('openDatabase', () => {
  let dir: string;
  const open: Db[] = [];
  /** openDatabase, closed after the test. */
  const track = (db: Db): Db => {
    open.push(db);
    return db;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-db-'));
  });

  afterEach(() => {
    for (const db of open.splice(0)) if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a fresh file, with its folder, and applies every migration', () => {
    const file = join(dir, 'nested', 'deeper', 'warden.db');
    const db = track(openDatabase(file));
    expect(existsSync(file)).toBe(true);
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(tables(db)).toEqual(expect.arrayContaining(JUNK_TABLES));
    expect(tables(db)).toEqual(MIGRATED_TABLES);
    expect(db.prepare('SELECT id, ham, spam FROM junk_total').all()).toEqual([{ id: 1, ham: 0, spam: 0 }]);
    expect(db.prepare('SELECT count(*) AS n FROM junk_word').get()).toEqual({ n: 0 });
  });

  it('uses write-ahead logging and the documented connection settings', () => {
    const file = join(dir, 'warden.db');
    const db = track(openDatabase(file));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    writeSetting(db, 'probe', 1);
    expect(existsSync(`${file}-wal`)).toBe(true);
    db.close();
    // WAL is a property of the file: a plain connection sees it too.
    const plain = track(raw(file));
    expect(plain.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('keeps the data on reopening and does not run the migrations again', () => {
    const file = join(dir, 'warden.db');
    const first = openDatabase(file);
    writeSetting(first, 'kept', { a: 1 });
    first.prepare('UPDATE junk_total SET ham = 3, spam = 4 WHERE id = 1').run();
    first.prepare('INSERT INTO junk_word (key, ham, spam) VALUES (-12345678901234, 2, 5)').run();
    first.close();

    // Had the first migration run again, its CREATE TABLE would fail and its INSERT reset the totals.
    for (let i = 0; i < 2; i++) {
      const db = openDatabase(file);
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(readSetting(db, 'kept')).toEqual({ a: 1 });
      expect(db.prepare('SELECT ham, spam FROM junk_total').get()).toEqual({ ham: 3, spam: 4 });
      expect(db.prepare('SELECT key, ham, spam FROM junk_word').all()).toEqual([{ key: -12345678901234, ham: 2, spam: 5 }]);
      expect(tables(db)).toEqual(MIGRATED_TABLES);
      db.close();
    }
  });

  it('migration 13 keeps the journal of moves (pending and done) and lets it hold keywords', () => {
    const file = join(dir, 'v11.db');
    const old = raw(file);
    for (let v = 0; v < 11; v++) old.exec(MIGRATIONS[v]!);
    old.pragma('user_version = 11');
    // Account 1 is the one the first schema makes.
    const add = old.prepare("INSERT INTO journal (account_id, action, mailbox, uidvalidity, uid, fingerprint, target, created_at, done_at) VALUES (1, 'move', 'INBOX', 7, ?, ?, 'Rejects', 0, ?)");
    add.run(1, 'f1', 5);
    add.run(2, 'f2', null);
    expect(() => old.prepare("INSERT INTO journal (account_id, action, mailbox, uidvalidity, uid, fingerprint, target, created_at) VALUES (1, 'keyword', 'INBOX', 7, 3, 'f3', '$Unsure', 0)").run()).toThrow(/CHECK/);
    old.close();

    const db = track(openDatabase(file));
    const sync = new SyncState(db, 1);
    expect(sync.pending()).toEqual([{ id: 2, action: 'move', mailbox: 'INBOX', uidValidity: 7, uid: 2, fingerprint: 'f2', target: 'Rejects', claimed: true }]);
    expect(sync.moved('f1')).toBe(true);
    const marked = sync.journalKeyword({ mailbox: 'INBOX', uidValidity: 7, uid: 3, fingerprint: 'f3', target: '$Unsure' }, 0);
    // Not marked until done; a keyword is not a move.
    expect(sync.keywordsSet('INBOX', 7, [1, 2, 3])).toEqual(new Map());
    sync.done(marked, 1);
    expect(sync.keywordsSet('INBOX', 7, [1, 2, 3])).toEqual(new Map([[3, '$Unsure']]));
    expect(sync.keywordsSet('INBOX', 8, [3])).toEqual(new Map());
    expect(sync.moved('f3')).toBe(false);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'journal' ORDER BY name").pluck().all()).toEqual([
      'journal_fingerprint',
      'journal_keyword',
      'journal_pending',
    ]);
  });

  it('brings a database of every earlier schema version up to date, keeping its data', () => {
    for (let version = 1; version < SCHEMA_VERSION; version++) {
      const file = join(dir, `v${version}.db`);
      const old = raw(file);
      for (let v = 0; v < version; v++) old.exec(MIGRATIONS[v]!);
      old.pragma(`user_version = ${version}`);
      // Before migration 15 words are stored by their text, from it by their hashes.
      const [h1, h2] = hashesOf('old');
      if (version < 15) old.prepare("INSERT INTO junk_word (word, ham, spam) VALUES ('old', 1, 2)").run();
      else old.prepare('INSERT INTO junk_word (key, ham, spam) VALUES ((? << 32) | ?, 1, 2)').run(h1!, h2!);
      old.close();

      const db = track(openDatabase(file));
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(tables(db)).toEqual(MIGRATED_TABLES);
      // The word store moves the words migration 15 set aside into junk_word, by their hashes.
      const setAside = version < 15 ? [{ word: 'old', ham: 1, spam: 2 }] : [];
      expect(db.prepare('SELECT word, ham, spam FROM junk_word_text').all()).toEqual(setAside);
      const store = new SqliteWordCounts(db, hashWord);
      expect(parseChunks(store.readWords(hashesOf('old')))).toEqual(byKey({ old: [1, 2] }));
      expect(store.stats().words).toBe(1);
      expect(db.prepare('SELECT count(*) FROM junk_word_text').pluck().get()).toBe(0);
    }
  });

  it('migration 15 keys the words of a trained database by their hashes, keeping every count, once', () => {
    const file = join(dir, 'v14.db');
    const old = raw(file);
    for (let v = 0; v < 14; v++) old.exec(MIGRATIONS[v]!);
    old.pragma('user_version = 14');
    old.prepare('UPDATE junk_total SET ham = 7, spam = 9').run();
    // More words than one statement converts (20 000), of every kind the tokenizer makes.
    // The empty word sorts first (no tokenizer makes it, but no stored row is skipped).
    const words: Record<string, [number, number]> = { '': [1, 1], 'Subject:free money': [0, 17], café: [123_456, 7_890_123], 日本語: [1, 2], max: [4_294_967_295, 1] };
    for (let i = 0; i < 45_001; i++) words[`w${i} x`] = [i % 5, (i * 3) % 7 || 1];
    const insert = old.prepare('INSERT INTO junk_word (word, ham, spam) VALUES (?, ?, ?)');
    old.transaction(() => {
      for (const [word, [ham, spam]] of Object.entries(words)) insert.run(word, ham, spam);
    })();
    old.close();

    const db = track(openDatabase(file));
    const store = new SqliteWordCounts(db, hashWord);
    expect(parseDump(store.dumpWords(100_000)!)).toEqual(byKey(words));
    expect(store.stats()).toEqual({ ham: 7, spam: 9, words: Object.keys(words).length });
    // Another connection opening the store finds nothing left to convert: nothing counted twice.
    const again = new SqliteWordCounts(track(openDatabase(file)), hashWord);
    expect(parseDump(again.dumpWords(100_000)!)).toEqual(byKey(words));
  });

  it('migration 15 adds the counts of two stored words that share both hashes', () => {
    const file = join(dir, 'v14.db');
    const old = raw(file);
    for (let v = 0; v < 14; v++) old.exec(MIGRATIONS[v]!);
    old.pragma('user_version = 14');
    old.exec("INSERT INTO junk_word (word, ham, spam) VALUES ('one', 1, 2), ('two', 10, 20), ('three', 5, 0)");
    old.close();
    // A 1 in 2^64 chance per pair with the real hashes: a hasher that makes one and two collide.
    const collide: typeof hashWord = (word, out, at) => hashWord(word === 'two' ? 'one' : word, out, at);
    const store = new SqliteWordCounts(track(openDatabase(file)), collide);
    expect(parseDump(store.dumpWords(10)!)).toEqual(byKey({ one: [11, 22], three: [5, 0] }));
  });

  it("migration 17 keeps the training and its held-out scores, and starts the logistic learner's weights empty, learned from no message", () => {
    const file = join(dir, 'v16.db');
    const old = raw(file);
    for (let v = 0; v < 16; v++) old.exec(MIGRATIONS[v]!);
    old.pragma('user_version = 16');
    old.exec(`INSERT INTO junk_trained (fingerprint, label, trained_at, held_out) VALUES ('a', 'ham', 1, 0.42), ('b', 'spam', 2, NULL)`);
    old.close();

    const db = track(openDatabase(file));
    expect(db.prepare('SELECT fingerprint, label, held_out, step FROM junk_trained ORDER BY fingerprint').all()).toEqual([
      { fingerprint: 'a', label: 'ham', held_out: 0.42, step: null },
      { fingerprint: 'b', label: 'spam', held_out: null, step: null },
    ]);
    const store = new SqliteWordCounts(db, hashWord);
    expect(store.readHeldOut(10)).toEqual([0.42]);
    expect(store.readWeights()).toEqual({ slots: new Uint32Array(0), weights: new Float64Array(0), messages: 0 });
    expect(store.readStep('a')).toBeUndefined();
    // Weights are added to what is stored, steps kept per trained message.
    const weights = [{ slots: Uint32Array.of(3), deltas: Float64Array.of(0.25) }, { slots: Uint32Array.of(9), deltas: Float64Array.of(-1.5) }];
    store.writeTransaction(() => store.write({ totals: { ham: 1, spam: 1 }, hashes: new Uint32Array(0), counts: new Uint32Array(0), trained: new Map(), weights, steps: new Map([['a', 0.25]]) }));
    store.writeTransaction(() => store.write({ totals: { ham: 1, spam: 1 }, hashes: new Uint32Array(0), counts: new Uint32Array(0), trained: new Map(), weights }));
    // Learned from one trained message: the one with a step.
    expect(store.readWeights()).toEqual({ slots: Uint32Array.of(3, 9), weights: Float64Array.of(0.5, -3), messages: 1 });
    expect(store.readStep('a')).toBe(0.25);
    store.clear();
    expect(store.readWeights().slots).toHaveLength(0);
  });

  it('refuses a database written by a newer Warden, and leaves it as it was', () => {
    const file = join(dir, 'warden.db');
    const newer = raw(file);
    newer.exec('CREATE TABLE future (x)');
    newer.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    newer.close();

    let error: unknown;
    try {
      openDatabase(file);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StoreError);
    const message = (error as Error).message;
    expect(message).toContain(file);
    expect(message).toContain('was written by a newer version of Warden');
    expect(message).toContain(`schema ${SCHEMA_VERSION + 1}; this version knows up to ${SCHEMA_VERSION}`);
    expect(message).toMatch(/Upgrade Warden, or choose another --data-dir/);

    const after = track(raw(file));
    expect(after.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    expect(tables(after)).toEqual(['future']);
  });

  it.each([
    ['text', Buffer.from('This is not a database, just some notes.\n'.repeat(100))],
    ['a few bytes', Buffer.from('hi')],
    ['random bytes', randomBytes(16 * 1024, 42)],
    ['an SQLite header over garbage', Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), randomBytes(8192, 7)])],
  ])('refuses a file holding %s as damaged, saying how to start afresh, and leaves it byte for byte unchanged', (_name, content) => {
    const file = join(dir, 'warden.db');
    writeFileSync(file, content);
    expect(() => openDatabase(file)).toThrow(StoreError);
    try {
      openDatabase(file);
    } catch (err) {
      expect(err).toBeInstanceOf(DatabaseDamagedError);
      expect((err as Error).message).toBe(
        `the database ${file} is damaged or not a Warden database (file is not a database). Warden stopped rather than decide from a damaged history. ` +
          `There is no backup in ${join(dir, 'backups')}: to start afresh, forgetting what Warden learned, move ${file} away, or choose another --data-dir.`,
      );
    }
    expect(readFileSync(file).equals(content)).toBe(true);
    // No write-ahead log or shared-memory file left beside it.
    expect(readdirSync(dir)).toEqual(['warden.db']);
  });

  it('refuses a path that is a folder with a StoreError', () => {
    const folder = join(dir, 'warden.db');
    mkdirSync(folder);
    expect(() => openDatabase(folder)).toThrow(StoreError);
    expect(() => openDatabase(folder)).toThrow(/cannot open the database .*warden\.db/);
  });

  it('applies migrations in one transaction: a failing step leaves the database untouched', () => {
    // Another program's database that happens to have a table of the same name.
    const file = join(dir, 'other.db');
    const other = raw(file);
    other.exec("CREATE TABLE junk_word (x TEXT); INSERT INTO junk_word VALUES ('theirs')");
    other.close();

    expect(() => openDatabase(file)).toThrow(StoreError);
    expect(() => openDatabase(file)).toThrow(/cannot open the database .*table junk_word already exists/);
    const after = track(raw(file));
    expect(after.pragma('user_version', { simple: true })).toBe(0);
    expect(tables(after)).toEqual(['junk_word']);
    expect(after.prepare('SELECT x FROM junk_word').all()).toEqual([{ x: 'theirs' }]);
  });

  // migrate() must read user_version again under the write lock: a second process opening a
  // fresh database while the first is migrating it would otherwise run the migrations again
  // ("table setting already exists"). The child process migrates as openDatabase does, holding
  // the lock a little longer.
  it('opens a fresh database that another process is migrating at that moment', async () => {
    const file = join(dir, 'warden.db');
    const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
    const script = `
      const Database = require(${JSON.stringify(sqlite)});
      const db = new Database(process.argv[1]);
      db.pragma('journal_mode = WAL');
      db.exec('BEGIN IMMEDIATE');
      process.stdout.write('locked\\n');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
      for (const sql of ${JSON.stringify(MIGRATIONS)}) db.exec(sql);
      db.pragma('user_version = ${SCHEMA_VERSION}');
      db.exec('COMMIT');
      db.close();
    `;
    const child = spawn(process.execPath, ['-e', script, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`the migrating process exited early (${code})`)));
    });
    try {
      // Waits (busy_timeout) for the other process's migration, then must see it done.
      const db = track(openDatabase(file));
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    } finally {
      expect(await exited).toBe(0);
    }
  });
});

describe('settings', () => {
  let dir: string;
  let db: Db;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-settings-'));
    db = openDatabase(join(dir, 'warden.db'));
  });

  afterEach(() => {
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads undefined for a setting never written', () => {
    expect(readSetting(db, 'missing')).toBeUndefined();
  });

  it('round-trips JSON values, across reopening', () => {
    const values: Record<string, unknown> = {
      object: { threshold: 0.95, classifier: 'fisher', nested: { list: [1, 'two', null, false] } },
      number: 0.0178,
      zero: 0,
      string: 'Grüße, "quoted" \\ back\tslash\nnewline \u{1F600}',
      empty: '',
      boolean: false,
      null: null,
      array: [],
    };
    for (const [key, value] of Object.entries(values)) writeSetting(db, key, value);
    for (const [key, value] of Object.entries(values)) expect(readSetting(db, key)).toEqual(value);
    db.close();
    db = openDatabase(join(dir, 'warden.db'));
    for (const [key, value] of Object.entries(values)) expect(readSetting(db, key)).toEqual(value);
    // A stored null is a value, not a missing setting.
    expect(readSetting(db, 'null')).toBeNull();
  });

  it('overwrites a setting and leaves the others alone', () => {
    writeSetting(db, 'a', { v: 1 });
    writeSetting(db, 'b', 'bee');
    writeSetting(db, 'a', [2]);
    expect(readSetting(db, 'a')).toEqual([2]);
    expect(readSetting(db, 'b')).toBe('bee');
    expect(db.prepare('SELECT count(*) AS n FROM setting').get()).toEqual({ n: 2 });
  });
});

describe('SqliteWordCounts', () => {
  let dir: string;
  let file: string;
  let db: Db;
  let store: SqliteWordCounts;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-words-'));
    file = join(dir, 'warden.db');
    db = openDatabase(file);
    store = new SqliteWordCounts(db, hashWord);
  });

  afterEach(() => {
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Those of `words` that are stored, by readWords. */
  function readAll(words: string[]): Stored {
    return parseChunks(store.readWords(hashesOf(...words)));
  }

  it('is empty when new', () => {
    expect(store.readTotals()).toEqual({ ham: 0, spam: 0 });
    expect(store.stats()).toEqual({ ham: 0, spam: 0, words: 0 });
    expect(store.dumpWords(1000)!.words).toBe(0);
    expect([...store.dumpWords(1000)!.chunks]).toEqual([]);
    expect(store.readTrained('0'.repeat(64))).toBeUndefined();
    expect(readAll(['anything'])).toEqual(new Map());
  });

  it('round-trips words of every kind the tokenizer makes, with large counts, through dump and readWords', () => {
    const words: Record<string, [number, number]> = {
      alpha: [1, 0],
      'Subject:free money': [0, 17],
      'From:straße müller': [3, 3],
      café: [123_456, 7_890_123],
      日本語: [1, 2],
      'emoji \u{1F600} pair': [2, 1],
      "don't": [5, 0],
      // Digit-only words (years, amounts) must stay text: '007' is not 7.
      '2024': [9, 9],
      '007': [1, 1],
      '0': [0, 1],
      '1e5': [4, 0],
      // Nothing the tokenizer makes, but JSON carries words: these must not confuse it.
      '["json", 1]': [1, 0],
      'quote " and \\ backslash': [0, 2],
      max: [4_294_967_295, 70_000],
    };
    words['x'.repeat(32_768)] = [6, 7];
    write(store, { ham: 11, spam: 22 }, words);

    const dumped = store.dumpWords(1_000_000)!;
    expect(dumped.words).toBe(Object.keys(words).length);
    expect(parseDump(dumped)).toEqual(byKey(words));
    expect(readAll([...Object.keys(words), 'absent', '7', '2024.0'])).toEqual(byKey(words));
    expect(store.readTotals()).toEqual({ ham: 11, spam: 22 });
    expect(store.stats()).toEqual({ ham: 11, spam: 22, words: Object.keys(words).length });

    // The same from another connection, after closing this one.
    db.close();
    db = openDatabase(file);
    store = new SqliteWordCounts(db, hashWord);
    expect(parseDump(store.dumpWords(1_000_000)!)).toEqual(byKey(words));
  });

  it('keeps every pair of hashes apart, at the edges of the signed 64-bit key, and stores no word text', () => {
    // hash1 << 32 | hash2 as a signed integer: hash1 with its top bit set makes a negative key.
    const pairs = [
      [0, 1],
      [1, 0],
      [0x7fffffff, 0xffffffff],
      [0x80000000, 0],
      [0x80000000, 1],
      [0xffffffff, 0xffffffff],
      [0xffffffff, 0xfffffffe],
      [0xfffffffe, 0xffffffff],
    ];
    const hashes = new Uint32Array(pairs.flat());
    const counts = new Uint32Array(pairs.flatMap((_, i) => [i + 1, 100 + i]));
    store.writeTransaction(() => store.write({ totals: { ham: 1, spam: 1 }, hashes, counts, trained: new Map() }));
    const expected = new Map(pairs.map(([h1, h2], i) => [`${h1}:${h2}`, [i + 1, 100 + i]]));
    expect(parseDump(store.dumpWords(10)!)).toEqual(expected);
    expect(parseChunks(store.readWords(hashes))).toEqual(expected);
    // Chunks are split by key order: the negative keys come first, and none is read twice.
    expect([...store.dumpWords(10)!.chunks].reduce((n, c) => n + c.length / 4, 0)).toBe(pairs.length);
    expect(db.prepare('SELECT DISTINCT typeof(key) FROM junk_word').pluck().all()).toEqual(['integer']);
    expect(db.prepare("SELECT name FROM pragma_table_info('junk_word') ORDER BY cid").pluck().all()).toEqual(['key', 'ham', 'spam']);
  });

  it('sets counts absolutely, deletes words written at 0/0, and leaves words not written alone', () => {
    write(store, { ham: 2, spam: 2 }, { a: [1, 1], b: [2, 0], c: [0, 2] });
    write(store, { ham: 3, spam: 2 }, { a: [3, 0], b: [0, 0], never: [0, 0] });
    expect(parseDump(store.dumpWords(100)!)).toEqual(byKey({ a: [3, 0], c: [0, 2] }));
    expect(store.stats()).toEqual({ ham: 3, spam: 2, words: 2 });
  });

  it('writes more words than one statement takes (20 000 a chunk)', () => {
    const entries: [string, number, number][] = Array.from({ length: 45_001 }, (_, i) => [`w${i}`, i % 5, (i * 3) % 7]);
    write(store, { ham: 5, spam: 7 }, entries);
    const expected = new Map(entries.filter(([, h, s]) => h !== 0 || s !== 0).map(([w, h, s]) => [keyOf(w), [h, s] as [number, number]]));
    expect(parseDump(store.dumpWords(100_000)!)).toEqual(expected);
    // Read in chunks of 20 000 words, in key order, none twice or left out.
    const chunks = [...store.dumpWords(100_000)!.chunks];
    expect(chunks.map((c) => c.length / 4)).toEqual([20_000, 20_000, expected.size - 40_000]);
    const keys = chunks.flatMap((c) => Array.from({ length: c.length / 4 }, (_, i) => BigInt.asIntN(64, (BigInt(c[4 * i]!) << 32n) | BigInt(c[4 * i + 1]!))));
    expect(keys).toEqual([...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Set(keys).size).toBe(expected.size);
    // More words than one lookup statement takes, by readWords.
    expect(readAll(entries.map(([w]) => w))).toEqual(expected);
    // Deleting and keeping in one big write.
    write(
      store,
      { ham: 1, spam: 1 },
      entries.map(([w], i) => [w, i % 2 === 0 ? 1 : 0, 0]),
    );
    expect(store.stats().words).toBe(22_501);
  });

  it('gives no dump beyond the limit', () => {
    write(store, { ham: 1, spam: 0 }, { a: [1, 0], b: [1, 0], c: [1, 0] });
    expect(store.dumpWords(2)).toBeUndefined();
    expect(store.dumpWords(3)?.words).toBe(3);
  });

  it('records, changes and forgets which messages are trained', () => {
    const [m1, m2] = ['a'.repeat(64), 'b'.repeat(64)];
    write(store, { ham: 1, spam: 1 }, {}, { [m1]: 'ham', [m2]: 'spam' });
    expect(store.readTrained(m1)).toBe('ham');
    expect(store.readTrained(m2)).toBe('spam');
    write(store, { ham: 0, spam: 1 }, {}, { [m1]: null, [m2]: 'ham' });
    expect(store.readTrained(m1)).toBeUndefined();
    expect(store.readTrained(m2)).toBe('ham');
  });

  it('rolls a write transaction back when it throws', () => {
    write(store, { ham: 1, spam: 0 }, { kept: [1, 0] }, { m: 'ham' });
    const failure = new Error('boom');
    expect(() =>
      store.writeTransaction(() => {
        store.write({ totals: { ham: 9, spam: 9 }, hashes: hashesOf('kept', 'new'), counts: new Uint32Array([9, 9, 9, 9]), trained: new Map([['m', null]]) });
        throw failure;
      }),
    ).toThrow(failure);
    expect(store.readTotals()).toEqual({ ham: 1, spam: 0 });
    expect(parseDump(store.dumpWords(10)!)).toEqual(byKey({ kept: [1, 0] }));
    expect(store.readTrained('m')).toBe('ham');
  });

  it('refuses negative counts (the CHECK constraints) by failing the write, not storing them', () => {
    // The filter never writes a negative total; the schema guards it anyway.
    expect(() => store.writeTransaction(() => store.write({ totals: { ham: -1, spam: 0 }, hashes: new Uint32Array(0), counts: new Uint32Array(0), trained: new Map() }))).toThrow(
      /CHECK constraint failed/,
    );
    expect(store.readTotals()).toEqual({ ham: 0, spam: 0 });
  });

  it('clears all counts and training state', () => {
    write(store, { ham: 4, spam: 5 }, { a: [1, 2], b: [3, 4] }, { m: 'spam' });
    store.clear();
    expect(store.stats()).toEqual({ ham: 0, spam: 0, words: 0 });
    expect(store.dumpWords(10)!.words).toBe(0);
    expect([...store.dumpWords(10)!.chunks]).toEqual([]);
    expect(store.readTrained('m')).toBeUndefined();
  });

  it("changes version when another connection commits, never for this connection's own commits", () => {
    const otherDb = openDatabase(file);
    try {
      const other = new SqliteWordCounts(otherDb, hashWord);
      const mine = store.version();
      const theirs = other.version();
      write(store, { ham: 1, spam: 0 }, { a: [1, 0] });
      expect(store.version()).toBe(mine);
      expect(other.version()).not.toBe(theirs);
      const theirsAfter = other.version();
      write(other, { ham: 2, spam: 0 }, { a: [2, 0] });
      expect(other.version()).toBe(theirsAfter);
      expect(store.version()).not.toBe(mine);
      // And each sees the other's data.
      expect(readAll(['a'])).toEqual(byKey({ a: [2, 0] }));
    } finally {
      otherDb.close();
    }
  });
});
