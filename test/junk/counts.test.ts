import { describe, expect, it } from 'vitest';
import { CountTable, type Counts } from '../../src/junk/counts.ts';
import { hashWord } from '../../src/junk/word-hash.ts';

function hashes(...words: string[]): Uint32Array {
  const out = new Uint32Array(2 * words.length);
  words.forEach((word, i) => hashWord(word, out, 2 * i));
  return out;
}

/** The counts of a word, or undefined when the table says it has none. */
function countsOf(table: CountTable, word: string): Counts | undefined {
  const into: Counts = { ham: -1, spam: -1 };
  return table.read(hashes(word), 0, into) ? into : undefined;
}

function setWord(table: CountTable, word: string, ham: number, spam: number): void {
  table.set(hashes(word), 0, ham, spam);
}

/** A dump as the store gives it: [hash1, hash2, ham, spam] per word. */
function dump(words: [string, number, number][]): Uint32Array {
  const out = new Uint32Array(4 * words.length);
  words.forEach(([word, ham, spam], i) => {
    out.set(hashes(word), 4 * i);
    out[4 * i + 2] = ham;
    out[4 * i + 3] = spam;
  });
  return out;
}

describe('CountTable', () => {
  it('is empty when new', () => {
    const table = new CountTable();
    expect(table.size).toBe(0);
    expect(countsOf(table, 'anything')).toBeUndefined();
    expect(table.has(hashes('anything'), 0)).toBe(false);
  });

  it('sets and reads counts by word and by hashes', () => {
    const table = new CountTable();
    setWord(table, 'viagra', 1, 10);
    setWord(table, 'Subject:free money', 7, 0);
    expect(countsOf(table, 'viagra')).toEqual({ ham: 1, spam: 10 });
    expect(countsOf(table, 'Subject:free money')).toEqual({ ham: 7, spam: 0 });
    expect(countsOf(table, 'Viagra')).toBeUndefined();

    // Words addressed at an offset into a shared array of hashes.
    const h = hashes('other', 'viagra', 'meeting');
    const into: Counts = { ham: 0, spam: 0 };
    expect(table.read(h, 2, into)).toBe(true);
    expect(into).toEqual({ ham: 1, spam: 10 });
    expect(table.read(h, 4, into)).toBe(false);
    table.set(h, 4, 30, 2);
    expect(countsOf(table, 'meeting')).toEqual({ ham: 30, spam: 2 });
    expect(table.size).toBe(3);
  });

  it('overwrites the counts of a word it has, without growing', () => {
    const table = new CountTable();
    setWord(table, 'word', 1, 2);
    setWord(table, 'word', 5, 6);
    expect(countsOf(table, 'word')).toEqual({ ham: 5, spam: 6 });
    expect(table.size).toBe(1);
  });

  it('holds a word at 0/0 as known but absent', () => {
    const table = new CountTable();
    setWord(table, 'zero', 0, 0);
    expect(table.has(hashes('zero'), 0)).toBe(true);
    expect(countsOf(table, 'zero')).toBeUndefined();
    expect(table.size).toBe(1);

    setWord(table, 'gone', 3, 1);
    setWord(table, 'gone', 0, 0);
    expect(countsOf(table, 'gone')).toBeUndefined();
    expect(table.has(hashes('gone'), 0)).toBe(true);
    expect(table.size).toBe(2);
  });

  it('reads a word with only ham or only spam as present', () => {
    const table = new CountTable();
    setWord(table, 'hamonly', 4, 0);
    setWord(table, 'spamonly', 0, 4);
    expect(countsOf(table, 'hamonly')).toEqual({ ham: 4, spam: 0 });
    expect(countsOf(table, 'spamonly')).toEqual({ ham: 0, spam: 4 });
  });

  it('adds to one label, creating the word, and never goes below zero', () => {
    const table = new CountTable();
    const h = hashes('word');
    table.add(h, 0, 'spam', 3);
    expect(countsOf(table, 'word')).toEqual({ ham: 0, spam: 3 });
    table.add(h, 0, 'ham', 2);
    table.add(h, 0, 'spam', -1);
    expect(countsOf(table, 'word')).toEqual({ ham: 2, spam: 2 });
    table.add(h, 0, 'ham', -5);
    expect(countsOf(table, 'word')).toEqual({ ham: 0, spam: 2 });
    table.add(h, 0, 'spam', -2);
    expect(countsOf(table, 'word')).toBeUndefined();
    expect(table.has(h, 0)).toBe(true);
    table.add(h, 0, 'spam', -1);
    expect(table.has(h, 0)).toBe(true);
    expect(countsOf(table, 'word')).toBeUndefined();
    table.add(h, 0, 'spam', 1);
    expect(countsOf(table, 'word')).toEqual({ ham: 0, spam: 1 });
    expect(table.size).toBe(1);

    // Removing from a word the table does not have leaves it at 0/0, not negative or wrapped.
    const fresh = hashes('fresh');
    table.add(fresh, 0, 'ham', -1);
    expect(table.has(fresh, 0)).toBe(true);
    expect(countsOf(table, 'fresh')).toBeUndefined();
  });

  it('holds counts beyond 16 bits', () => {
    const table = new CountTable();
    setWord(table, 'big', 70_000, 4_000_000_000);
    expect(countsOf(table, 'big')).toEqual({ ham: 70_000, spam: 4_000_000_000 });
  });

  it('keeps every entry while growing to 100 000 words', () => {
    const table = new CountTable();
    const n = 100_000;
    for (let i = 0; i < n; i++) setWord(table, `word${i}`, i, (i * 7) % 1000);
    expect(table.size).toBe(n);
    const into: Counts = { ham: 0, spam: 0 };
    const h = new Uint32Array(2);
    let wrong = 0;
    for (let i = 0; i < n; i++) {
      hashWord(`word${i}`, h, 0);
      const found = table.read(h, 0, into);
      // word0 is stored at 0/0.
      if (found !== (i !== 0) || (found && (into.ham !== i || into.spam !== (i * 7) % 1000))) wrong++;
      if (!table.has(h, 0)) wrong++;
    }
    expect(wrong).toBe(0);
    let phantom = 0;
    for (let i = 0; i < 10_000; i++) {
      hashWord(`missing${i}`, h, 0);
      if (table.has(h, 0)) phantom++;
    }
    expect(phantom).toBe(0);
  });

  it('keeps colliding keys apart, across growth and wrapping around the end', () => {
    const table = new CountTable();
    const keys: [number, number][] = [];
    // Same first hash with different second hashes; first hashes equal modulo any table size;
    // first hashes at the very end of the table, so probing wraps; zero in either half.
    for (let i = 1; i <= 50; i++) keys.push([12345, i]);
    for (let i = 0; i < 50; i++) keys.push([(777 + i * 1024 * 1024) >>> 0, 99]);
    for (let i = 1; i <= 50; i++) keys.push([0xffffffff, i]);
    keys.push([0, 5], [6, 0]);
    const h = new Uint32Array(2);
    const put = (i: number) => {
      h[0] = keys[i]![0];
      h[1] = keys[i]![1];
      table.set(h, 0, i + 1, 2 * i + 1);
    };
    const check = () => {
      const into: Counts = { ham: 0, spam: 0 };
      let wrong = 0;
      keys.forEach(([a, b], i) => {
        h[0] = a;
        h[1] = b;
        if (!table.read(h, 0, into) || into.ham !== i + 1 || into.spam !== 2 * i + 1) wrong++;
      });
      return wrong;
    };
    keys.forEach((_, i) => put(i));
    expect(table.size).toBe(keys.length);
    expect(check()).toBe(0);
    // Grow the table well past its initial 1024 slots, then look again.
    for (let i = 0; i < 5000; i++) setWord(table, `filler${i}`, 1, 1);
    expect(check()).toBe(0);
    expect(table.size).toBe(keys.length + 5000);
    h[0] = 12345;
    h[1] = 51;
    expect(table.has(h, 0)).toBe(false);
  });

  describe('load', () => {
    it('sets the counts of every word of a dump', () => {
      const table = new CountTable();
      table.load(
        dump([
          ['alpha', 3, 4],
          ['Subject:free money', 0, 17],
          ['café', 123456, 7890123],
          ['日本語 \u{1F600}', 1, 0],
          ["don't", 0, 0],
          ['z', 0, 1],
        ]),
        6,
      );
      expect(table.size).toBe(6);
      expect(countsOf(table, 'alpha')).toEqual({ ham: 3, spam: 4 });
      expect(countsOf(table, 'Subject:free money')).toEqual({ ham: 0, spam: 17 });
      expect(countsOf(table, 'café')).toEqual({ ham: 123456, spam: 7890123 });
      expect(countsOf(table, '日本語 \u{1F600}')).toEqual({ ham: 1, spam: 0 });
      expect(countsOf(table, "don't")).toBeUndefined();
      expect(table.has(hashes("don't"), 0)).toBe(true);
      expect(countsOf(table, 'z')).toEqual({ ham: 0, spam: 1 });
      expect(countsOf(table, 'alph')).toBeUndefined();
    });

    it('overwrites counts already in the table and keeps the others', () => {
      const table = new CountTable();
      setWord(table, 'alpha', 1, 1);
      setWord(table, 'kept', 9, 9);
      table.load(
        dump([
          ['alpha', 3, 4],
          ['beta', 5, 6],
        ]),
      );
      expect(countsOf(table, 'alpha')).toEqual({ ham: 3, spam: 4 });
      expect(countsOf(table, 'beta')).toEqual({ ham: 5, spam: 6 });
      expect(countsOf(table, 'kept')).toEqual({ ham: 9, spam: 9 });
      expect(table.size).toBe(3);
    });

    it('loads nothing from an empty dump', () => {
      const table = new CountTable();
      table.load(new Uint32Array(0), 0);
      expect(table.size).toBe(0);
    });

    it('loads a large dump exactly', () => {
      const n = 50_000;
      const words: [string, number, number][] = [];
      for (let i = 0; i < n; i++) words.push([`w${i} x`, i % 97, (i * 13) % 1001]);
      const table = new CountTable();
      // In chunks, as the store gives it, the table told the whole size first.
      for (let at = 0; at < n; at += 20_000) table.load(dump(words.slice(at, at + 20_000)), n);
      expect(table.size).toBe(n);
      let wrong = 0;
      for (let i = 0; i < n; i++) {
        const c = countsOf(table, `w${i} x`);
        const ham = i % 97;
        const spam = (i * 13) % 1001;
        if (ham === 0 && spam === 0 ? c !== undefined : c?.ham !== ham || c.spam !== spam) wrong++;
      }
      expect(wrong).toBe(0);
    });
  });
});
