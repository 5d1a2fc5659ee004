import { describe, expect, it } from 'vitest';
import { HashIndex } from '../../src/junk/word-list.ts';

describe('HashIndex', () => {
  it('gives each distinct pair of hashes the next index, through growth, and the hashes in that order', () => {
    const index = new HashIndex();
    // Pairs sharing a first hash are still distinct words.
    for (let i = 0; i < 5000; i++) expect(index.index(i % 100, i + 1)).toBe(i);
    for (let i = 4999; i >= 0; i--) expect(index.index(i % 100, i + 1)).toBe(i);
    expect(index.size).toBe(5000);
    const hashes = index.hashes();
    expect(hashes).toHaveLength(10_000);
    expect([hashes[2 * 4321], hashes[2 * 4321 + 1]]).toEqual([21, 4322]);
  });

  it('forgets every word when cleared, and indexes new ones from 0 as a new index would', () => {
    const index = new HashIndex();
    for (let i = 0; i < 3000; i++) index.index(i, 7);
    index.clear();
    expect(index.size).toBe(0);
    expect(index.hashes()).toHaveLength(0);
    expect(index.index(2999, 7)).toBe(0);
    expect(index.index(5, 5)).toBe(1);
    expect(index.index(2999, 7)).toBe(0);
    expect([...index.hashes()]).toEqual([2999, 7, 5, 5]);
  });
});
