import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { chiSquareSurvival, classifyFisher, classifyMox, classifyWords, SIGNIFICANT_HAM } from '../../src/junk/classify.ts';
import { CountTable, type Counts } from '../../src/junk/counts.ts';
import { DEFAULT_JUNK_PARAMS, junkParamsSchema, MOX_PARAMS } from '../../src/junk/params.ts';
import { hashWord } from '../../src/junk/word-hash.ts';
import { WordListBuilder, type WordList } from '../../src/junk/word-list.ts';

/** A word list of distinct words, in the given order. */
function wordList(words: string[]): WordList {
  const builder = new WordListBuilder();
  const h = new Uint32Array(2);
  for (const word of words) {
    hashWord(word, h, 0);
    const known = builder.size;
    if (builder.index(h[0]!, h[1]!) === known) builder.push(word);
  }
  return builder.build();
}

function table(counts: Record<string, [ham: number, spam: number]>): CountTable {
  const t = new CountTable();
  const h = new Uint32Array(2);
  for (const [word, [ham, spam]] of Object.entries(counts)) {
    hashWord(word, h, 0);
    t.set(h, 0, ham, spam);
  }
  return t;
}

/** Graham's combination, written out: Πr / (Πr + Π(1-r)). */
function graham(scores: number[]): number {
  const spam = scores.reduce((p, r) => p * r, 1);
  const ham = scores.reduce((p, r) => p * (1 - r), 1);
  return spam / (spam + ham);
}

/** mox's quickstart parameters (docs/junk.md section 3.5). */
const QUICKSTART = { maxPower: 0.01, topWords: 10, ignoreWords: 0.1, rareWords: 2 };

