import { classifyWords, SIGNIFICANT_HAM, type Classification } from './classify.ts';
import { CountTable, type Counts } from './counts.ts';
import { combineLearners, LogisticWeights } from './logistic.ts';
import type { JunkParams } from './params.ts';
import { HashIndex, type WordList } from './word-list.ts';
import { SetUp } from './set-up.ts';
import { fitThreshold, HELD_OUT_HAM, SCORED_MIN_SPAM, type FittedThreshold } from './threshold.ts';

export type Label = 'ham' | 'spam';

/** Everything one commit writes, in one transaction. */
export interface WordCountChanges {
  totals: Counts;
  /** The changed words, by their hashes: hashes[2i] and hashes[2i+1] of word i. */
  hashes: Uint32Array;
  /** counts[2i] and counts[2i+1]: the new ham and spam counts of word i; a word at 0/0 is to be deleted. */
  counts: Uint32Array;
  /** A message's new training state; null when it is no longer trained. */
  trained: Map<string, Label | null>;
  /** Held-out scores of messages trained as ham (threshold.ts), written after `trained`. */
  heldOut?: Map<string, number>;
  /**
   * What the logistic learner's weights moved by (logistic.ts), to be added to the stored ones:
   * in chunks, deltas[i] to slot slots[i]; a chunk's arrays may be reused for the next.
   */
  weights?: Iterable<{ slots: Uint32Array; deltas: Float64Array }>;
  /** The logistic learner's step for each message it learned, to take back when it is untrained (null: none); written after `trained`. */
  steps?: Map<string, number | null>;
}

/**
 * Where the filter keeps its counts, by the words' hashes (word-hash.ts): the words themselves
 * are never stored. src/store implements it over SQLite.
 */
export interface WordCountStore {
  /**
   * Those of the words with these hashes (hashes[2i] and hashes[2i+1] of word i) that are
   * stored, as [hash1, hash2, ham, spam] per word, in chunks (CountTable.load reads them).
   */
  readWords(hashes: Uint32Array): Iterable<Uint32Array>;
  /**
   * Every stored word as [hash1, hash2, ham, spam], in chunks of many words, with the number
   * of words; undefined when there are more than `limit`. Typed arrays of many words rather
   * than a row each: reading half a million words is a few scans and allocates nothing per
   * word; in chunks, so that the whole is never held twice.
   */
  dumpWords(limit: number): { chunks: Iterable<Uint32Array>; words: number } | undefined;
  readTotals(): Counts;
  readTrained(fingerprint: string): Label | undefined;
  /** The held-out scores of the latest `limit` messages trained as ham that have one (threshold.ts). */
  readHeldOut(limit: number): number[];
  /** The logistic learner's weights that are not 0, by slot (logistic.ts), and how many trained messages it learned (those with a step). */
  readWeights(): { slots: Uint32Array; weights: Float64Array; messages: number };
  /** The logistic learner's step for a trained message; undefined when it took none. */
  readStep(fingerprint: string): number | undefined;
  /** Runs `fn` holding the database's write lock, committing when it returns and rolling back when it throws. */
  writeTransaction<T>(fn: () => T): T;
  write(changes: WordCountChanges): void;
  /** Changes whenever another process commits: what the filter holds in memory may then be stale. */
  version(): number;
  /** Forgets all counts and training state. */
  clear(): void;
}

export type TrainOutcome = 'trained' | 'retrained' | 'unchanged';
/** `not-trained`: the message was not trained with that label, and nothing changed. */
export type UntrainOutcome = 'untrained' | 'not-trained';

export class NotTrainedError extends Error {
  override name = 'NotTrainedError';
  constructor(label: Label, actual: Label | undefined) {
    super(`the message is not trained as ${label} (${actual ? `it is trained as ${actual}` : 'it was never trained'})`);
  }
}

/**
 * A store with at most this many words is read whole into memory on first use: one scan costs
 * less than looking words up message by message, and a word missing from memory is then known
 * to be missing from the store. A mailbox's 1- and 2-grams stay well below this.
 */
const READ_WHOLE_WORDS = 3_000_000;
/** Beyond this many words in memory (only with a larger store), memory is dropped between operations. */
const MAX_CACHED_WORDS = 3_500_000;

