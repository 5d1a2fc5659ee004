import { release } from './typed-arrays.ts';

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

  /**
   * Sets the counts of every word in `dump`: [hash1, hash2, ham, spam] per word (see
   * WordCountStore.dumpWords). `words` is how many the table will hold in all (a dump comes in
   * chunks): it grows to that at once, not by doubling chunk after chunk.
   */
  load(dump: Uint32Array, words = this.#size + dump.length / 4): void {
    let length = this.#slots.length;
    while (words * 16 > length * 3) length *= 2;
    if (length > this.#slots.length) this.#grow(length);
    for (let at = 0; at < dump.length; at += 4) this.set(dump, at, dump[at + 2]!, dump[at + 3]!);
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
    if ((this.#size + 1) * 16 > this.#slots.length * 3) this.#grow(this.#slots.length * 2);
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

  /**
   * Moves the words into `length` elements (a power of two), keeping the load factor at most
   * 3/4: doubling as words are added, or at once to the size of a whole dump (growing a 16 MB
   * table by doubling allocated and rehashed 16 MB more on the way).
   */
  #grow(length: number): void {
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
    release(old);
  }
}
