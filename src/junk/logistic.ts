/**
 * The second learner beside Robinson–Fisher: online logistic regression on the message's words
 * (docs/content-filter.md, "A second learner"), as the best filters of the TREC 2007 spam track
 * did (Cormack, "TREC 2007 Spam Track Overview").
 *
 * Each word has a weight, found by the first of its two hashes (word-hash.ts) in a fixed vector
 * of WEIGHT_SLOTS: the "hashing trick", so that the learner's memory does not grow with the
 * words; two words sharing a slot share a weight, which costs little ranking at this size
 * (docs/content-filter.md). A message's margin is the sum of its words' weights, each word
 * counting 1/√n in a message of n words (a long message does not outvote a short one by its
 * length alone); its probability is σ(margin). Learning is one gradient step of the log loss:
 * every word's weight moves by η · (y − σ(margin)) / √n, y 1 for junk and 0 for wanted mail, so
 * a message already judged right with confidence moves nothing. Untraining a message takes
 * its step back (the store keeps each trained message's step).
 *
 * Where Robinson–Fisher counts in how many messages of each kind a word was seen, the weights
 * learn which words tell the kinds apart in the messages that were still misjudged: the two
 * make different mistakes, and their average ranks the wanted mail that looks like junk lower
 * than either alone.
 */

import { SlotDeltas } from './slot-deltas.ts';

/** Slots of the weight vector: 2^20 (8 MB of doubles). 2^22 ranked a little better and costs four times the memory. */
export const WEIGHT_BITS = 20;
export const WEIGHT_SLOTS = 1 << WEIGHT_BITS;
const SLOT_MASK = WEIGHT_SLOTS - 1;

/** The learning rate η (docs/content-filter.md has the figures for 8 to 50). */
export const LEARNING_RATE = 30;

/**
 * Messages the learner must have learned before its margin counts in full beside the Fisher
 * score; before, its part grows with them (combineLearners). A learner that has seen nothing
 * has a margin of 0, and averaged in full it would halve the Fisher score's log-odds: a filter
 * trained before the learner existed, or with it switched on later, would let through what it
 * caught before (in the temporal protocol with an empty learner, 387 spam caught of 508 instead
 * of 420, docs/content-filter.md). 100 changes no figure of `npm run eval` but the first
 * messages' online ranking, slightly for the better.
 */
export const FULL_WEIGHT_MESSAGES = 100;

/**
 * Log-odds beyond this are taken as this: the Fisher score can be exactly 0 or 1 in floating
 * point, and one learner's certainty must not make the other's evidence vanish.
 */
const MAX_LOG_ODDS = 30;

/** The slot of the word at `hashes[at]`, `hashes[at + 1]`. */
export function slotOf(hashes: Uint32Array, at: number): number {
  return hashes[at]! & SLOT_MASK;
}

export class LogisticWeights {
  /** Every slot's weight as stored; doubles, so that they equal the store's (SQLite's REAL). */
  readonly #weights = new Float64Array(WEIGHT_SLOTS);
  /**
   * What each slot moved by since the last commit, for the slots that moved. Kept apart and
   * added at commit as the store adds them, so that memory and a reopened store agree to the
   * last bit; a table of the moved slots alone rather than a move for every slot (slot-deltas.ts).
   */
  readonly #delta = new SlotDeltas(WEIGHT_BITS);
  /** How many trained messages the learner has learned (each took a step, maybe 0). */
  #messages = 0;

  /** Sets the weights of the given slots, and how many messages they were learned from (from the store). */
  load(slots: Uint32Array, weights: Float64Array, messages: number): void {
    for (let i = 0; i < slots.length; i++) this.#weights[slots[i]! & SLOT_MASK] = weights[i]!;
    this.#messages = messages;
  }

  /** How much the margin counts beside the Fisher score, from 0 to 1: its share of FULL_WEIGHT_MESSAGES learned. */
  get confidence(): number {
    return Math.min(1, Math.max(0, this.#messages / FULL_WEIGHT_MESSAGES));
  }

  /** The message's margin: the sum of its words' weights, each 1/√n (hashes[2i], hashes[2i+1] of word i). */
  margin(hashes: Uint32Array): number {
    const n = hashes.length / 2;
    if (n === 0) return 0;
    const weights = this.#weights;
    const delta = this.#delta;
    let sum = 0;
    if (delta.size > 0) for (let at = 0; at < hashes.length; at += 2) sum += weights[slotOf(hashes, at)]! + delta.get(slotOf(hashes, at));
    else for (let at = 0; at < hashes.length; at += 2) sum += weights[slotOf(hashes, at)]!;
    return sum / Math.sqrt(n);
  }

  /**
   * One gradient step toward `label`: every word's slot moves by the same step, which is
   * returned (0 when the message was judged right with certainty) so that `unlearn` can take
   * it back.
   */
  learn(hashes: Uint32Array, label: 'ham' | 'spam'): number {
    const n = hashes.length / 2;
    if (n === 0) return 0;
    const y = label === 'spam' ? 1 : 0;
    const step = (LEARNING_RATE * (y - sigmoid(this.margin(hashes)))) / Math.sqrt(n);
    this.#move(hashes, step);
    this.#messages++;
    return step;
  }

  /** Takes back a step `learn` took for these words: untraining a message. */
  unlearn(hashes: Uint32Array, step: number): void {
    this.#move(hashes, -step);
    this.#messages--;
  }

  /**
   * Moves the words' slots by `delta`, counting no message learned or unlearned: a commit
   * putting right a step another process took or took back meanwhile (JunkFilter.commit).
   */
  adjust(hashes: Uint32Array, delta: number): void {
    this.#move(hashes, delta);
  }

  /**
   * The moves since the last commit, to be added to the stored weights: chunks of slots in about
   * ascending order with their moves, each chunk's arrays reused for the next.
   */
  pending(): Iterable<{ slots: Uint32Array; deltas: Float64Array }> {
    return this.#delta.chunks();
  }

  /** Adds the pending moves to the weights, as the store just did. */
  committed(): void {
    const weights = this.#weights;
    this.#delta.forEach((slot, delta) => {
      weights[slot] = weights[slot]! + delta;
    });
    this.#delta.clear();
  }

  #move(hashes: Uint32Array, step: number): void {
    if (step === 0) return;
    for (let at = 0; at < hashes.length; at += 2) this.#delta.add(slotOf(hashes, at), step);
  }
}

/**
 * The two learners' scores made one: the average of their log-odds, the Fisher score's and the
 * logistic margin, once the learner has learned enough (`confidence` 1); before, the margin's
 * part is `confidence` / 2 and the Fisher score keeps the rest. Averaging probabilities instead
 * let the Fisher score's many near-certain verdicts decide alone (docs/content-filter.md).
 */
export function combineLearners(fisher: number, margin: number, confidence = 1): number {
  // A learner that has learned nothing takes no part: the Fisher score as it is, not round-tripped through its log-odds.
  if (confidence === 0) return fisher;
  const part = confidence / 2;
  return sigmoid((1 - part) * clampedLogOdds(fisher) + part * Math.max(-MAX_LOG_ODDS, Math.min(MAX_LOG_ODDS, margin)));
}

function clampedLogOdds(p: number): number {
  if (!(p > 0)) return -MAX_LOG_ODDS;
  if (!(p < 1)) return MAX_LOG_ODDS;
  return Math.max(-MAX_LOG_ODDS, Math.min(MAX_LOG_ODDS, Math.log(p / (1 - p))));
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}
