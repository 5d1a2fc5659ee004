import { describe, expect, it } from 'vitest';
import { combineLearners, FULL_WEIGHT_MESSAGES, LEARNING_RATE, LogisticWeights, slotOf, WEIGHT_SLOTS } from '../../src/junk/logistic.ts';
import { hashWord } from '../../src/junk/word-hash.ts';

/** The hashes of a message's words, as a WordList holds them. */
function hashes(...words: string[]): Uint32Array {
  const out = new Uint32Array(2 * words.length);
  words.forEach((word, i) => hashWord(word, out, 2 * i));
  return out;
}

/** The learner's pending moves, by slot. */
function pendingMoves(w: LogisticWeights): Map<number, number> {
  const moves = new Map<number, number>();
  for (const { slots, deltas } of w.pending()) slots.forEach((slot, i) => moves.set(slot, deltas[i]!));
  return moves;
}

const SPAM = hashes('winner', 'prize', 'claim', 'now');
const HAM = hashes('meeting', 'agenda', 'tuesday', 'now');

describe('LogisticWeights', () => {
  it('gives every message margin 0 before it learns, and learns nothing from an empty message', () => {
    const w = new LogisticWeights();
    expect(w.margin(SPAM)).toBe(0);
    expect(w.learn(new Uint32Array(0), 'spam')).toBe(0);
    expect(pendingMoves(w).size).toBe(0);
  });

  it('moves each word by η · (y − σ(margin)) / √n, the same step for all of a message', () => {
    const w = new LogisticWeights();
    // From margin 0, σ = 0.5: a junk message of 4 words moves each word by η · 0.5 / 2.
    const step = w.learn(SPAM, 'spam');
    expect(step).toBe((LEARNING_RATE * 0.5) / 2);
    const moves = pendingMoves(w);
    expect([...moves.keys()].sort((a, b) => a - b)).toEqual([...new Set(Array.from({ length: 4 }, (_, i) => slotOf(SPAM, 2 * i)))].sort((a, b) => a - b));
    expect([...moves.values()]).toEqual(Array.from({ length: 4 }, () => step));
    // The margin is the words' weights summed, each counting 1/√n.
    expect(w.margin(SPAM)).toBe((4 * step) / 2);
    // A word shared with a wanted message carries its weight there too.
    expect(w.margin(HAM)).toBe(step / 2);
  });

  it('separates junk from wanted mail as it learns, each step smaller as the verdict gets surer', () => {
    const w = new LogisticWeights();
    const steps: number[] = [];
    for (let i = 0; i < 5; i++) {
      steps.push(w.learn(SPAM, 'spam'));
      w.learn(HAM, 'ham');
    }
    expect(w.margin(SPAM)).toBeGreaterThan(0);
    expect(w.margin(HAM)).toBeLessThan(0);
    for (let i = 1; i < steps.length; i++) expect(steps[i]!).toBeLessThan(steps[i - 1]!);
  });

  it('takes a step back exactly when the message is unlearned', () => {
    const w = new LogisticWeights();
    w.learn(HAM, 'ham');
    w.committed();
    const before = w.margin(SPAM);
    const step = w.learn(SPAM, 'spam');
    expect(w.margin(SPAM)).not.toBe(before);
    w.unlearn(SPAM, step);
    expect(w.margin(SPAM)).toBe(before);
  });

  it('judges alike before and after a commit, and after loading what the store added up', () => {
    const w = new LogisticWeights();
    for (let i = 0; i < 3; i++) w.learn(SPAM, 'spam');
    w.committed();
    w.learn(HAM, 'ham');
    const margin = w.margin(SPAM);
    // What a store holds after adding the pending moves to the committed weights.
    const reference = new LogisticWeights();
    for (let i = 0; i < 3; i++) reference.learn(SPAM, 'spam');
    const stored = pendingMoves(reference);
    for (const [slot, delta] of pendingMoves(w)) stored.set(slot, (stored.get(slot) ?? 0) + delta);
    w.committed();
    expect(w.margin(SPAM)).toBe(margin);
    expect(pendingMoves(w).size).toBe(0);
    const loaded = new LogisticWeights();
    loaded.load(Uint32Array.from(stored.keys()), Float64Array.from(stored.values()), 4);
    expect(loaded.margin(SPAM)).toBe(margin);
    expect(loaded.margin(HAM)).toBe(w.margin(HAM));
  });

  it('commits every move of a batch that outgrew its table of moves, as dense arithmetic adds them', () => {
    const w = new LogisticWeights();
    // 40 messages of 200 words each, overlapping: some 4 000 distinct slots, moved by turns.
    const messages = Array.from({ length: 40 }, (_, m) => hashes(...Array.from({ length: 200 }, (_, i) => `w${(m * 97 + i * 13) % 4000}`)));
    const dense = new Float64Array(WEIGHT_SLOTS);
    for (const [m, message] of messages.entries()) {
      const step = w.learn(message, m % 3 === 0 ? 'spam' : 'ham');
      for (let at = 0; at < message.length; at += 2) dense[slotOf(message, at)]! += step;
    }
    const moves = pendingMoves(w);
    expect(moves.size).toBeGreaterThan(1024);
    for (const [slot, delta] of moves) expect(delta).toBe(dense[slot]);
    expect(dense.filter((d, slot) => d !== 0 && !moves.has(slot))).toHaveLength(0);
    const margins = messages.map((m) => w.margin(m));
    w.committed();
    expect(pendingMoves(w).size).toBe(0);
    expect(messages.map((m) => w.margin(m))).toEqual(margins);
    const loaded = new LogisticWeights();
    loaded.load(Uint32Array.from(moves.keys()), Float64Array.from(moves.values()), 40);
    expect(messages.map((m) => loaded.margin(m))).toEqual(margins);
  });

  it('counts the messages it learned, and gains confidence with them up to FULL_WEIGHT_MESSAGES', () => {
    const w = new LogisticWeights();
    expect(w.confidence).toBe(0);
    const step = w.learn(SPAM, 'spam');
    expect(w.confidence).toBe(1 / FULL_WEIGHT_MESSAGES);
    w.unlearn(SPAM, step);
    expect(w.confidence).toBe(0);
    w.load(new Uint32Array(0), new Float64Array(0), 3 * FULL_WEIGHT_MESSAGES);
    expect(w.confidence).toBe(1);
  });

  it('keeps every slot inside the vector', () => {
    const out = Uint32Array.of(0xffffffff, 1);
    expect(slotOf(out, 0)).toBe(WEIGHT_SLOTS - 1);
  });
});

