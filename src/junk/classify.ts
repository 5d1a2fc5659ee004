import type { CountTable, Counts } from './counts.ts';
import type { JunkParams } from './params.ts';
import type { WordList } from './word-list.ts';

export type WordScore = [word: string, score: number];

export interface Classification {
  /** 0 is ham, 1 is spam. */
  probability: number;
  /** mox acts on the probability only once 50 ham messages were trained (docs/junk.md section 3.4). */
  significant: boolean;
  /** The strongest ham words that counted, most hammy first. */
  hams: WordScore[];
  /** The strongest spam words that counted, most spammy first. */
  spams: WordScore[];
}

export const SIGNIFICANT_HAM = 50;

/** How many words of each side the Fisher classifier reports (all qualifying words count). */
const EXPLAINED_WORDS = 10;

/** Classifies a message's word set with the classifier the settings choose. */
export function classifyWords(list: WordList, counts: CountTable, totals: Counts, params: JunkParams): Classification {
  // Without strings (training's word lists, scored held-out) the probability is the same; only
  // the words that decided cannot be named. mox's classifier needs them: ties go to the longer.
  if (list.words.length === 0 && list.hashes.length > 0 && params.classifier === 'mox') {
    throw new Error("mox's classifier breaks ties between words by their length: classify a word list built with strings (messageWords)");
  }
  return params.classifier === 'mox' ? classifyMox(list, counts, totals, params) : classifyFisher(list, counts, totals, params);
}

/**
 * mox's ClassifyWords (docs/junk.md section 3): per-word scores from message-normalised frequencies,
 * clamped and damped, the strongest `topWords` of each side combined with Graham's rule.
 */
export function classifyMox(
  list: WordList,
  counts: CountTable,
  totals: Counts,
  params: Pick<JunkParams, 'maxPower' | 'topWords' | 'ignoreWords' | 'rareWords'>,
): Classification {
  const { maxPower, topWords, ignoreWords, rareWords } = params;
  const c: Counts = { ham: 0, spam: 0 };
  const hams: Candidate[] = [];
  const spams: Candidate[] = [];
  for (let i = 0; i < list.hashes.length / 2; i++) {
    if (!counts.read(list.hashes, 2 * i, c)) continue;
    let r = wordProbability(c, totals);
    // 0/0 (ham-only while no spam was trained, say) is NaN: such a word says nothing and
    // fails every comparison below, as in mox.
    if (Number.isNaN(r)) continue;
    if (r < maxPower) r = maxPower;
    else if (r >= 1 - maxPower) r = 1 - maxPower;
    const n = c.ham + c.spam;
    if (n <= rareWords) r += ((1 + rareWords - n) * (0.5 - r)) / 10;
    if (Math.abs(0.5 - r) < ignoreWords) continue;
    if (r < 0.5) keepStrongest(hams, topWords, list, i, r, 0.5 - r);
    else if (r > 0.5) keepStrongest(spams, topWords, list, i, r, r - 0.5);
  }
  // Graham's combination in log space: P = Πr / (Πr + Π(1-r)) = 1 / (1 + e^η).
  let eta = 0;
  for (const { r } of hams) eta += Math.log(1 - r) - Math.log(r);
  for (const { r } of spams) eta += Math.log(1 - r) - Math.log(r);
  return result(1 / (1 + Math.exp(eta)), totals, hams, spams);
}

/**
 * Robinson's word scores combined with Fisher's method, as bogofilter and SpamBayes do
 * (Robinson, "A Statistical Approach to the Spam Problem", Linux Journal 107, 2003).
 *
 * A word's score is its message-normalised spam frequency p, pulled toward the prior x with
 * strength s: f = (s·x + n·p) / (s + n), n the messages it was seen in. Every word scoring at
 * least `ignoreWords` away from 0.5 counts. Fisher's χ² test asks how unlikely the product of
 * the f (and of the 1 - f) is for random scores: the first tail probability is small when the
 * words are hammy, the second when they are spammy.
 *
 * `combine` turns the two into one score, near 1 for spam, near 0 for ham:
 * - `indicator`, Robinson's (1 + H − S) / 2. When both tails are tiny (a long message with
 *   strong words of both kinds) it is 0.5 however much stronger one side is: later spam whose
 *   words were also seen in ham piles up just above 0.5, under any threshold a user would set.
 * - `share`, the spam side's share of all the evidence in log space, ln S / (ln H + ln S): the
 *   same 0.5 for balanced evidence and the same order where the indicator is not saturated,
 *   but where it is, a message with 1e-23 against 1e-4 scores 0.85, not 0.5
 *   (docs/content-filter.md has the figures).
 */