/** A message trained or untrained in the pending batch. */
interface PendingMessage {
  /** How the store had it trained when the batch first touched it. */
  before: Label | undefined;
  /** How it is trained now; null when no longer trained. */
  after: Label | null;
  /** Its words, as indexes into `Pending.words`. */
  words: Int32Array;
  /** The logistic learner's step the store had for it when the batch first touched it, which the batch's moves assume; undefined: none. */
  stepBefore: number | undefined;
}

/**
 * Training done in memory and not yet committed: what each changed word and total moved by.
 * Words are kept by their hashes alone: a batch of 150 000 words holds no string.
 */
class Pending {
  readonly words = new HashIndex();
  /** [ham, spam] change of each word of `words`, by index. */
  deltas = new Int32Array(2 * 1024);
  readonly totals: Counts = { ham: 0, spam: 0 };
  readonly messages = new Map<string, PendingMessage>();
  /** Held-out scores of ham trained in this batch, by fingerprint. */
  readonly heldOut = new Map<string, number>();
  /** The logistic learner's step for each message it learned in this batch; null for one whose step was taken back. */
  readonly steps = new Map<string, number | null>();

  /** The index of word `i` of `list`, added when new. */
  index(list: WordList, i: number): number {
    const index = this.words.index(list.hashes[2 * i]!, list.hashes[2 * i + 1]!);
    // Twice as long, the old array's memory freed now (typed-arrays.ts).
    if (2 * index + 2 > this.deltas.length) this.deltas = new Int32Array(this.deltas.buffer.transfer(2 * this.deltas.byteLength));
    return index;
  }

  /**
   * Forgets the batch and keeps its arrays for the next, as large as this one was likely: a new
   * batch's arrays left the last one's as garbage (7 MB at 150 000 words) until a full collection.
   */
  clear(): void {
    this.deltas.fill(0, 0, 2 * this.words.size);
    this.words.clear();
    this.totals.ham = this.totals.spam = 0;
    this.messages.clear();
    this.heldOut.clear();
    this.steps.clear();
  }

  /** Moves a message's words and the total from one training state to another. */
  move(words: Int32Array, from: Label | undefined | null, to: Label | undefined | null): void {
    for (const [label, delta] of [
      [from, -1],
      [to, +1],
    ] as const) {
      if (!label) continue;
      const column = label === 'ham' ? 0 : 1;
      for (const index of words) this.deltas[2 * index + column]! += delta;
      this.totals[label] += delta;
    }
  }
}

/**
 * The Bayesian filter over a word-count store (docs/junk.md sections 2 to 4): classify, train and
 * untrain with every count held in memory (section 7.2). Training takes effect at once for
 * classification and is written by `commit`, which the caller runs per request or per batch.
 * Every word is counted from its first occurrence in every kind of training, so bulk and
 * incremental training agree (section 9, fix 6).
 */
export class JunkFilter {
  readonly #store: WordCountStore;
  params: JunkParams;
  #table = new CountTable();
  /** Whether the table holds every stored word; undefined until first use after a refresh. */
  #complete: boolean | undefined;
  #totals: Counts;
  #version: number;
  readonly #pending = new Pending();
  /** The logistic learner's weights (logistic.ts), read from the store on first use; undefined after a refresh. */
  #weights: LogisticWeights | undefined;
  /** The threshold fitted on the stored held-out scores; undefined until asked after a change. */
  #fitted: FittedThreshold | undefined;

  constructor(store: WordCountStore, params: JunkParams) {
    this.#store = store;
    this.params = params;
    this.#version = store.version();
    this.#totals = store.readTotals();
  }

