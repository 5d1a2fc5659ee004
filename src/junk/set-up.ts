import { HELD_OUT_HAM } from './threshold.ts';

/** A wanted message a set-up trained: its words' hashes only, which is all a score reads (about 12 kB). */
export interface SetUpMessage {
  fingerprint: string;
  hashes: Uint32Array;
}

/**
 * One set-up (`warden bootstrap`, `warden junk train`, `setup` in `warden filter --stdio`): the
 * latest wanted messages trained through it, to be scored held-out at its end
 * (JunkFilter.endSetUp, docs/content-filter.md "The threshold fitted on your training"). Each
 * set-up owns its list, so set-ups running at once on one filter (two accounts bootstrapping
 * through one engine) score only their own messages, and wanted mail learned meanwhile outside
 * any set-up (a restore) keeps the score it had just before its training.
 */
export class SetUp {
  readonly #wanted: SetUpMessage[] = [];
  #ended = false;

  /** Keeps a wanted message; only the latest HELD_OUT_HAM count, as only they count in the fit. */
  add(message: SetUpMessage): void {
    this.#wanted.push(message);
    if (this.#wanted.length > HELD_OUT_HAM) this.#wanted.shift();
  }

  /** Ends the set-up, handing over its wanted messages once. */
  end(): readonly SetUpMessage[] {
    if (this.#ended) throw new Error('this set-up has already ended');
    this.#ended = true;
    return this.#wanted.splice(0);
  }

  get ended(): boolean {
    return this.#ended;
  }
}
