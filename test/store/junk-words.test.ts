import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/database.ts';
import { SqliteWordCounts } from '../../src/store/junk-words.ts';
import { hashWord } from '../../src/junk/word-hash.ts';
import { seededRandom } from '../../src/engine/random.ts';

/** Every stored word as `hash1:hash2` → [ham, spam]. */
function dump(counts: SqliteWordCounts): Map<string, [number, number]> {
  const table = new Map<string, [number, number]>();
  for (const chunk of counts.dumpWords(Number.MAX_SAFE_INTEGER)!.chunks) {
    for (let at = 0; at < chunk.length; at += 4) table.set(`${chunk[at]}:${chunk[at + 1]}`, [chunk[at + 2]!, chunk[at + 3]!]);
  }
  return table;
}

/** `words` random words' hashes, the top bit of hash1 set in some (the key's sign). */
function randomHashes(words: number, seed: number): Uint32Array {
  const next = seededRandom(seed);
  return Uint32Array.from({ length: 2 * words }, () => Math.floor(next() * 2 ** 32));
}

describe('SqliteWordCounts.write', () => {
  let dir: string;
  let db: Db;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-words-'));
    db = openDatabase(join(dir, 'warden.db'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // Rows are upserted many to a statement and the rest one by one: a count that is no multiple
  // of the statement's rows, updates of stored words, and deletions among them must all land.
  it('writes, updates and deletes every word of a batch of any size', () => {
    const counts = new SqliteWordCounts(db, hashWord);
    const words = 64 * 3 + 5;
    const hashes = randomHashes(words, 7);
    const first = Uint32Array.from({ length: 2 * words }, (_, i) => (i % 2 === 0 ? i + 1 : 0));
    const write = (c: Uint32Array) => counts.writeTransaction(() => counts.write({ totals: { ham: 1, spam: 1 }, hashes, counts: c, trained: new Map() }));
    write(first);
    const expected = new Map<string, [number, number]>();
    for (let i = 0; i < words; i++) expected.set(`${hashes[2 * i]}:${hashes[2 * i + 1]}`, [first[2 * i]!, 0]);
    expect(dump(counts)).toEqual(expected);

    // Every third word deleted (0/0), the others given new counts.
    const second = Uint32Array.from({ length: 2 * words }, (_, i) => (Math.floor(i / 2) % 3 === 0 ? 0 : i + 2));
    write(second);
    expected.clear();
    for (let i = 0; i < words; i++) if (i % 3 !== 0) expected.set(`${hashes[2 * i]}:${hashes[2 * i + 1]}`, [second[2 * i]!, second[2 * i + 1]!]);
    expect(dump(counts)).toEqual(expected);
    expect(counts.stats().words).toBe(expected.size);
  });

  // Weights too are added many to a statement, the rest one by one, in chunks that may reuse their arrays.
  it("adds every weight of a batch of any size to the stored one, chunk after chunk", () => {
    const counts = new SqliteWordCounts(db, hashWord);
    const slots = 64 * 3 + 5;
    const next = seededRandom(3);
    const deltas = Float64Array.from({ length: slots }, () => next() - 0.5);
    /** The batch in chunks of 50 slots through one reused pair of arrays, slot i at 7i (not in order of the chunks). */
    function* chunks(scale: number): Generator<{ slots: Uint32Array; deltas: Float64Array }> {
      const s = new Uint32Array(50);
      const d = new Float64Array(50);
      for (let from = 0; from < slots; from += 50) {
        const n = Math.min(50, slots - from);
        for (let i = 0; i < n; i++) {
          s[i] = 7 * (slots - 1 - from - i);
          d[i] = scale * deltas[slots - 1 - from - i]!;
        }
        yield { slots: s.subarray(0, n), deltas: d.subarray(0, n) };
      }
    }
    const write = (scale: number) => counts.writeTransaction(() => counts.write({ totals: { ham: 1, spam: 1 }, hashes: new Uint32Array(0), counts: new Uint32Array(0), trained: new Map(), weights: chunks(scale) }));
    write(1);
    write(3);
    const stored = counts.readWeights();
    expect(stored.slots).toHaveLength(slots);
    const bySlot = new Map(Array.from(stored.slots, (slot, i) => [slot, stored.weights[i]!]));
    for (let i = 0; i < slots; i++) expect(bySlot.get(7 * i)).toBe(deltas[i]! + 3 * deltas[i]!);
  });
});
