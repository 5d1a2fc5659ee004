/**
 * Splitting text into words, exactly as mox's tokenizeText does (docs/junk.md section 1.4).
 *
 * A word is a run of letters (Unicode L*), decimal digits (Nd) and apostrophes, lowercased per
 * code point. Byte lengths are UTF-8 lengths of the lowercased word, as in Go.
 */
import { BASE1, BASE2, finish1, finish2, residueOf, type Residue } from './word-hash.ts';
import type { WordListBuilder } from './word-list.ts';

/** Which n-grams to emit for each kept word. */
export interface Grams {
  onegrams: boolean;
  twograms: boolean;
  threegrams: boolean;
}

/** A prefix that header words carry, such as `Subject:`, with its residue (word-hash.ts). */
export interface WordPrefix {
  text: string;
  residue: Residue;
}

export function wordPrefix(text: string): WordPrefix {
  return { text, residue: residueOf(text) };
}

/** bbolt's MaxKeySize: mox cannot store a longer word, and neither do we. */
export const MAX_WORD_BYTES = 32768;

const WORD = 1; // letter or decimal digit: part of a word
const DIGIT = 2; // decimal digit (Nd), any script
const LETTER = 4; // letter (L*)
const CONSONANT = 8; // bcdfghjklmnpqrstvwxyz23456789: what a random-looking run is made of
const HEX = 16; // [0-9a-f]

let flagsTable: Uint8Array | undefined;
let lowerTable: Uint16Array | undefined;

/** Per-code-unit classes and lowercase mapping for the BMP, built once on first use. */
function tables(): [Uint8Array, Uint16Array] {
  if (flagsTable && lowerTable) return [flagsTable, lowerTable];
  const flags = new Uint8Array(65536);
  const lower = new Uint16Array(65536);
  for (let c = 0; c < 65536; c++) lower[c] = c;
  let all = '';
  for (let c = 0; c < 65536; c += 4096) {
    const chunk: number[] = [];
    for (let d = c; d < c + 4096; d++) chunk.push(d >= 0xd800 && d <= 0xdfff ? 0x20 : d);
    all += String.fromCharCode(...chunk);
  }
  for (const m of all.matchAll(/\p{L}/gu)) flags[m.index] = WORD | LETTER;
  for (const m of all.matchAll(/\p{Nd}/gu)) flags[m.index] = WORD | DIGIT;
  for (let c = 0; c < 65536; c++) {
    if (!(flags[c]! & WORD)) continue;
    const l = lowerCodePoint(c);
    if (l < 65536) lower[c] = l;
  }
  for (const ch of 'bcdfghjklmnpqrstvwxyz23456789') flags[ch.charCodeAt(0)]! |= CONSONANT;
  for (const ch of '0123456789abcdef') flags[ch.charCodeAt(0)]! |= HEX;
  flagsTable = flags;
  lowerTable = lower;
  return [flags, lower];
}

/**
 * Go's unicode.ToLower: the simple, one-to-one mapping. JavaScript's toLowerCase uses the full
 * mapping, which differs for U+0130 (`İ` becomes `i` plus a combining dot) and nowhere else for
 * a single code point.
 */
function lowerCodePoint(cp: number): number {
  if (cp === 0x130) return 0x69;
  const l = String.fromCodePoint(cp).toLowerCase();
  return l.length === (cp > 0xffff ? 2 : 1) ? l.codePointAt(0)! : cp;
}

function astralFlags(cp: number): number {
  const ch = String.fromCodePoint(cp);
  if (/\p{L}/u.test(ch)) return WORD | LETTER;
  if (/\p{Nd}/u.test(ch)) return WORD | DIGIT;
  return 0;
}

function lowerWord(s: string, lower: Uint16Array): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    out += cp < 65536 ? String.fromCharCode(lower[cp]!) : String.fromCodePoint(lowerCodePoint(cp));
  }
  return out;
}

/** A kept word of the current n-gram window: its hash residue, length and place in the text. */
class Gram {
  r1 = 0;
  r2 = 0;
  w1 = 1;
  w2 = 1;
  /** UTF-16 length; 0 while the slot holds no word. */
  n = 0;
  bytes = 0;
  from = 0;
  to = 0;
  needsLower = false;
  str: string | undefined;

  /** The word as a string, built on first need. */
  string(text: string, lower: Uint16Array): string {
    if (this.str === undefined) {
      const raw = text.slice(this.from, this.to);
      this.str = this.needsLower ? lowerWord(raw, lower) : raw;
    }
    return this.str;
  }
}

