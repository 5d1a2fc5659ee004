/**
 * Two independent 32-bit hashes of a word, by which a CountTable finds its counts without
 * keeping the word. Each is a polynomial hash of the word's UTF-16 code units modulo 2^32
 * (Horner: r = r·B + c), with its own odd base, finished with murmur3's avalanche. Polynomial
 * hashes compose: with W = B^length, the residue of `a + ' ' + b` is r(a)·B·W(b) + 32·W(b) + r(b),
 * so the tokenizer hashes every character once and derives the hashes of n-grams and
 * header-prefixed words from their parts without building them.
 */
export const BASE1 = 0x01000193;
export const BASE2 = 0x5bd1e995;

/** A word's residues under both bases, the bases raised to its length, and its length. */
export interface Residue {
  r1: number;
  r2: number;
  w1: number;
  w2: number;
  n: number;
}

export function residueOf(s: string, from = 0, to = s.length): Residue {
  let r1 = 0;
  let r2 = 0;
  let w1 = 1;
  let w2 = 1;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    r1 = (Math.imul(r1, BASE1) + c) | 0;
    r2 = (Math.imul(r2, BASE2) + c) | 0;
    w1 = Math.imul(w1, BASE1);
    w2 = Math.imul(w2, BASE2);
  }
  return { r1, r2, w1, w2, n: to - from };
}

/** The first hash of a word with residue `r1` and length `n`. */
export function finish1(r1: number, n: number): number {
  return avalanche(r1 ^ n) >>> 0;
}

/** The second hash; never 0 when the first is, since 0/0 marks an empty CountTable slot. */
export function finish2(r2: number, n: number, h1: number): number {
  const h2 = avalanche(r2 ^ Math.imul(n, 0x9e3779b1)) >>> 0;
  return h1 === 0 && h2 === 0 ? 1 : h2;
}

/** Writes the two hashes of text.slice(from, to) into out[at] and out[at + 1]. */
export function hashWord(text: string, out: Uint32Array, at: number, from = 0, to = text.length): void {
  const { r1, r2, n } = residueOf(text, from, to);
  const h1 = finish1(r1, n);
  out[at] = h1;
  out[at + 1] = finish2(r2, n, h1);
}

function avalanche(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
