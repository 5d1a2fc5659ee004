import { hashWord } from './word-hash.ts';

/** How many trained ham and spam messages contained a word; for the totals, how many were trained. */
export interface Counts {
  ham: number;
  spam: number;
}

/**
 * Word counts in memory, in an open-addressing hash table over one typed array, keyed by the
 * two 32-bit hashes of a word (see word-list.ts).
 *
 * A JavaScript Map of hundreds of thousands of strings (a mailbox's 1- and 2-grams) costs
 * several cache misses per lookup and an object graph the garbage collector must trace; here a
 * slot is 16 bytes, [hash1, hash2, ham, spam], so a lookup touches one cache line. The words
 * themselves are not kept: two words are taken to be the same when both hashes agree, a 1 in
 * 2^64 chance per pair, which at a million words is a one in ten million chance that any two
 * words share counts. A word may be held at 0/0: known to be absent from the store.
 *
 * Words are addressed by their hashes, `hashes[at]` and `hashes[at + 1]`.
 */
export class CountTable {
  /** Slot i is [4i] hash1, [4i+1] hash2, [4i+2] ham, [4i+3] spam; hashes 0/0 mark it empty. */
  #slots = new Uint32Array(4 * 1024);
  #size = 0;
  readonly #scratch = new Uint32Array(2);

  get size(): number {
    return this.#size;
  }

  has(hashes: Uint32Array, at: number): boolean {
    return this.#find(hashes[at]!, hashes[at + 1]!) >= 0;
  }

  /** Fills `into` with the word's counts; false when it has none. */
  read(hashes: Uint32Array, at: number, into: Counts): boolean {
    const slot = this.#find(hashes[at]!, hashes[at + 1]!);
    if (slot < 0) return false;
    into.ham = this.#slots[slot + 2]!;
    into.spam = this.#slots[slot + 3]!;
    return into.ham !== 0 || into.spam !== 0;
  }

  set(hashes: Uint32Array, at: number, ham: number, spam: number): void {
    const slot = this.#claim(hashes[at]!, hashes[at + 1]!);
    this.#slots[slot + 2] = ham;
    this.#slots[slot + 3] = spam;
  }

  /** read() for a word given as text. */
  readWord(word: string, into: Counts): boolean {
    hashWord(word, this.#scratch, 0);
    return this.read(this.#scratch, 0, into);
  }

  /** set() for a word given as text. */
  setWord(word: string, ham: number, spam: number): void {
    hashWord(word, this.#scratch, 0);
    this.set(this.#scratch, 0, ham, spam);
  }

  /**
   * Sets the counts of every word in `dump`: lines of `word \t ham \t spam`, separated by
   * newlines (see WordCountStore.dumpWords). Parsed in place: loading a store of half a million
   * words allocates no string per word. `words` is how many the table will hold in all (a dump
   * comes in chunks): it grows to that at once, not by doubling chunk after chunk.
   */
  load(dump: string, words: number): void {
    let length = this.#slots.length;
    while (words * 16 > length * 3) length *= 2;
    // One new array, not each doubling in turn: the arrays left behind would be held until V8's
    // next full collection, 16 MB more at 600 000 words (docs/measured.md).
    if (length > this.#slots.length) this.#rehash(length);
    const scratch = this.#scratch;
    for (let at = 0; at < dump.length; ) {
      const tab = dump.indexOf('\t', at);
      let ham = 0;
      let spam = 0;
      let i = tab + 1;
      for (let ch = dump.charCodeAt(i); ch !== 9; ch = dump.charCodeAt(++i)) ham = ham * 10 + ch - 48;
      for (let ch = dump.charCodeAt(++i); ch >= 48 && ch <= 57; ch = dump.charCodeAt(++i)) spam = spam * 10 + ch - 48;
      hashWord(dump, scratch, 0, at, tab);
      this.set(scratch, 0, ham, spam);
      at = i + 1;
    }
  }

  /** Adds `delta` to the word's count for `label`, never going below zero. */
  add(hashes: Uint32Array, at: number, label: keyof Counts, delta: number): void {
    const slot = this.#claim(hashes[at]!, hashes[at + 1]!) + (label === 'ham' ? 2 : 3);
    this.#slots[slot] = Math.max(0, this.#slots[slot]! + delta);
  }

  /** The index of the word's slot, or -1. */
  #find(h1: number, h2: number): number {
    const slot = this.#probe(h1, h2);
    return this.#slots[slot] === 0 && this.#slots[slot + 1] === 0 ? -1 : slot;
  }

  /** The index of the word's slot, claimed if the word is new. */
  #claim(h1: number, h2: number): number {
    if ((this.#size + 1) * 16 > this.#slots.length * 3) this.#rehash(this.#slots.length * 2);
    const slot = this.#probe(h1, h2);
    if (this.#slots[slot] === 0 && this.#slots[slot + 1] === 0) {
      this.#slots[slot] = h1;
      this.#slots[slot + 1] = h2;
      this.#size++;
    }
    return slot;
  }

  /** Linear probing from the first hash: the word's slot, or the empty slot where it belongs. */
  #probe(h1: number, h2: number): number {
    const slots = this.#slots;
    const mask = slots.length - 4;
    for (let slot = (h1 << 2) & mask; ; slot = (slot + 4) & mask) {
      const k1 = slots[slot]!;
      const k2 = slots[slot + 1]!;
      if ((k1 === h1 && k2 === h2) || (k1 === 0 && k2 === 0)) return slot;
    }
  }

  /** Moves every word into a new array of `length` slots' words (a power of two, larger than now). */
  #rehash(length: number): void {
    const old = this.#slots;
    const slots = new Uint32Array(length);
    const mask = slots.length - 4;
    for (let from = 0; from < old.length; from += 4) {
      if (old[from] === 0 && old[from + 1] === 0) continue;
      let slot = (old[from]! << 2) & mask;
      while (slots[slot] !== 0 || slots[slot + 1] !== 0) slot = (slot + 4) & mask;
      slots.set(old.subarray(from, from + 4), slot);
    }
    this.#slots = slots;
  }
}
