import { describe, expect, it } from 'vitest';
import { tokenizeText, wordPrefix, type Grams } from '../../src/junk/tokenize.ts';
import { hashWord } from '../../src/junk/word-hash.ts';
import { WordListBuilder } from '../../src/junk/word-list.ts';

const ONE: Grams = { onegrams: true, twograms: false, threegrams: false };
const ALL: Grams = { onegrams: true, twograms: true, threegrams: true };

function words(text: string, grams: Grams = ONE, prefix?: string): string[] {
  const out = new WordListBuilder();
  tokenizeText(text, grams, out, prefix === undefined ? undefined : wordPrefix(prefix));
  return out.build().words.sort();
}

describe('tokenizeText (docs/junk.md section 1.4)', () => {
  // The verified examples of docs/junk.md section 1.6, checked there against mox under Go.
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
    // Body words need more than 2 bytes: é is 2, éa is 3.
    expect(words('ab é éa 日 ΑΒ')).toEqual(['éa', '日', 'αβ'].sort());
    // Header words need more than 3 bytes, before the prefix: éa is 3, éé is 4; the Kelvin sign
    // (3 bytes) lowercases to an ASCII k, so KK\u212A is 3 bytes.
    expect(words('éa éé abc abcd KK\u212A', ONE, 'Subject:')).toEqual(['Subject:abcd', 'Subject:éé']);
  });

  it('prefixes every n-gram of a header field', () => {
    expect(words('Free Money now', { onegrams: true, twograms: true, threegrams: false }, 'Subject:')).toEqual(
      ['Subject:free', 'Subject:money', 'Subject:free money', 'Subject:money now'].sort(),
    );
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

describe('word hashes', () => {
  it('match the hash of the finished word, for n-grams, prefixes, apostrophes and astral letters', () => {
    const out = new WordListBuilder();
    const text = "Don't 'quoted' rock'n'roll ''lead trail'' mid''dle ÄÖÜ İstanbul \u{10400}\u{10401}x ΣΑΣ naïve 日本語 the quick brown fox";
    tokenizeText(text, { onegrams: true, twograms: true, threegrams: true }, out);
    tokenizeText(text, { onegrams: true, twograms: true, threegrams: true }, out, wordPrefix('Reply-To:'));
    const list = out.build();
    expect(list.words.length).toBeGreaterThan(40);
    const expected = new Uint32Array(2);
    list.words.forEach((word, i) => {
      hashWord(word, expected, 0);
      expect([list.hashes[2 * i], list.hashes[2 * i + 1]], word).toEqual([expected[0], expected[1]]);
    });
  });
});
