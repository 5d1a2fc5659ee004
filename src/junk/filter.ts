import { classifyWords, type Classification } from './classify.ts';
import { CountTable, type Counts } from './counts.ts';
import type { JunkParams } from './params.ts';
import type { WordList } from './word-list.ts';

export type Label = 'ham' | 'spam';

/** Receives a stored word with its counts. */
export type WordVisitor = (word: string, ham: number, spam: number) => void;

/** Everything written by one update, applied in the same transaction. */
export interface WordCountChanges {
  totals: Counts;
  /** Absolute counts of the changed words, sorted by word; a word at 0/0 is to be deleted. */
  words: [word: string, ham: number, spam: number][];
  /** A message's new training state; null when it is no longer trained. */
  trained: Map<string, Label | null>;
}

/** Where the filter keeps its counts. src/store implements it over SQLite. */
export interface WordCountStore {
  /** Visits those of `words` that are stored. */
  readWords(words: string[], visit: WordVisitor): void;
  /**
   * Every stored word with its counts, as lines `word \t ham \t spam` joined by newlines (words
   * hold neither), with the number of words; undefined when there are more than `limit`.
   * One string rather than a row each: reading half a million words is then a single scan.
   */
  dumpWords(limit: number): { dump: string; words: number } | undefined;
  readTotals(): Counts;
  readTrained(fingerprint: string): Label | undefined;
  /** Runs `fn` holding the database's write lock, committing when it returns and rolling back when it throws. */
  writeTransaction<T>(fn: () => T): T;
  write(changes: WordCountChanges): void;
  /** Changes whenever another process commits: what the filter cached may then be stale. */
  version(): number;
  /** Forgets all counts and training state. */
  clear(): void;
}

export type TrainOutcome = 'trained' | 'retrained' | 'unchanged';

/** Operations that change the counts; only available inside JunkFilter.update. */
export interface Training {
  /**
   * Trains the message with this fingerprint and words. Training is idempotent per
   * message: a message trained with the same label is left alone, one trained with the other
   * label is untrained first (junk.md section 4.4, keyed on the fingerprint as section 9 fix 11 asks).
   */
  train(fingerprint: string, words: WordList, label: Label): TrainOutcome;
  /** Removes the message's training. Throws NotTrainedError unless it is trained as `label`. */
  untrain(fingerprint: string, words: WordList, label: Label): void;
  trainedAs(fingerprint: string): Label | undefined;
}

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
/** Beyond this many words in memory (only with a larger store), the cache is dropped between operations. */
const MAX_CACHED_WORDS = 3_500_000;

/**
 * The Bayesian filter over a word-count store: classify, train and untrain with counts held in
 * memory (junk.md section 7.2). Every word is counted from its first occurrence in every kind
 * of training, so bulk and incremental training agree (junk.md section 9, fix 6).
 */
export class JunkFilter {
  readonly #store: WordCountStore;
  params: JunkParams;
  #table = new CountTable();
  /** Whether the table holds every stored word; undefined until first use after a refresh. */
  #complete: boolean | undefined;
  #totals: Counts;
  #version: number;
  /** Inside update: the words and messages changed so far. */
  #changes: { words: Set<string>; trained: Map<string, Label | null> } | undefined;

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

  classify(words: WordList): Classification {
    this.#refresh();
    this.#load(words);
    return classifyWords(words, this.#table, this.#totals, this.params);
  }

  /** Runs `fn` in one write transaction: everything it trains is committed together, or not at all. */
  update<T>(fn: (training: Training) => T): T {
    if (this.#changes) throw new Error('JunkFilter.update is not reentrant');
    return this.#store.writeTransaction(() => {
      this.#refresh();
      const changes = { words: new Set<string>(), trained: new Map<string, Label | null>() };
      this.#changes = changes;
      try {
        const result = fn(this.#training);
        const c: Counts = { ham: 0, spam: 0 };
        const words = [...changes.words].sort().map((w): [string, number, number] => {
          this.#table.readWord(w, c);
          return [w, c.ham, c.spam];
        });
        this.#store.write({ totals: this.#totals, words, trained: changes.trained });
        return result;
      } catch (err) {
        // The transaction rolls back; so must everything held in memory since it began.
        this.#forget();
        throw err;
      } finally {
        this.#changes = undefined;
      }
    });
  }

  /** Forgets all training. */
  reset(): void {
    this.#store.clear();
    this.#forget();
  }

  readonly #training: Training = {
    train: (fingerprint, words, label) => {
      const previous = this.#training.trainedAs(fingerprint);
      if (previous === label) return 'unchanged';
      if (previous) this.#count(words, previous, -1);
      this.#count(words, label, +1);
      this.#changes!.trained.set(fingerprint, label);
      return previous ? 'retrained' : 'trained';
    },
    untrain: (fingerprint, words, label) => {
      const previous = this.#training.trainedAs(fingerprint);
      if (previous !== label) throw new NotTrainedError(label, previous);
      this.#count(words, label, -1);
      this.#changes!.trained.set(fingerprint, null);
    },
    trainedAs: (fingerprint) => {
      const trained = this.#changes!.trained;
      if (trained.has(fingerprint)) return trained.get(fingerprint) ?? undefined;
      return this.#store.readTrained(fingerprint);
    },
  };

  /** Adds `delta` to the message total and to every word's count for `label`, never below zero. */
  #count(list: WordList, label: Label, delta: 1 | -1): void {
    const changed = this.#changes!.words;
    const table = this.#table;
    this.#load(list);
    this.#totals = { ...this.#totals, [label]: Math.max(0, this.#totals[label] + delta) };
    const scratch: Counts = { ham: 0, spam: 0 };
    for (let i = 0; i < list.words.length; i++) {
      // Untraining a word the store never had takes nothing away.
      if (delta < 0 && !table.read(list.hashes, 2 * i, scratch)) continue;
      table.add(list.hashes, 2 * i, label, delta);
      changed.add(list.words[i]!);
    }
  }

  /** Brings the counts of `words` into memory, asking the store once for all that are missing. */
  #load(list: WordList): void {
    const table = this.#table;
    if (this.#complete === undefined) {
      const all = this.#store.dumpWords(READ_WHOLE_WORDS);
      if (all) table.load(all.dump, all.words);
      this.#complete = all !== undefined;
    }
    if (this.#complete) return;
    const missing: string[] = [];
    for (let i = 0; i < list.words.length; i++) {
      if (table.has(list.hashes, 2 * i)) continue;
      missing.push(list.words[i]!);
      table.set(list.hashes, 2 * i, 0, 0); // absent, unless the store has it
    }
    if (missing.length > 0) this.#store.readWords(missing, (w, h, s) => table.setWord(w, h, s));
  }

  /** Drops what another process may have changed, and keeps memory bounded. */
  #refresh(): void {
    const version = this.#store.version();
    if (version !== this.#version || this.#table.size > MAX_CACHED_WORDS) {
      this.#version = version;
      this.#forget();
    }
  }

  #forget(): void {
    this.#table = new CountTable();
    this.#complete = undefined;
    this.#totals = this.#store.readTotals();
  }
}