describe('classifyMox (docs/junk.md section 3)', () => {
  const example = {
    viagra: [0, 10],
    meeting: [30, 0],
    pills: [1, 1],
    casino: [0, 1],
    hello: [10, 5],
    zero: [0, 0], // stored at 0/0: known to be absent
  } satisfies Record<string, [number, number]>;
  const totals: Counts = { ham: 100, spam: 50 };

  it("gives mox's verified example of section 3.5 exactly", () => {
    const result = classifyMox(wordList(Object.keys(example)), table(example), totals, QUICKSTART);
    expect(Math.abs(result.probability - 0.9387953367875647)).toBeLessThan(1e-12);
    expect(result.significant).toBe(true);
    expect(result.spams.map(([word]) => word)).toEqual(['viagra', 'casino', 'pills']);
    expect(result.spams.map(([, r]) => r)).toEqual([expect.closeTo(0.99, 12), expect.closeTo(0.892, 12), expect.closeTo(0.65, 12)]);
    expect(result.hams).toEqual([['meeting', expect.closeTo(0.01, 12)]]);
  });

  it('does not depend on the order of the words', () => {
    const words = Object.keys(example).reverse();
    const result = classifyMox(wordList(['unknown', ...words]), table(example), totals, QUICKSTART);
    expect(Math.abs(result.probability - 0.9387953367875647)).toBeLessThan(1e-12);
    expect(result.spams.map(([word]) => word)).toEqual(['viagra', 'casino', 'pills']);
  });

  it('MOX_PARAMS are the quickstart parameters with the mox classifier', () => {
    expect(MOX_PARAMS).toMatchObject({ ...QUICKSTART, classifier: 'mox', onegrams: true, twograms: false, threegrams: false, threshold: 0.95 });
  });

  it('gives 0.5 for no words, unknown words, and words at 0/0', () => {
    const t = table(example);
    for (const words of [[], ['unknown', 'absent'], ['zero']]) {
      const result = classifyMox(wordList(words), t, totals, QUICKSTART);
      expect(result).toEqual({ probability: 0.5, significant: true, hams: [], spams: [] });
    }
  });

  it('skips a word whose score is NaN (no spam trained, word never in ham)', () => {
    const result = classifyMox(wordList(['odd']), table({ odd: [0, 3] }), { ham: 100, spam: 0 }, QUICKSTART);
    expect(result).toMatchObject({ probability: 0.5, hams: [], spams: [] });
  });

  it('gives 0.5 with TopWords 0', () => {
    const result = classifyMox(wordList(Object.keys(example)), table(example), totals, { ...QUICKSTART, topWords: 0 });
    expect(result).toMatchObject({ probability: 0.5, hams: [], spams: [] });
  });

  it('keeps the TopWords strongest words of each side', () => {
    // Spam word s{k}: seen in k ham and 50 spam messages (H = S = 100), so r = 50 / (50 + k).
    // Ham word h{k}: the mirror image, r = k / (50 + k).
    const counts: Record<string, [number, number]> = {};
    for (let k = 1; k <= 13; k++) {
      counts[`s${k}`] = [k, 50];
      counts[`h${k}`] = [50, k];
    }
    const words = Object.keys(counts);
    const result = classifyMox(wordList(words), table(counts), { ham: 100, spam: 100 }, QUICKSTART);
    const top = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(result.spams.map(([w]) => w)).toEqual(top.map((k) => `s${k}`));
    expect(result.hams.map(([w]) => w)).toEqual(top.map((k) => `h${k}`));
    expect(result.spams.map(([, r]) => r)).toEqual(top.map((k): unknown => expect.closeTo(50 / (50 + k), 12)));
    const expected = graham([...top.map((k) => 50 / (50 + k)), ...top.map((k) => k / (50 + k))]);
    expect(result.probability).toBeCloseTo(expected, 12);

    const three = classifyMox(wordList(words), table(counts), { ham: 100, spam: 100 }, { ...QUICKSTART, topWords: 3 });
    expect(three.spams.map(([w]) => w)).toEqual(['s1', 's2', 's3']);
    expect(three.hams.map(([w]) => w)).toEqual(['h1', 'h2', 'h3']);
  });

  it('breaks TopWords ties by the longer word in UTF-8 bytes', () => {
    const params = { ...QUICKSTART, topWords: 1 };
    const totals100: Counts = { ham: 100, spam: 100 };
    // All score 0.99 (spam) or 0.01 (ham). ééé is 6 bytes but 3 UTF-16 units; abcde is 5 of each.
    const counts = table({ abcd: [0, 10], abcdefgh: [0, 10], ééé: [0, 10], abcde: [0, 10], meet: [30, 0], meeting: [30, 0] });
    for (const order of [
      ['abcd', 'abcdefgh', 'meet', 'meeting'],
      ['abcdefgh', 'abcd', 'meeting', 'meet'],
    ]) {
      const result = classifyMox(wordList(order), counts, totals100, params);
      expect(result.spams).toEqual([['abcdefgh', expect.closeTo(0.99, 12)]]);
      expect(result.hams).toEqual([['meeting', expect.closeTo(0.01, 12)]]);
    }
    for (const order of [
      ['abcde', 'ééé'],
      ['ééé', 'abcde'],
    ]) {
      expect(classifyMox(wordList(order), counts, totals100, params).spams.map(([w]) => w)).toEqual(['ééé']);
      expect(classifyMox(wordList(order), counts, totals100, { ...params, topWords: 2 }).spams.map(([w]) => w)).toEqual(['ééé', 'abcde']);
    }
  });

  it('clamps scores to MaxPower, and with MaxPower 0 gives certainty', () => {
    const counts = table({ viagra: [0, 10], meeting: [30, 0] });
    const spam = classifyMox(wordList(['viagra']), counts, totals, { ...QUICKSTART, maxPower: 0.05 });
    expect(spam.spams).toEqual([['viagra', expect.closeTo(0.95, 12)]]);
    expect(spam.probability).toBeCloseTo(0.95, 12);
    expect(classifyMox(wordList(['viagra']), counts, totals, { ...QUICKSTART, maxPower: 0 }).probability).toBe(1);
    expect(classifyMox(wordList(['meeting']), counts, totals, { ...QUICKSTART, maxPower: 0 }).probability).toBe(0);
  });

  it('skips words within IgnoreWords of 0.5', () => {
    // r = 0.6 / (0.6 + 0.4) = 0.6, n = 100: not rare.
    const counts = table({ mild: [40, 60] });
    const list = wordList(['mild']);
    expect(classifyMox(list, counts, { ham: 100, spam: 100 }, QUICKSTART)).toMatchObject({ probability: 0.5, spams: [] });
    const used = classifyMox(list, counts, { ham: 100, spam: 100 }, { ...QUICKSTART, ignoreWords: 0.05 });
    expect(used.spams).toEqual([['mild', expect.closeTo(0.6, 12)]]);
    expect(used.probability).toBeCloseTo(0.6, 12);
  });

  it('is significant iff at least 50 ham messages were trained', () => {
    expect(SIGNIFICANT_HAM).toBe(50);
    const list = wordList(['viagra']);
    const counts = table({ viagra: [0, 10] });
    expect(classifyMox(list, counts, { ham: 49, spam: 1000 }, QUICKSTART).significant).toBe(false);
    expect(classifyMox(list, counts, { ham: 50, spam: 0 }, QUICKSTART).significant).toBe(true);
    expect(classifyMox(list, counts, { ham: 10_000, spam: 1 }, QUICKSTART).significant).toBe(true);
    expect(classifyMox(wordList([]), new CountTable(), { ham: 0, spam: 0 }, QUICKSTART)).toEqual({ probability: 0.5, significant: false, hams: [], spams: [] });
  });
});

