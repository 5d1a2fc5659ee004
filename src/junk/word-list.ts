/**
 * The distinct words of a message, in a form that is cheap to keep, to hash once and to hand
 * to another thread: the words joined by newlines (no word contains one), where each starts,
 * and two 32-bit hashes of each (see CountTable).
 */
export interface WordList {
  /** The words, each followed by '\n'. */
  text: string;
  /** Where word i starts in `text`; offsets[count] is text.length. */
  offsets: Uint32Array;
  /** hashes[2i] and hashes[2i+1] are word i's two hashes. */
  hashes: Uint32Array;
}

export function wordCount(list: WordList): number {
  return list.offsets.length - 1;
}

export function wordAt(list: WordList, i: number): string {
  return list.text.slice(list.offsets[i], list.offsets[i + 1]! - 1);
}

export function* wordsOf(list: WordList): Generator<string> {
  for (let i = 0; i < wordCount(list); i++) yield wordAt(list, i);
}

/** Builds the list from distinct words. */
export function toWordList(words: Iterable<string>): WordList {
  const all = [...words];
  const offsets = new Uint32Array(all.length + 1);
  const hashes = new Uint32Array(all.length * 2);
  let at = 0;
  for (let i = 0; i < all.length; i++) {
    const word = all[i]!;
    offsets[i] = at;
    at += word.length + 1;
    hashWord(word, hashes, 2 * i);
  }
  offsets[all.length] = at;
  return { text: all.length > 0 ? all.join('\n') + '\n' : '', offsets, hashes };
}

/**
 * Writes two independent 32-bit hashes of the word's UTF-16 code units into out[at] and
 * out[at+1]: FNV-1a, and a multiply-rotate hash with another multiplier, each finished with
 * murmur3's avalanche. Never both zero: 0/0 marks an empty slot in a CountTable.
 */
export function hashWord(word: string, out: Uint32Array, at: number): void {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b = (b << 13) | (b >>> 19);
  }
  const h1 = avalanche(a ^ word.length) >>> 0;
  const h2 = avalanche(b ^ word.length) >>> 0;
  out[at] = h1;
  out[at + 1] = h1 === 0 && h2 === 0 ? 1 : h2;
}

function avalanche(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
