import { describe, expect, it } from 'vitest';
import { tokenizeText, type Grams } from '../../src/junk/tokenize.ts';

const ONE: Grams = { onegrams: true, twograms: false, threegrams: false };
const ALL: Grams = { onegrams: true, twograms: true, threegrams: true };

function words(text: string, grams: Grams = ONE): string[] {
  const out = new Set<string>();
  tokenizeText(text, grams, (w) => out.add(w));
  return [...out].sort();
}

describe('tokenizeText (junk.md section 1.4)', () => {
  // The verified examples of junk.md section 1.6, checked there against mox under Go.
  it.each([
    ["don't rock'n'roll 'quoted' dogs' '90s ab'1 it's", ['90s', "ab'1", 'dogs', 'don', 'quoted', 'rock', 'roll']],
    ['abc1de2fg3hi4 abc123 deadbeef123 0x1234 cafe 2024 a1b2c3 x123 hello42 12ab 1234567a', ['12ab', 'cafe', 'hello42', 'x123']],
    ['rhythms strengths 2fvu9stm9yxhnlu bcdfgh bcdfg 234567', ['bcdfg', 'strengths']],
    ['ab abc é ä日 日本 über ÄÖÜ İstanbul ΣΑΣ naïve', ['abc', 'istanbul', 'naïve', 'σασ', 'äöü', 'ä日', 'über', '日本']],
    ['cafe\u0301s naive', ['cafe', 'naive']],
  ])('%j', (text, expected) => {
    expect(words(text)).toEqual([...expected].sort());
  });

  it('joins the kept words on either side of a dropped one into n-grams', () => {
    expect(words('the 12345 quick brown x fox jumps', ALL)).toEqual(
      [
        'the', 'quick', 'brown', 'fox', 'jumps',
        'the quick', 'quick brown', 'brown fox', 'fox jumps',
        'the quick brown', 'quick brown fox', 'brown fox jumps',
      ].sort(),
    );
  });

  it('measures lengths in UTF-8 bytes after lowercasing', () => {
    const seen: [string, number][] = [];
    tokenizeText('Ünïcode wörd 日本 KELVIN\u212A', ONE, (w, bytes) => seen.push([w, bytes]));
    expect(seen).toEqual([
      ['ünïcode', 9],
      ['wörd', 5],
      ['日本', 6],
      ['kelvink', 7], // U+212A KELVIN SIGN lowercases to an ASCII k
    ]);
  });

  it('lowercases per code point: no final sigma, İ becomes i', () => {
    expect(words('ΟΔΟΣ İİİ')).toEqual(['iii', 'οδοσ']);
  });

  it('handles letters outside the BMP and unpaired surrogates', () => {
    // Deseret capitals lowercase to other astral letters; mathematical bold letters have no case.
    expect(words('\u{10400}\u{10401}x \u{1D400}\u{1D401}\u{1D402} \uD800abc def\uDC00ghi')).toEqual(
      ['abc', 'def', 'ghi', '\u{10428}\u{10429}x', '\u{1D400}\u{1D401}\u{1D402}'].sort(),
    );
  });

  it('drops words longer than bbolt allows', () => {
    const long = 'a'.repeat(40000);
    expect(words(`short ${long} words`)).toEqual(['short', 'words']);
  });

  it('treats an apostrophe before a letter as part of a word only at its start', () => {
    expect(words("''abc x'yz")).toEqual(['abc']);
  });
});