describe('classifyWords', () => {
  const counts = table({ viagra: [0, 10], meeting: [30, 0], pills: [1, 1], casino: [0, 1], hello: [10, 5] });
  const list = wordList(['viagra', 'meeting', 'pills', 'casino', 'hello']);
  const totals: Counts = { ham: 100, spam: 50 };

  it('dispatches on params.classifier', () => {
    const mox = classifyWords(list, counts, totals, MOX_PARAMS);
    const fisher = classifyWords(list, counts, totals, DEFAULT_JUNK_PARAMS);
    expect(DEFAULT_JUNK_PARAMS.classifier).toBe('fisher');
    expect(mox).toEqual(classifyMox(list, counts, totals, MOX_PARAMS));
    expect(fisher).toEqual(classifyFisher(list, counts, totals, DEFAULT_JUNK_PARAMS));
    expect(mox.probability).not.toBeCloseTo(fisher.probability, 3);
  });

  it('parses params and fills in the defaults', () => {
    expect(v.parse(junkParamsSchema, { classifier: 'mox', topWords: 3 })).toMatchObject({ classifier: 'mox', topWords: 3, maxPower: 0.01, ignoreWords: 0.1, rareWords: 2 });
    expect(v.safeParse(junkParamsSchema, { maxPower: 0.6 }).success).toBe(false);
    expect(v.safeParse(junkParamsSchema, { onegrams: false, twograms: false }).success).toBe(false);
  });
});

/** ln((k-1)!) */
function lnFactorial(n: number): number {
  let s = 0;
  for (let i = 2; i <= n; i++) s += Math.log(i);
  return s;
}

/**
 * The regularized upper incomplete gamma function Q(a, x) for integer a, by the series for
 * P(a, x) below a + 1 and a continued fraction (modified Lentz) above (Numerical Recipes,
 * section 6.2): an independent check of the Poisson sum in chiSquareSurvival.
 */
function gammaQ(a: number, x: number): number {
  if (x === 0) return 1;
  const lnPrefix = -x + a * Math.log(x) - lnFactorial(a - 1);
  if (x < a + 1) {
    let ap = a;
    let del = 1 / a;
    let sum = del;
    for (let n = 0; n < 100_000; n++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * 1e-17) break;
    }
    return 1 - sum * Math.exp(lnPrefix);
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 100_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return Math.exp(lnPrefix) * h;
}

/** P(χ² ≥ x2) with 2k degrees of freedom, independently. */
function survival(x2: number, k: number): number {
  return gammaQ(k, x2 / 2);
}