/**
 * Adds the words of `text` to `out`, with 2- and 3-grams of consecutive kept words as `grams`
 * asks; the n-gram window starts empty for each call. With `prefix` (a header field), only
 * words longer than 3 bytes count, and they are stored with the prefix (docs/junk.md section 1.5).
 *
 * One loop with local state: this runs over every character of every message. Each character
 * is hashed once; a word's string is built only when the message has not had the word yet.
 */
export function tokenizeText(text: string, grams: Grams, out: WordListBuilder, prefix?: WordPrefix): void {
  const [flags, lower] = tables();
  const { onegrams, twograms, threegrams } = grams;
  let cur = new Gram();
  let prev = new Gram();
  let prev2 = new Gram();

  // The current run of word characters and apostrophes, and what the flush rules need to know
  // about it, gathered while scanning so that a flush needs no second pass.
  let start = -1;
  let bytes = 0; // UTF-8 length after lowercasing
  let nonDigit = 0; // code points that are not Nd, apostrophes included
  let asciiDigits = 0; // [0-9]
  let nonHex = 0; // code points outside [0-9a-f]
  let nonAscii = false;
  let consonants = 0; // length of the current run of CONSONANT characters
  let maxConsonants = 0;
  let needsLower = false;
  let leadingQuotes = 0; // apostrophes before anything else
  let trailingQuotes = 0; // apostrophes since the last letter or digit
  // Hash residue of the run without its leading and trailing apostrophes (word-hash.ts).
  let r1 = 0;
  let r2 = 0;
  let w1 = 1;
  let w2 = 1;
  let units = 0;

  const n = text.length;
  for (let i = 0; i <= n; i++) {
    let f = 0;
    let c = 0x20; // end of text acts as a separator
    let cp = 0x20;
    if (i < n) {
      c = text.charCodeAt(i);
      cp = c;
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
        cp = text.codePointAt(i)!;
        if (cp > 0xffff) f = astralFlags(cp);
      } else {
        f = flags[c]!;
      }
    }

    if (f & WORD) {
      if (start < 0) start = i;
      // Apostrophes before this character are inside the word (unless they lead it): hash them now.
      if (trailingQuotes > 0 && bytes > leadingQuotes + trailingQuotes) {
        for (let q = 0; q < trailingQuotes; q++) {
          r1 = (Math.imul(r1, BASE1) + 0x27) | 0;
          r2 = (Math.imul(r2, BASE2) + 0x27) | 0;
          w1 = Math.imul(w1, BASE1);
          w2 = Math.imul(w2, BASE2);
        }
        units += trailingQuotes;
      }
      const l = cp > 0xffff ? lowerCodePoint(cp) : lower[c]!;
      if (l !== cp) needsLower = true;
      bytes += l < 0x80 ? 1 : l < 0x800 ? 2 : l < 0x10000 ? 3 : 4;
      if (l < 0x10000) {
        r1 = (Math.imul(r1, BASE1) + l) | 0;
        r2 = (Math.imul(r2, BASE2) + l) | 0;
        w1 = Math.imul(w1, BASE1);
        w2 = Math.imul(w2, BASE2);
        units++;
      } else {
        const hi = 0xd800 + ((l - 0x10000) >> 10);
        const lo = 0xdc00 + ((l - 0x10000) & 0x3ff);
        r1 = (Math.imul((Math.imul(r1, BASE1) + hi) | 0, BASE1) + lo) | 0;
        r2 = (Math.imul((Math.imul(r2, BASE2) + hi) | 0, BASE2) + lo) | 0;
        w1 = Math.imul(Math.imul(w1, BASE1), BASE1);
        w2 = Math.imul(Math.imul(w2, BASE2), BASE2);
        units += 2;
      }
      const lf = cp > 0xffff ? f : flags[l]!;
      if (!(lf & DIGIT)) nonDigit++;
      if (l >= 0x30 && l <= 0x39) asciiDigits++;
      if (!(lf & HEX)) nonHex++;
      if (l >= 0x80) nonAscii = true;
      if (lf & CONSONANT) {
        consonants++;
      } else {
        if (consonants > maxConsonants) maxConsonants = consonants;
        consonants = 0;
      }
      trailingQuotes = 0;
      if (cp > 0xffff) i++;
      continue;
    }
    // An apostrophe is part of the word, unless the word has begun and a letter follows:
    // don't -> don, rock'n'roll -> rock, roll; but 'quoted' and ab'1 keep theirs.
    if (c === 0x27 && !(start >= 0 && i + 1 < n && isLetterAt(text, i + 1, flags))) {
      if (start < 0) start = i;
      if (bytes === leadingQuotes) leadingQuotes++;
      trailingQuotes++;
      bytes++;
      nonDigit++;
      nonHex++;
      if (consonants > maxConsonants) maxConsonants = consonants;
      consonants = 0;
      continue;
    }
    if (start < 0) continue;

    // A separator ends the run: apply mox's rules in order and emit what survives.
    keep: {
      if (bytes <= 2) break keep;
      const quotes = leadingQuotes === i - start ? leadingQuotes : leadingQuotes + trailingQuotes;
      const wordBytes = bytes - quotes;
      if (wordBytes <= 2 || nonDigit === quotes) break keep; // too short, or digits only
      if (!nonAscii && (consonants >= 6 || maxConsonants >= 6)) break keep; // looks random
      const from = start + leadingQuotes;
      let digits = asciiDigits;
      let other = nonHex - quotes;
      // looksNumeric strips one leading "0x" first, which takes a digit and a non-hex letter away.
      if (text.charCodeAt(from) === 0x30 && lower[text.charCodeAt(from + 1)] === 0x78) {
        digits--;
        other--;
      }
      if (digits >= 4 || (other === 0 && digits >= 3)) break keep; // looks numeric

      cur.r1 = r1;
      cur.r2 = r2;
      cur.w1 = w1;
      cur.w2 = w2;
      cur.n = units;
      cur.bytes = wordBytes;
      cur.from = from;
      cur.to = i - trailingQuotes;
      cur.needsLower = needsLower;
      cur.str = undefined;
      if (threegrams && prev2.n > 0 && prev.n > 0) {
        const b = prev2.bytes + prev.bytes + wordBytes + 2;
        if (b <= MAX_WORD_BYTES) emit(out, prefix, text, lower, b, prev2, prev, cur);
      }
      if (twograms && prev.n > 0) {
        const b = prev.bytes + wordBytes + 1;
        if (b <= MAX_WORD_BYTES) emit(out, prefix, text, lower, b, undefined, prev, cur);
      }
      if (onegrams && wordBytes <= MAX_WORD_BYTES) emit(out, prefix, text, lower, wordBytes, undefined, undefined, cur);
      const free = prev2;
      prev2 = prev;
      prev = cur;
      cur = free;
    }
    start = -1;
    bytes = 0;
    nonDigit = 0;
    asciiDigits = 0;
    nonHex = 0;
    nonAscii = false;
    consonants = 0;
    maxConsonants = 0;
    needsLower = false;
    leadingQuotes = 0;
    trailingQuotes = 0;
    r1 = 0;
    r2 = 0;
    w1 = 1;
    w2 = 1;
    units = 0;
  }
}