  get totals(): Counts {
    this.#refresh();
    return { ...this.#totals };
  }

  /** How many messages and distinct words were trained or untrained since the last commit. */
  get pending(): { messages: number; words: number } {
    return { messages: this.#pending.messages.size, words: this.#pending.words.size };
  }

  classify(list: WordList): Classification {
    this.#refresh();
    this.#load(list);
    return this.#classify(list);
  }

  /** The counts' classification, its probability averaged with the logistic learner's when it is on. */
  #classify(list: WordList): Classification {
    const result = classifyWords(list, this.#table, this.#totals, this.params);
    if (!this.#logistic) return result;
    const learner = this.#learner();
    return { ...result, probability: combineLearners(result.probability, learner.margin(list.hashes), learner.confidence) };
  }

  /** Whether the logistic learner scores and learns: a setting of the Fisher classifier (params.ts). */
  get #logistic(): boolean {
    return this.params.logistic && this.params.classifier === 'fisher';
  }

  #learner(): LogisticWeights {
    if (!this.#weights) {
      this.#weights = new LogisticWeights();
      const { slots, weights, messages } = this.#store.readWeights();
      this.#weights.load(slots, weights, messages);
    }
    return this.#weights;
  }

  trainedAs(fingerprint: string): Label | undefined {
    const pending = this.#pending.messages.get(fingerprint);
    if (pending) return pending.after ?? undefined;
    return this.#store.readTrained(fingerprint);
  }

  /**
   * Trains the message with this fingerprint and words. Training is idempotent per message: a
   * message trained with the same label is left alone, one trained with the other label is
   * untrained first (docs/junk.md section 4.4, keyed on the fingerprint as section 9 fix 11 asks).
   * Wanted mail trained through `setUp` is scored held-out again at that set-up's end.
   */
  train(fingerprint: string, list: WordList, label: Label, setUp?: SetUp): TrainOutcome {
    // Refused before anything changes, so a refusal trains nothing.
    if (setUp?.ended) throw new Error('this set-up has ended: begin another to train through');
    this.#refresh();
    const previous = this.trainedAs(fingerprint);
    if (previous === label) return 'unchanged';
    // Wanted mail learned as it comes: scored held-out just before (threshold.ts). A message
    // trained before (as spam) would be scored with its own words: it gets no score.
    const heldOut = label === 'ham' && !previous && this.#canScore(0) ? this.classify(list).probability : undefined;
    this.#move(fingerprint, list, previous, label);
    if (heldOut !== undefined) this.#pending.heldOut.set(fingerprint, heldOut);
    if (label === 'ham' && setUp) setUp.add({ fingerprint, hashes: list.hashes });
    // A message retrained with the other label: its earlier step is taken back first.
    if (previous) this.#unlearn(fingerprint, list);
    if (this.#logistic) this.#pending.steps.set(fingerprint, this.#learner().learn(list.hashes, label));
    return previous ? 'retrained' : 'trained';
  }

  /**
   * Starts a set-up (`warden bootstrap`): the wanted messages trained through it (`train`'s
   * `setUp`) are scored held-out at its end, each by the filter the whole set-up trained minus
   * its own words. Scored as they are trained instead, the first would be judged by a filter
   * that had seen little.
   */
  beginSetUp(): SetUp {
    return new SetUp();
  }

  /**
   * Ends a set-up: scores its latest wanted messages held-out, for the next commit to write.
   * Only with every word in memory, as with any store of up to READ_WHOLE_WORDS words: the
   * hashes kept cannot be looked up in the store.
   */
  endSetUp(setUp: SetUp): void {
    const trained = setUp.end();
    this.#refresh();
    this.#loadWhole();
    if (!this.#complete || !this.#canScore(1)) return;
    for (const { fingerprint, hashes } of trained) {
      if (this.trainedAs(fingerprint) !== 'ham') continue;
      // The words themselves only name the deciding words, which a held-out score does not keep.
      const list = { words: [], hashes };
      this.#pending.heldOut.set(fingerprint, this.#withoutOwnWords(list, 'ham'));
    }
  }

  /** The threshold this filter judges by: the configured one, or fitted on the user's training (threshold.ts). */
  threshold(): FittedThreshold {
    this.#refresh();
    const { threshold, fitThreshold: fit } = this.params;
    if (!fit) return { threshold, configured: threshold, ham: 0 };
    if (this.#fitted?.configured !== threshold) this.#fitted = fitThreshold(this.#store.readHeldOut(HELD_OUT_HAM), threshold);
    return this.#fitted;
  }

  /**
   * Whether a message can be scored held-out: by the Fisher classifier (mox's needs the words'
   * text, which training does not build), with a filter that judges without it (`own` the
   * message's own ham count in the totals).
   */
  #canScore(own: number): boolean {
    return this.params.classifier === 'fisher' && this.#totals.ham - own >= SIGNIFICANT_HAM && this.#totals.spam >= SCORED_MIN_SPAM;
  }

  /** The probability of a trained message by the counts without its own words (all in memory). */
  #withoutOwnWords(list: WordList, label: Label): number {
    const table = this.#table;
    const totals = this.#totals;
    for (let at = 0; at < list.hashes.length; at += 2) table.add(list.hashes, at, label, -1);
    this.#totals = { ...totals, [label]: totals[label] - 1 };
    try {
      // The logistic learner's part keeps the message: its steps cannot be taken out.
      return this.#classify(list).probability;
    } finally {
      for (let at = 0; at < list.hashes.length; at += 2) table.add(list.hashes, at, label, +1);
      this.#totals = totals;
    }
  }

  /** Removes the message's training. Throws NotTrainedError unless it is trained as `label`. */
  untrain(fingerprint: string, list: WordList, label: Label): void {
    this.#refresh();
    const previous = this.trainedAs(fingerprint);
    if (previous !== label) throw new NotTrainedError(label, previous);
    this.#move(fingerprint, list, label, null);
    this.#unlearn(fingerprint, list);
  }

  /**
   * Takes back the logistic learner's step for a trained message, if it took one: whatever the
   * setting is now, so that weights learned while it was on never keep a message that is no
   * longer trained as it was.
   */
  #unlearn(fingerprint: string, list: WordList): void {
    const steps = this.#pending.steps;
    // Its own step of this batch, else the stored one (#move read it when the batch first touched the message).
    const step = steps.has(fingerprint) ? steps.get(fingerprint) : this.#pending.messages.get(fingerprint)?.stepBefore;
    if (step !== undefined && step !== null) this.#learner().unlearn(list.hashes, step);
    steps.set(fingerprint, null);
  }

  /**
   * Writes all pending training in one transaction. When another process wrote meanwhile, what
   * this batch assumed is checked under the write lock: a message the other process trained or
   * untrained is moved from its stored state instead, and the pending changes are applied to the
   * stored counts read again, so that neither process's training is lost or counted twice.
   */
  commit(): void {
    const pending = this.#pending;
    if (pending.messages.size === 0 && pending.heldOut.size === 0) return;
    this.#fitted = undefined;
    try {
      this.#store.writeTransaction(() => {
        const stale = this.#store.version() !== this.#version;
        if (stale) {
          for (const [fingerprint, m] of pending.messages) {
            const stored = this.#store.readTrained(fingerprint);
            // The batch moved this message from `before`; it must move from `stored` instead.
            if (stored !== m.before) pending.move(m.words, stored, m.before);
          }
        }
        const hashes = pending.words.hashes();
        if (stale) this.#reconcileSteps(hashes);
        // Stale: the stored counts of the changed words, read again, to apply the deltas to.
        const fresh = stale ? new CountTable() : undefined;
        if (fresh) for (const chunk of this.#store.readWords(hashes)) fresh.load(chunk);
        const base = stale ? this.#store.readTotals() : undefined;
        const totals = base ? { ham: Math.max(0, base.ham + pending.totals.ham), spam: Math.max(0, base.spam + pending.totals.spam) } : this.#totals;
        const counts = new Uint32Array(hashes.length);
        const c: Counts = { ham: 0, spam: 0 };
        for (let at = 0; at < hashes.length; at += 2) {
          if (fresh) {
            if (!fresh.read(hashes, at, c)) c.ham = c.spam = 0;
            c.ham = Math.max(0, c.ham + pending.deltas[at]!);
            c.spam = Math.max(0, c.spam + pending.deltas[at + 1]!);
          } else {
            this.#table.read(hashes, at, c);
          }
          counts[at] = c.ham;
          counts[at + 1] = c.spam;
        }
        const trained = new Map([...pending.messages].map(([fingerprint, m]) => [fingerprint, m.after]));
        const weights = this.#weights?.pending();
        this.#store.write({ totals, hashes, counts, trained, heldOut: pending.heldOut, weights, steps: pending.steps });
        this.#weights?.committed();
        // Our own commit leaves the version as it was; another's has made memory stale.
        if (stale) this.#forget();
      });
    } catch (err) {
      // Nothing was written: memory must not claim otherwise.
      this.#forget();
      throw err;
    } finally {
      pending.clear();
    }
  }