describe('chiSquareSurvival', () => {
  it('is 1 at 0', () => {
    for (const k of [1, 2, 5, 100, 2000]) expect(chiSquareSurvival(0, k)).toBe(1);
  });

  it('is exp(-x2/2) for k = 1 (2 degrees of freedom)', () => {
    for (const x2 of [0.001, 0.5, 1, 3, 10, 100, 1000, 1390, 1410]) {
      const expected = Math.exp(-x2 / 2);
      expect(Math.abs(chiSquareSurvival(x2, 1) - expected) / expected, `x2=${x2}`).toBeLessThan(1e-12);
    }
  });

  it('gives the tabulated 5% critical values', () => {
    // 95th percentiles of χ² with 2, 10, 20 and 100 degrees of freedom.
    expect(chiSquareSurvival(5.991464547107979, 1)).toBeCloseTo(0.05, 12);
    expect(chiSquareSurvival(18.307038053275146, 5)).toBeCloseTo(0.05, 9);
    expect(chiSquareSurvival(31.410432844230918, 10)).toBeCloseTo(0.05, 9);
    expect(chiSquareSurvival(124.34211340400407, 50)).toBeCloseTo(0.05, 9);
  });

  it('has closed forms for small k', () => {
    for (const x2 of [0.2, 2, 7, 40]) {
      const m = x2 / 2;
      expect(chiSquareSurvival(x2, 2)).toBeCloseTo(Math.exp(-m) * (1 + m), 14);
      expect(chiSquareSurvival(x2, 3)).toBeCloseTo(Math.exp(-m) * (1 + m + (m * m) / 2), 14);
    }
  });

  it('agrees with an independent incomplete-gamma computation', () => {
    let compared = 0;
    for (const k of [1, 2, 3, 7, 20, 100, 400, 2000]) {
      for (const x2 of [0.01, 1, k, 2 * k - 3, 2 * k, 2 * k + 5, 3 * k, 4 * k, 8 * k, 1390, 1410, 4000, 6000]) {
        if (x2 <= 0) continue;
        const expected = survival(x2, k);
        if (expected < 1e-250) continue; // near underflow: relative error is meaningless
        const actual = chiSquareSurvival(x2, k);
        expect(Math.abs(actual - expected) / expected, `x2=${x2} k=${k}: ${actual} vs ${expected}`).toBeLessThan(1e-9);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(60);
  });

  it('does not underflow for large x2 with large k', () => {
    const half = chiSquareSurvival(4000, 2000);
    expect(half).toBeGreaterThan(0.45);
    expect(half).toBeLessThan(0.55);
    expect(chiSquareSurvival(3000, 2000)).toBeGreaterThan(0.999);
    const tail = chiSquareSurvival(5000, 2000);
    expect(tail).toBeGreaterThan(0);
    expect(tail).toBeLessThan(1e-10);
  });

  it('decreases in x2 and stays within [0, 1]', () => {
    for (const k of [1, 10, 500]) {
      let last = 1;
      for (let x2 = 0; x2 <= 6 * k + 1500; x2 += k / 4 + 1) {
        const p = chiSquareSurvival(x2, k);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(last + 1e-12); // rounding near 1 aside
        last = p;
      }
    }
  });
});

describe('classifyFisher', () => {
  const totals: Counts = { ham: 100, spam: 100 };
  const fisher = { ignoreWords: 0.1, robinsonStrength: 0.0178, robinsonPrior: 0.5, combine: 'share' } as const;
  const counts: Record<string, [number, number]> = {};
  const spammy: string[] = [];
  const hammy: string[] = [];
  for (let i = 0; i < 5; i++) {
    spammy.push(`spam${i}`);
    hammy.push(`ham${i}`);
    counts[`spam${i}`] = [1, 40 + i];
    counts[`ham${i}`] = [40 + i, 1];
  }
  const t = table(counts);

  it('gives near 1 for spammy words and near 0 for hammy words', () => {
    const spam = classifyFisher(wordList(spammy), t, totals, fisher);
    expect(spam.probability).toBeGreaterThan(0.99);
    expect(spam.spams.map(([w]) => w)).toEqual(['spam4', 'spam3', 'spam2', 'spam1', 'spam0']);
    expect(spam.hams).toEqual([]);
    const ham = classifyFisher(wordList(hammy), t, totals, fisher);
    expect(ham.probability).toBeLessThan(0.01);
    expect(ham.hams.map(([w]) => w)).toEqual(['ham4', 'ham3', 'ham2', 'ham1', 'ham0']);
  });

  it('gives about 0.5 for evenly mixed evidence', () => {
    const mixed = classifyFisher(wordList([...spammy, ...hammy]), t, totals, fisher);
    expect(mixed.probability).toBeCloseTo(0.5, 9);
    expect(mixed.spams).toHaveLength(5);
    expect(mixed.hams).toHaveLength(5);
  });

  it('gives 0.5 for no words and for unknown words', () => {
    expect(classifyFisher(wordList([]), t, totals, fisher)).toEqual({ probability: 0.5, significant: true, hams: [], spams: [] });
    expect(classifyFisher(wordList(['unknown']), t, totals, fisher).probability).toBe(0.5);
  });

  it("scores a word with Robinson's f(w) = (s·x + n·p) / (s + n)", () => {
    // One word: the tails are f and 1 - f, so the indicator is f itself, and the share ln(1-f) / (ln f + ln(1-f)).
    const once = table({ rare: [0, 1] }); // p = 1, n = 1
    const params = { ignoreWords: 0, robinsonStrength: 1, robinsonPrior: 0.5, combine: 'indicator' } as const;
    const r1 = classifyFisher(wordList(['rare']), once, { ham: 10, spam: 10 }, params);
    expect(r1.spams).toEqual([['rare', expect.closeTo(0.75, 12)]]);
    expect(r1.probability).toBeCloseTo(0.75, 12);
    const share = classifyFisher(wordList(['rare']), once, { ham: 10, spam: 10 }, { ...params, combine: 'share' });
    expect(share.probability).toBeCloseTo(Math.log(0.25) / (Math.log(0.75) + Math.log(0.25)), 12);

    const some = table({ some: [1, 3] }); // p = 0.3 / (0.3 + 0.1) = 0.75, n = 4
    const r2 = classifyFisher(wordList(['some']), some, { ham: 10, spam: 10 }, { ...params, robinsonStrength: 2, robinsonPrior: 0.2 });
    expect(r2.spams).toEqual([['some', expect.closeTo((2 * 0.2 + 4 * 0.75) / 6, 12)]]);
  });

  it("combines with Fisher's method over all words", () => {
    // 15 words of moderate scores; word0 (f ≈ 0.545) is within ignoreWords, the other 14 all count
    // though only 10 are reported.
    const many: Record<string, [number, number]> = {};
    for (let i = 0; i < 15; i++) many[`word${i}`] = [10, 12 + 2 * i];
    const words = Object.keys(many);
    const params = { ignoreWords: 0.05, robinsonStrength: 0.0178, robinsonPrior: 0.5, combine: 'indicator' } as const;
    const result = classifyFisher(wordList(words), table(many), totals, params);
    const share = classifyFisher(wordList(words), table(many), totals, { ...params, combine: 'share' });
    const f = words.map((w) => {
      const [h, s] = many[w]!;
      const p = s / 100 / (s / 100 + h / 100);
      return (params.robinsonStrength * params.robinsonPrior + (h + s) * p) / (params.robinsonStrength + h + s);
    }).filter((x) => Math.abs(x - 0.5) >= params.ignoreWords);
    expect(f).toHaveLength(14);
    const hamminess = survival(-2 * f.reduce((a, x) => a + Math.log(x), 0), f.length);
    const spamminess = survival(-2 * f.reduce((a, x) => a + Math.log(1 - x), 0), f.length);
    expect(result.probability).toBeCloseTo((1 + hamminess - spamminess) / 2, 9);
    expect(share.probability).toBeCloseTo(Math.log(spamminess) / (Math.log(hamminess) + Math.log(spamminess)), 9);
    expect(result.spams).toHaveLength(10);
    expect(result.spams[0]![0]).toBe('word14');
  });

  it('skips words within ignoreWords of 0.5', () => {
    const mild = table({ mild: [45, 55] }); // f ≈ 0.55
    expect(classifyFisher(wordList(['mild']), mild, totals, fisher)).toMatchObject({ probability: 0.5, spams: [], hams: [] });
    const used = classifyFisher(wordList(['mild']), mild, totals, { ...fisher, ignoreWords: 0.01, combine: 'indicator' });
    expect(used.probability).toBeCloseTo(0.55, 3);
  });

  it('scores by the stronger side when both are strong, where the indicator says 0.5', () => {
    // 40 words seen only in spam against 20 seen only in ham: both tails are tiny.
    const strong: Record<string, [number, number]> = {};
    for (let i = 0; i < 40; i++) strong[`s${i}`] = [0, 90];
    for (let i = 0; i < 20; i++) strong[`h${i}`] = [90, 0];
    const words = wordList(Object.keys(strong));
    const indicator = classifyFisher(words, table(strong), totals, { ...fisher, combine: 'indicator' });
    expect(indicator.probability).toBeCloseTo(0.5, 6);
    const share = classifyFisher(words, table(strong), totals, fisher);
    expect(share.probability).toBeGreaterThan(0.7);
    // The mirror image scores the mirror value.
    const mirrored: Record<string, [number, number]> = Object.fromEntries(Object.entries(strong).map(([w, [h, sp]]) => [w, [sp, h]]));
    expect(classifyFisher(words, table(mirrored), totals, fisher).probability).toBeCloseTo(1 - share.probability, 12);
  });

  it('is significant iff at least 50 ham messages were trained', () => {
    expect(classifyFisher(wordList(spammy), t, { ham: 49, spam: 100 }, fisher).significant).toBe(false);
    expect(classifyFisher(wordList(spammy), t, { ham: 50, spam: 100 }, fisher).significant).toBe(true);
  });

  it('does not collapse to 0.5 or NaN with thousands of words', () => {
    // 3000 mildly spammy words: the χ² statistic is in the thousands.
    const big: Record<string, [number, number]> = {};
    for (let i = 0; i < 3000; i++) big[`w${i}`] = [30, 70];
    const result = classifyFisher(wordList(Object.keys(big)), table(big), totals, fisher);
    expect(result.probability).toBeGreaterThan(0.99);
  });
});
