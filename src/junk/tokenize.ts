/**
 * Splitting text into words, exactly as mox's tokenizeText does (junk.md section 1.4).
 *
 * A word is a run of letters (Unicode L*), decimal digits (Nd) and apostrophes, lowercased per
 * code point. Byte lengths are UTF-8 lengths of the lowercased word, as in Go.
 */

/** Which n-grams to emit for each kept word. */
export interface Grams {
  onegrams: boolean;
  twograms: boolean;
  threegrams: boolean;
}

/** Receives each emitted word (an n-gram, words joined by one space) with its UTF-8 length. */
export type WordSink = (word: string, bytes: number) => void;

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

/**
 * Emits the words of `text` to `sink`, with 2- and 3-grams of consecutive kept words as
 * `grams` asks. The n-gram window starts empty for each call.
 *
 * One loop with local state only: this runs over every character of every message.
 */
export function tokenizeText(text: string, grams: Grams, sink: WordSink): void {
  const [flags, lower] = tables();
  const { onegrams, twograms, threegrams } = grams;
  let prev = '';
  let prevBytes = 0;
  let prev2 = '';
  let prev2Bytes = 0;

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
      const l = cp > 0xffff ? lowerCodePoint(cp) : lower[c]!;
      if (l !== cp) needsLower = true;
      bytes += l < 0x80 ? 1 : l < 0x800 ? 2 : l < 0x10000 ? 3 : 4;
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
      const raw = text.slice(from, i - trailingQuotes);
      const word = needsLower ? lowerWord(raw, lower) : raw;

      if (threegrams && prev2 && prev) {
        const b = prev2Bytes + prevBytes + wordBytes + 2;
        if (b <= MAX_WORD_BYTES) sink(prev2 + ' ' + prev + ' ' + word, b);
      }
      if (twograms && prev) {
        const b = prevBytes + wordBytes + 1;
        if (b <= MAX_WORD_BYTES) sink(prev + ' ' + word, b);
      }
      if (onegrams && wordBytes <= MAX_WORD_BYTES) sink(word, wordBytes);
      prev2 = prev;
      prev2Bytes = prevBytes;
      prev = word;
      prevBytes = wordBytes;
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
  }
}

function isLetterAt(text: string, i: number, flags: Uint8Array): boolean {
  const c = text.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff) return (astralFlags(text.codePointAt(i)!) & LETTER) !== 0;
  return (flags[c]! & LETTER) !== 0;
}