export function classifyFisher(
  list: WordList,
  counts: CountTable,
  totals: Counts,
  params: Pick<JunkParams, 'ignoreWords' | 'robinsonStrength' | 'robinsonPrior' | 'combine'>,
): Classification {
  const { ignoreWords, robinsonStrength: s, robinsonPrior: x } = params;
  const c: Counts = { ham: 0, spam: 0 };
  const hams: Candidate[] = [];
  const spams: Candidate[] = [];
  let sumLnF = 0;
  let sumLn1mF = 0;
  let n = 0;
  const named = list.words.length > 0;
  for (let i = 0; i < list.hashes.length / 2; i++) {
    if (!counts.read(list.hashes, 2 * i, c)) continue;
    const p = wordProbability(c, totals);
    if (Number.isNaN(p)) continue;
    const seen = c.ham + c.spam;
    const f = (s * x + seen * p) / (s + seen);
    if (Math.abs(f - 0.5) < ignoreWords) continue;
    sumLnF += Math.log(f);
    sumLn1mF += Math.log(1 - f);
    n++;
    if (!named) continue;
    if (f < 0.5) keepStrongest(hams, EXPLAINED_WORDS, list, i, f, 0.5 - f);
    else if (f > 0.5) keepStrongest(spams, EXPLAINED_WORDS, list, i, f, f - 0.5);
  }
  if (n === 0) return result(0.5, totals, hams, spams);
  const lnH = logChiSquareSurvival(-2 * sumLnF, n); // very negative when the words are hammy
  const lnS = logChiSquareSurvival(-2 * sumLn1mF, n); // very negative when the words are spammy
  if (params.combine === 'indicator') return result((1 + Math.exp(lnH) - Math.exp(lnS)) / 2, totals, hams, spams);
  return result(lnH + lnS < 0 ? lnS / (lnH + lnS) : 0.5, totals, hams, spams);
}

/** The word's spam frequency among spam, relative to both: message-normalised, as in Graham's scheme. */
function wordProbability(c: Counts, totals: Counts): number {
  const pS = totals.spam > 0 ? c.spam / totals.spam : 0;
  const pH = totals.ham > 0 ? c.ham / totals.ham : 0;
  return pS / (pS + pH);
}

/**
 * P(χ² ≥ x2) with 2k degrees of freedom. For even degrees of freedom the survival function is
 * a Poisson sum: e^(-m) Σ_{i<k} m^i / i!, with m = x2 / 2.
 */
export function chiSquareSurvival(x2: number, k: number): number {
  return Math.exp(logChiSquareSurvival(x2, k));
}

/** ln P(χ² ≥ x2) with 2k degrees of freedom, finite where the probability itself underflows. */
export function logChiSquareSurvival(x2: number, k: number): number {
  const m = x2 / 2;
  if (m < 700) {
    let term = Math.exp(-m);
    let sum = term;
    for (let i = 1; i < k; i++) {
      term *= m / i;
      sum += term;
    }
    return Math.min(Math.log(sum), 0);
  }
  // e^(-m) underflows: sum the terms in log space, scaled by the largest.
  const logTerms = new Float64Array(k);
  let logTerm = -m;
  let largest = logTerm;
  logTerms[0] = logTerm;
  for (let i = 1; i < k; i++) {
    logTerm += Math.log(m / i);
    logTerms[i] = logTerm;
    if (logTerm > largest) largest = logTerm;
  }
  let scaled = 0;
  for (const t of logTerms) scaled += Math.exp(t - largest);
  return Math.min(largest + Math.log(scaled), 0);
}

function result(probability: number, totals: Counts, hams: Candidate[], spams: Candidate[]): Classification {
  return {
    probability,
    significant: totals.ham >= SIGNIFICANT_HAM,
    hams: hams.map(({ list, i, r }) => [list.words[i]!, r]),
    spams: spams.map(({ list, i, r }) => [list.words[i]!, r]),
  };
}

interface Candidate {
  /** Word i of the list. */
  list: WordList;
  i: number;
  r: number;
  /** Distance of the score from 0.5. */
  strength: number;
  /** UTF-8 length, computed only when a tie needs it. */
  bytes?: number;
}

/**
 * Inserts the word into `top` (strongest first, at most `n`) if it belongs there. Ties go to
 * the longer word in UTF-8 bytes, as mox sorts them.
 */
function keepStrongest(top: Candidate[], n: number, list: WordList, at: number, r: number, strength: number): void {
  // Most words of a long message are weaker than the n kept: no candidate is made for them.
  if (top.length >= n && (n === 0 || strength < top[n - 1]!.strength)) return;
  const candidate: Candidate = { list, i: at, r, strength };
  let i = top.length;
  while (i > 0 && stronger(candidate, top[i - 1]!)) i--;
  if (i >= n) return; // also when n is 0
  top.splice(i, 0, candidate);
  if (top.length > n) top.pop();
}

function stronger(a: Candidate, b: Candidate): boolean {
  if (a.strength !== b.strength) return a.strength > b.strength;
  a.bytes ??= Buffer.byteLength(a.list.words[a.i]!);
  b.bytes ??= Buffer.byteLength(b.list.words[b.i]!);
  return a.bytes > b.bytes;
}
