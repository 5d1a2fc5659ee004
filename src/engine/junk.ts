import { statSync } from 'node:fs';
import { SIGNIFICANT_HAM, type Classification } from '../junk/classify.ts';
import type { Counts } from '../junk/counts.ts';
import { JunkFilter, type Label, type TrainOutcome, type UntrainOutcome } from '../junk/filter.ts';
import { DEFAULT_JUNK_PARAMS, junkParamsSchema, MOX_PARAMS, wordSettings, type JunkParams } from '../junk/params.ts';
import { analyzeMessage, wordsOfMessage, type MessageWords } from '../junk/analyze.ts';
import type { WordOptions } from '../junk/words.ts';
import { describeThreshold, FITTED_MIN_HAM, HELD_OUT_HAM, withUnsureBand, type FittedThreshold } from '../junk/threshold.ts';
import type { WordList } from '../junk/word-list.ts';
import { hashWord } from '../junk/word-hash.ts';
import type { SetUp } from '../junk/set-up.ts';
import { openDatabase, type Db } from '../store/database.ts';
import { SqliteWordCounts } from '../store/junk-words.ts';
import { databaseFile } from './data-dir.ts';
import { readSetting, writeSetting } from '../store/settings.ts';
import { parseWith } from './validate.ts';

export type { FittedThreshold, JunkParams, Label, MessageWords, SetUp, TrainOutcome, UntrainOutcome };
export { describeThreshold, FITTED_MIN_HAM, SIGNIFICANT_HAM, withUnsureBand };

/** Named settings: Warden's defaults, and mox's quickstart filter. */
export const PRESETS = { default: DEFAULT_JUNK_PARAMS, mox: MOX_PARAMS } satisfies Record<string, JunkParams>;

/** The filter's judgement of one message. */
export interface Verdict extends Classification {
  /** Junk at the threshold: significant and above it. */
  spam: boolean;
  /** The threshold judged by: the configured one, or fitted on the user's training. */
  threshold: number;
  fit: FittedThreshold;
}

export interface JunkStats {
  hamMessages: number;
  spamMessages: number;
  words: number;
  /** Bytes on disk: the database with its write-ahead log. */
  databaseBytes: number;
}

const PARAMS_KEY = 'junk.params';

/** The words of a message to train: hashes alone. */
export const TRAINING: WordOptions = { strings: false };

/** A settings change that would make the trained counts meaningless. */
export class WordSettingsError extends Error {
  override name = 'WordSettingsError';
}

/**
 * The content filter of one data directory: raw messages in, verdicts and training out.
 * One instance per process; it keeps word counts cached between calls.
 */
export class JunkService {
  readonly #db: Db;
  readonly #file: string;
  readonly #counts: SqliteWordCounts;
  readonly #filter: JunkFilter;
  /** Whether `close` closes the database: only when this service opened it. */
  readonly #ownsDb: boolean;

  private constructor(db: Db, file: string, ownsDb: boolean) {
    this.#db = db;
    this.#file = file;
    this.#ownsDb = ownsDb;
    this.#counts = new SqliteWordCounts(this.#db, hashWord);
    try {
      this.#filter = new JunkFilter(this.#counts, this.#storedParams());
    } catch (err) {
      if (ownsDb) db.close();
      throw err;
    }
  }

  static open(dataDir: string): JunkService {
    const file = databaseFile(dataDir);
    return new JunkService(openDatabase(file), file, true);
  }

  /** The filter of a database another service opened and will close (the engine's). */
  static onDatabase(db: Db, file: string): JunkService {
    return new JunkService(db, file, false);
  }

  get params(): JunkParams {
    return this.#filter.params;
  }

  /**
   * Parses a message into its fingerprint and words with the current settings. To train only,
   * `{ strings: false }`: the words' hashes without their text, which only a verdict shows.
   */
  words(raw: Uint8Array, options: WordOptions = {}): Promise<MessageWords> {
    return analyzeMessage(raw, this.params, options);
  }

  async classify(raw: Uint8Array): Promise<Verdict> {
    return this.verdict(await wordsOfMessage(raw, this.params));
  }

  /** Reads the word counts into memory now rather than at the first message (JunkFilter.warm). */
  warm(): void {
    this.#filter.warm();
  }

  /** Classifies a message by its words. */
  verdict(words: WordList): Verdict {
    const result = this.#filter.classify(words);
    const fit = this.threshold();
    return { ...result, threshold: fit.threshold, fit, spam: result.significant && result.probability > fit.threshold };
  }

  /** The threshold the filter judges by now: the configured one, or fitted on the user's training (src/junk/threshold.ts). */
  threshold(): FittedThreshold {
    return this.#filter.threshold();
  }

  /** How many of the latest wanted messages (up to the HELD_OUT_HAM the fit reads) have a held-out score. */
  heldOut(): number {
    return this.#counts.readHeldOut(HELD_OUT_HAM).length;
  }