/**
 * Adds the word `a b c` (parts left out from the front when undefined) with its prefix:
 * hashes composed from the parts' residues, the string built only if the word is new.
 */
function emit(
  out: WordListBuilder,
  prefix: WordPrefix | undefined,
  text: string,
  lower: Uint16Array,
  bytes: number,
  a: Gram | undefined,
  b: Gram | undefined,
  c: Gram,
): void {
  let r1 = c.r1;
  let r2 = c.r2;
  let w1 = c.w1;
  let w2 = c.w2;
  let n = c.n;
  // Prepend "b ", then "a ": residue(x + ' ' + y) = r(x)·B·W(y) + 32·W(y) + r(y).
  for (let part = b; part; part = part === b ? a : undefined) {
    r1 = (Math.imul(Math.imul(part.r1, BASE1), w1) + Math.imul(0x20, w1) + r1) | 0;
    r2 = (Math.imul(Math.imul(part.r2, BASE2), w2) + Math.imul(0x20, w2) + r2) | 0;
    w1 = Math.imul(Math.imul(part.w1, BASE1), w1);
    w2 = Math.imul(Math.imul(part.w2, BASE2), w2);
    n += part.n + 1;
  }
  let head = '';
  if (prefix) {
    if (bytes <= 3 || bytes + prefix.text.length > MAX_WORD_BYTES) return;
    r1 = (Math.imul(prefix.residue.r1, w1) + r1) | 0;
    r2 = (Math.imul(prefix.residue.r2, w2) + r2) | 0;
    n += prefix.residue.n;
    head = prefix.text;
  }
  const h1 = finish1(r1, n);
  const known = out.size;
  // The message had this word already, or only its hashes are wanted.
  if (out.index(h1, finish2(r2, n, h1)) < known || !out.strings) return;
  let word = c.string(text, lower);
  if (b) word = `${b.string(text, lower)} ${word}`;
  if (a) word = `${a.string(text, lower)} ${word}`;
  out.push(head + word);
}

function isLetterAt(text: string, i: number, flags: Uint8Array): boolean {
  const c = text.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff) return (astralFlags(text.codePointAt(i)!) & LETTER) !== 0;
  return (flags[c]! & LETTER) !== 0;
}
