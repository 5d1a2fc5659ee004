import { release } from './typed-arrays.ts';

/**
 * The distinct words of a message, with their two hashes (word-hash.ts), by which a
 * CountTable finds their counts.
 */
export interface WordList {
  /**
   * The words as text, by index; empty when built without strings (WordListBuilder), as for
   * training: only a verdict's evidence shows words.
   */
  words: string[];
  /** hashes[2i] and hashes[2i+1] are the hashes of words[i]. */
  hashes: Uint32Array;
}

/**
 * Distinct words by their two hashes alone, each with an index in order of arrival: what a
 * training batch keeps of the words it changed (no strings), and what WordListBuilder looks a
 * word up in before it builds the word's string.
 */
export class HashIndex {
  /** Open addressing: [hash1, hash2, index + 1] per slot; 0/0 hashes mark an empty slot. */
  #slots = new Uint32Array(3 * 1024);
  #hashes = new Uint32Array(2 * 256);
  #size = 0;

  /** How many distinct hashes there are. */
  get size(): number {
    return this.#size;
  }

  /** The index of the word with these hashes; a new word gets the next index, the old `size`. */
  index(h1: number, h2: number): number {
    const slots = this.#slots;
    const capacity = slots.length / 3;
    let slot = h1 & (capacity - 1);
    for (;;) {
      const at = 3 * slot;
      const k1 = slots[at]!;
      const k2 = slots[at + 1]!;
      if (k1 === h1 && k2 === h2) return slots[at + 2]! - 1;
      if (k1 === 0 && k2 === 0) {
        const n = this.#size++;
        slots[at] = h1;
        slots[at + 1] = h2;
        slots[at + 2] = n + 1;
        if (2 * n + 2 > this.#hashes.length) this.#hashes = grow(this.#hashes);
        this.#hashes[2 * n] = h1;
        this.#hashes[2 * n + 1] = h2;
        if ((n + 1) * 4 > capacity * 3) this.#rehash(n + 1); // keep the table at most 3/4 full
        return n;
      }
      slot = (slot + 1) & (capacity - 1);
    }
  }

  /** Forgets every word, keeping the arrays' length. */
  clear(): void {
    this.#slots.fill(0);
    this.#size = 0;
  }

  /** The hashes in order of index: [2i] and [2i+1] of word i. */
  hashes(): Uint32Array {
    return this.#hashes.slice(0, 2 * this.#size);
  }

  #rehash(count: number): void {
    const capacity = (2 * this.#slots.length) / 3;
    const slots = new Uint32Array(3 * capacity);
    for (let i = 0; i < count; i++) {
      const h1 = this.#hashes[2 * i]!;
      let slot = h1 & (capacity - 1);
      while (slots[3 * slot] !== 0 || slots[3 * slot + 1] !== 0) slot = (slot + 1) & (capacity - 1);
      slots[3 * slot] = h1;
      slots[3 * slot + 1] = this.#hashes[2 * i + 1]!;
      slots[3 * slot + 2] = i + 1;
    }
    release(this.#slots);
    this.#slots = slots;
  }
}

/**
 * Collects distinct words by their hashes, each with an index in order of arrival. The
 * tokenizer indexes a word's hashes first and builds the word's string only when the word is
 * new (most words of a message repeat), and not at all when `strings` is false: training needs
 * the hashes alone, and building the strings was most of what tokenizing allocated.
 */
export class WordListBuilder {
  readonly strings: boolean;
  readonly #index = new HashIndex();
  readonly #words: string[] = [];

  constructor(strings = true) {
    this.strings = strings;
  }

  /** How many distinct words were indexed. */
  get size(): number {
    return this.#index.size;
  }

  /**
   * The index of the word with these hashes. A new word gets the next index, the `size` before
   * the call; with `strings`, its string must be pushed before anything else is indexed.
   */
  index(h1: number, h2: number): number {
    return this.#index.index(h1, h2);
  }

  /** The string of the word just indexed as new. */
  push(word: string): void {
    this.#words.push(word);
  }

  build(): WordList {
    return { words: this.#words, hashes: this.#index.hashes() };
  }
}

/** `a` twice as long, the rest zero; `a` itself is emptied and its memory freed now (typed-arrays.ts). */
function grow(a: Uint32Array<ArrayBuffer>): Uint32Array<ArrayBuffer> {
  return new Uint32Array(a.buffer.transfer(2 * a.byteLength));
}