  /**
   * Starts and ends a set-up (`warden bootstrap`, `warden junk train`): the wanted messages
   * trained through it (the `setUp` of train and trainWords) are scored held-out at its end, by
   * everything trained by then (src/junk/threshold.ts). Whoever begins one owns it: set-ups at
   * once do not mix, and training outside them is scored as usual. `endSetUp` commits.
   */
  beginSetUp(): SetUp {
    return this.#filter.beginSetUp();
  }

  endSetUp(setUp: SetUp): void {
    this.#filter.endSetUp(setUp);
    this.commit();
  }

  /** Trains one message (through `setUp`, when given) and commits: when this returns, the training is on disk. */
  async train(raw: Uint8Array, label: Label, setUp?: SetUp): Promise<TrainOutcome> {
    const outcome = this.trainWords(await this.words(raw, TRAINING), label, setUp);
    this.commit();
    return outcome;
  }

  /** Untrains one message and commits. Throws unless the message is trained as `label`. */
  async untrain(raw: Uint8Array, label: Label): Promise<void> {
    const message = await this.words(raw, TRAINING);
    this.#filter.untrain(message.fingerprint, message.words, label);
    this.commit();
  }

  /**
   * Trains a parsed message in memory, where classification sees it at once; `commit` writes it.
   * The way to train many messages fast: one commit for many. Through `setUp`, when given.
   */
  trainWords(message: MessageWords, label: Label, setUp?: SetUp): TrainOutcome {
    return this.#filter.train(message.fingerprint, message.words, label, setUp);
  }

  /**
   * Removes a parsed message's training in memory, as trainWords adds it: only when it is
   * trained with `label` (else `not-trained`, and nothing changes). `commit` writes it.
   */
  untrainWords(message: MessageWords, label: Label): UntrainOutcome {
    if (this.#filter.trainedAs(message.fingerprint) !== label) return 'not-trained';
    this.#filter.untrain(message.fingerprint, message.words, label);
    return 'untrained';
  }

  /** Writes all training done since the last commit, in one transaction. */
  commit(): void {
    this.#filter.commit();
  }

  /** How many messages and distinct words await the next commit. */
  get pending(): { messages: number; words: number } {
    return this.#filter.pending;
  }

  /** How many ham and spam messages are trained. */
  trained(): Counts {
    return this.#filter.totals;
  }

  stats(): JunkStats {
    const { ham, spam, words } = this.#counts.stats();
    return { hamMessages: ham, spamMessages: spam, words, databaseBytes: fileSize(this.#file) + fileSize(`${this.#file}-wal`) };
  }

  /**
   * Changes settings. Settings that change which words a message has (the n-grams) invalidate
   * every trained count, so they are refused once something is trained, unless `reset` clears
   * the training as well.
   */
  configure(changes: Partial<JunkParams>, options: { reset?: boolean } = {}): JunkParams {
    const next = parseParams({ ...this.params, ...changes });
    const trained = this.#filter.totals;
    if (options.reset) {
      this.#filter.reset();
    } else if (wordSettings(next) !== wordSettings(this.params) && trained.ham + trained.spam > 0) {
      throw new WordSettingsError(
        `changing ${wordSettings(this.params)} to ${wordSettings(next)} would invalidate the ${trained.ham + trained.spam} trained messages; ` +
          'add --reset to clear the training, then train again',
      );
    }
    writeSetting(this.#db, PARAMS_KEY, next);
    this.#filter.params = next;
    return next;
  }

  /** Commits pending training, then closes the database if this service opened it. */
  close(): void {
    try {
      this.commit();
    } finally {
      if (this.#ownsDb) this.#db.close();
    }
  }

  #storedParams(): JunkParams {
    const stored = readSetting(this.#db, PARAMS_KEY);
    if (stored === undefined) return DEFAULT_JUNK_PARAMS;
    try {
      return parseParams(stored);
    } catch (err) {
      throw new Error(`the junk filter settings stored in ${this.#file} are invalid: ${(err as Error).message}`, { cause: err });
    }
  }
}

/** The settings in words, for people. */
export function describeParams(p: JunkParams): string {
  const classifier =
    p.classifier === 'fisher'
      ? `Robinson-Fisher (strength ${p.robinsonStrength}, prior ${p.robinsonPrior}, combined as ${p.combine})${p.logistic ? ' with logistic regression' : ''}`
      : `mox (max power ${p.maxPower}, top words ${p.topWords}, rare words ${p.rareWords})`;
  return `${classifier}, ${wordSettings(p)}, threshold ${p.threshold}${p.fitThreshold ? ' or fitted below it' : ''}, ignore words ${p.ignoreWords}`;
}

/** Validates settings, naming the offending field in the error. */
export function parseParams(value: unknown): JunkParams {
  return parseWith(junkParamsSchema, value, 'junk filter settings');
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
