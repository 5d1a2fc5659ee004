import { setImmediate as nextTurn } from 'node:timers/promises';
import { LONGEST_WINDOW_MS } from '../reputation/reputation.ts';
import type { History, PruneCursor } from '../store/history.ts';

/** How often an account's history is pruned: at most hourly. */
export const PRUNE_EVERY_MS = 60 * 60_000;

const DAY_MS = 24 * 60 * 60_000;

/** Messages looked at per transaction: a few milliseconds of the writer each. */
const BATCH = 500;

export interface Pruned {
  /** Messages deleted, with their decisions and evidence. */
  messages: number;
  /** Addresses the user wrote to, deleted. */
  recipients: number;
}

/**
 * Retention (docs/history.md): deletes from an account's history what no reputation window and
 * no restore needs. A message received more than `retentionDays` ago goes, unless the user
 * judged it (kept while reputation's longest window counts it), restored it (kept for good),
 * or it is a reject still in Rejects; an address the user wrote to goes once reputation's
 * window is past it too. null keeps everything. One batch a transaction, and the event loop's
 * turn between batches, so arrivals and the UI are never held up for long.
 */
export async function pruneHistory(history: History, retentionDays: number | null, now: number): Promise<Pruned> {
  const pruned: Pruned = { messages: 0, recipients: 0 };
  if (retentionDays === null) return pruned;
  const before = now - retentionDays * DAY_MS;
  const rule = { before, judgedBefore: Math.min(before, now - LONGEST_WINDOW_MS) };
  let cursor: PruneCursor | undefined;
  do {
    const batch = history.transaction(() => history.prune(rule, cursor, BATCH));
    pruned.messages += batch.deleted;
    cursor = batch.next;
    await nextTurn();
  } while (cursor);
  for (;;) {
    const deleted = history.transaction(() => history.pruneRecipients(rule.judgedBefore, BATCH));
    pruned.recipients += deleted;
    if (deleted < BATCH) return pruned;
    await nextTurn();
  }
}
