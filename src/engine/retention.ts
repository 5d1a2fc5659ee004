import { setImmediate as nextTurn } from 'node:timers/promises';
import { LONGEST_WINDOW_MS } from '../reputation/reputation.ts';
import type { History, PruneCursor } from '../store/history.ts';

/** How often a pass of retention starts over an account's history: at most hourly. */
const PRUNE_EVERY_MS = 60 * 60_000;

/** How long one catch-up spends on retention before it goes on with the mail. */
const SLICE_MS = 100;

const DAY_MS = 24 * 60 * 60_000;

/** Messages looked at per transaction: about 10 ms of the writer each on this project's machine. */
const BATCH = 200;

export interface Pruned {
  /** Messages deleted, with their decisions and evidence. */
  messages: number;
  /** Addresses the user wrote to, deleted. */
  recipients: number;
  /** Where the pass stopped when its time ran out: give it back as `from` to go on. */
  next?: PruneCursor;
}

/**
 * Retention (docs/history.md): deletes from an account's history what no reputation window and
 * no restore needs. A message received more than `retentionDays` before `now` goes, unless the
 * user judged it (kept while reputation's longest window counts it), restored it (kept for
 * good), or it is a reject still in Rejects; an address the user wrote to goes once
 * reputation's window is past it too. null keeps everything.
 *
 * One batch a transaction, and the event loop's turn between batches, so arrivals and the UI
 * wait at most a batch. With `budgetMs` the pass stops once that time is spent and says where
 * (`next`); `from` goes on from there.
 */
export async function pruneHistory(
  history: History,
  retentionDays: number | null,
  now: number,
  options: { from?: PruneCursor; budgetMs?: number } = {},
): Promise<Pruned> {
  const pruned: Pruned = { messages: 0, recipients: 0 };
  if (retentionDays === null) return pruned;
  const before = now - retentionDays * DAY_MS;
  const rule = { before, judgedBefore: Math.min(before, now - LONGEST_WINDOW_MS) };
  const until = performance.now() + (options.budgetMs ?? Infinity);
  let cursor = options.from;
  do {
    const batch = history.transaction(() => history.prune(rule, cursor, BATCH));
    pruned.messages += batch.deleted;
    cursor = batch.next;
    await nextTurn();
    if (cursor && performance.now() >= until) return { ...pruned, next: cursor };
  } while (cursor);
  for (;;) {
    const deleted = history.transaction(() => history.pruneRecipients(rule.judgedBefore, BATCH));
    pruned.recipients += deleted;
    if (deleted < BATCH) return pruned;
    await nextTurn();
  }
}

/**
 * Retention as an account's catch-ups run it: a pass starts at most hourly, and each catch-up
 * spends at most a slice of time on it, going on where the last stopped. A first pass over a
 * large old history thus never holds up the mail that arrives meanwhile.
 */
export class Retention {
  readonly #history: History;
  readonly #sliceMs: number;
  #startedAt = -Infinity;
  #next: PruneCursor | undefined;

  constructor(history: History, sliceMs = SLICE_MS) {
    this.#history = history;
    this.#sliceMs = sliceMs;
  }

  async run(retentionDays: number | null, now: number): Promise<Pruned> {
    if (!this.#next) {
      if (now - this.#startedAt < PRUNE_EVERY_MS) return { messages: 0, recipients: 0 };
      this.#startedAt = now;
    }
    const pruned = await pruneHistory(this.#history, retentionDays, this.#startedAt, { from: this.#next, budgetMs: this.#sliceMs });
    this.#next = pruned.next;
    return pruned;
  }
}