describe('combineLearners', () => {
  it('is 0.5 when neither learner takes a side, and follows the Fisher score while the learner has no weights', () => {
    expect(combineLearners(0.5, 0)).toBe(0.5);
    // With margin 0 the Fisher score's log-odds are halved: same order, less certain.
    expect(combineLearners(0.9, 0)).toBeCloseTo(0.75, 12);
    expect(combineLearners(0.99, 0)).toBeGreaterThan(combineLearners(0.9, 0));
  });

  it('lets the learner that disagrees pull a near-certain Fisher score back', () => {
    // A wanted message the Fisher score calls junk (0.99) and the weights call wanted.
    expect(combineLearners(0.99, -6)).toBeLessThan(combineLearners(0.9, 2));
    expect(combineLearners(0.99, -6)).toBeLessThan(0.5);
  });

  it('is the Fisher score alone while the learner has learned nothing, and gives the margin its half as it learns', () => {
    // A filter trained before the learner existed: its scores stay as they were.
    expect(combineLearners(0.99, 0, 0)).toBe(0.99);
    expect(combineLearners(0.99, -6, 0)).toBe(0.99);
    expect(combineLearners(0.99, -6, 0.5)).toBeGreaterThan(combineLearners(0.99, -6, 1));
    expect(combineLearners(0.99, -6, 0.5)).toBeLessThan(0.99);
  });

  it('is symmetric between junk and wanted mail', () => {
    expect(combineLearners(0.2, 1.5)).toBeCloseTo(1 - combineLearners(0.8, -1.5), 12);
  });

  it('stays finite and undecided when a Fisher score of exactly 0 or 1 meets as certain a margin the other way', () => {
    expect(combineLearners(1, -30)).toBe(0.5);
    expect(combineLearners(0, 30)).toBe(0.5);
    expect(combineLearners(1, -1e9)).toBe(0.5);
  });
});
