/**
 * The distinct words of a message, with their two hashes (word-hash.ts), by which a
 * CountTable finds their counts.
 */
export interface WordList {
  words: string[];
  /** hashes[2i] and hashes[2i+1] are the hashes of words[i]. */
  hashes: Uint32Array;
}

/**
 * Collects distinct words by their hashes. The tokenizer claims a word's hashes first and
 * builds the word's string only when the claim is new: most words of a message repeat.
 */
export class WordListBuilder {
  #seen = new Uint32Array(2 * 1024);
  #hashes = new Uint32Array(2 * 256);
  readonly #words: string[] = [];

  /** True (and the word is recorded) when these hashes were not seen yet; push its string next. */
  claim(h1: number, h2: number): boolean {
    const seen = this.#seen;
    const mask = seen.length - 2;
    let slot = (h1 << 1) & mask;
    for (;;) {
      const k1 = seen[slot]!;
      const k2 = seen[slot + 1]!;
      if (k1 === h1 && k2 === h2) return false;
      if (k1 === 0 && k2 === 0) break;
      slot = (slot + 2) & mask;
    }
    seen[slot] = h1;
    seen[slot + 1] = h2;
    const n = this.#words.length;
    if (2 * n + 2 > this.#hashes.length) this.#hashes = grow(this.#hashes);
    this.#hashes[2 * n] = h1;
    this.#hashes[2 * n + 1] = h2;
    if ((n + 1) * 4 > seen.length) this.#rehash(n + 1); // keep the table at most half full
    return true;
  }

  /** The string of the word just claimed. */
  push(word: string): void {
    this.#words.push(word);
  }

  build(): WordList {
    return { words: this.#words, hashes: this.#hashes.slice(0, 2 * this.#words.length) };
  }

  #rehash(count: number): void {
    const seen = new Uint32Array(this.#seen.length * 2);
    const mask = seen.length - 2;
    for (let i = 0; i < count; i++) {
      const h1 = this.#hashes[2 * i]!;
      let slot = (h1 << 1) & mask;
      while (seen[slot] !== 0 || seen[slot + 1] !== 0) slot = (slot + 2) & mask;
      seen[slot] = h1;
      seen[slot + 1] = this.#hashes[2 * i + 1]!;
    }
    this.#seen = seen;
  }
}

function grow(a: Uint32Array<ArrayBuffer>): Uint32Array<ArrayBuffer> {
  const bigger = new Uint32Array(a.length * 2);
  bigger.set(a);
  return bigger;
}