  /**
   * The learner's side of a stale commit, under the write lock: a message whose stored step
   * another process took or took back since this batch first touched it has this batch's moves
   * based on a step that is no longer there (both processes untraining it would take it back
   * twice; both training it would leave two steps and record one). Moved by the difference, the
   * weights keep the message's step once: the one this batch records. Every message of the
   * batch, learned or not: writing its training state records this batch's step or none.
   */
  #reconcileSteps(hashes: Uint32Array): void {
    const pending = this.#pending;
    for (const [fingerprint, m] of pending.messages) {
      const assumed = m.stepBefore ?? 0;
      const stored = this.#store.readStep(fingerprint) ?? 0;
      if (stored === assumed) continue;
      const own = new Uint32Array(2 * m.words.length);
      for (let i = 0; i < m.words.length; i++) {
        own[2 * i] = hashes[2 * m.words[i]!]!;
        own[2 * i + 1] = hashes[2 * m.words[i]! + 1]!;
      }
      this.#learner().adjust(own, assumed - stored);
    }
  }

  /** Forgets all training, pending or stored. */
  reset(): void {
    this.#store.clear();
    this.#pending.clear();
    this.#forget();
  }

  /**
   * Moves a message from one training state to another: in memory (counts never below zero) and
   * in the pending batch, which remembers the state the store had so commit can check it.
   */
  #move(fingerprint: string, list: WordList, from: Label | undefined, to: Label | null): void {
    const table = this.#table;
    const pending = this.#pending;
    this.#load(list);
    const words = new Int32Array(list.hashes.length / 2);
    for (let i = 0; i < words.length; i++) {
      words[i] = pending.index(list, i);
      if (from) table.add(list.hashes, 2 * i, from, -1);
      if (to) table.add(list.hashes, 2 * i, to, +1);
    }
    pending.move(words, from, to);
    const totals = { ...this.#totals };
    if (from) totals[from] = Math.max(0, totals[from] - 1);
    if (to) totals[to] += 1;
    this.#totals = totals;
    const earlier = pending.messages.get(fingerprint);
    const stepBefore = earlier ? earlier.stepBefore : from ? this.#store.readStep(fingerprint) : undefined;
    pending.messages.set(fingerprint, { before: earlier ? earlier.before : from, after: to, words, stepBefore });
  }

  /**
   * Reads the stored counts into memory now (a store of up to READ_WHOLE_WORDS words; a larger
   * one is read word by word as messages need them), and the logistic learner's weights, so that
   * the first message classified does not wait for them: at corpus size that takes 0.5 to 2 s,
   * and a watcher is not told of new mail meanwhile.
   */
  warm(): void {
    this.#refresh();
    this.#loadWhole();
    if (this.#logistic) this.#learner();
  }

  #loadWhole(): void {
    if (this.#complete !== undefined) return;
    const all = this.#store.dumpWords(READ_WHOLE_WORDS);
    if (all) for (const chunk of all.chunks) this.#table.load(chunk, all.words);
    this.#complete = all !== undefined;
  }

  /** Brings the counts of `list`'s words into memory, asking the store once for all that are missing. */
  #load(list: WordList): void {
    const table = this.#table;
    this.#loadWhole();
    if (this.#complete) return;
    const missing = new Uint32Array(list.hashes.length);
    let end = 0;
    for (let at = 0; at < list.hashes.length; at += 2) {
      if (table.has(list.hashes, at)) continue;
      missing[end++] = list.hashes[at]!;
      missing[end++] = list.hashes[at + 1]!;
      table.set(list.hashes, at, 0, 0); // absent, unless the store has it
    }
    if (end > 0) for (const chunk of this.#store.readWords(missing.subarray(0, end))) table.load(chunk);
  }

  /**
   * Drops what another process may have changed, and keeps memory bounded. Memory holding
   * uncommitted training stays: commit reconciles it with the store.
   */
  #refresh(): void {
    if (this.#pending.messages.size > 0) return;
    const version = this.#store.version();
    if (version !== this.#version || this.#table.size > MAX_CACHED_WORDS) {
      this.#version = version;
      this.#forget();
    }
  }

  #forget(): void {
    this.#fitted = undefined;
    this.#weights = undefined;
    this.#table = new CountTable();
    this.#complete = undefined;
    this.#totals = this.#store.readTotals();
    this.#version = this.#store.version();
  }
}
