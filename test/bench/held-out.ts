/**
 * The held-out evaluations of `npm run eval`: train on the earlier part of the corpus, then
 * classify the later part without feedback, as mail arrives after a user set the filter up.
 *
 * - temporal: trained on every message before the split (half the corpus by arrival time).
 * - bootstrap: trained on what a user's filed folders would hold at the split, the latest
 *   BOOTSTRAP_HAM ham (Archive) and BOOTSTRAP_SPAM spam (Junk), as `warden bootstrap` learns.
 *
 * Warden runs as `warden filter --stdio`; bogofilter in bulk mode, with a private word list.
 */
import { FilterClient } from '../helpers/warden.ts';
import { Bogofilter } from './bogofilter.ts';
import type { CorpusMessage } from './corpus.ts';
import type { Outcome } from './metrics.ts';

export const BOOTSTRAP_HAM = 400;
export const BOOTSTRAP_SPAM = 200;

export interface HeldOut {
  /** The messages trained on, oldest first. */
  train: CorpusMessage[];
  /** The later messages classified, oldest first. */
  test: CorpusMessage[];
}

/** The split at half the corpus: the temporal protocol's training set and the bootstrap's. */
export function heldOutSplits(corpus: CorpusMessage[]): { temporal: HeldOut; bootstrap: HeldOut } {
  const half = Math.floor(corpus.length / 2);
  const earlier = corpus.slice(0, half);
  const test = corpus.slice(half);
  const latest = (label: CorpusMessage['label'], n: number) => earlier.filter((m) => m.label === label).slice(-n);
  const filed = new Set([...latest('ham', BOOTSTRAP_HAM), ...latest('spam', BOOTSTRAP_SPAM)]);
  return { temporal: { train: earlier, test }, bootstrap: { train: earlier.filter((m) => filed.has(m)), test } };
}

/**
 * Warden trained on `train`, then its verdicts on `test` with the default settings. `setUp`:
 * the training is a set-up, as `warden bootstrap` does it (docs/filter-stdio.md).
 */
export async function wardenHeldOut({ train, test }: HeldOut, dir: string, setUp = false): Promise<Outcome[]> {
  const client = new FilterClient(dir);
  try {
    const phase = async (p: 'begin' | 'end') => {
      const r = await client.request({ id: p, op: 'setup', phase: p });
      if (!r.ok) throw new Error(`warden could not ${p} the set-up: ${String(r.error)}`);
    };
    if (setUp) await phase('begin');
    for (const [i, m] of train.entries()) {
      const t = await client.request({ id: i, op: 'train', path: m.path, label: m.label });
      if (!t.ok) throw new Error(`warden could not train ${m.path}: ${String(t.error)}`);
    }
    if (setUp) await phase('end');
    const outcomes: Outcome[] = [];
    for (const [i, m] of test.entries()) {
      const c = await client.request({ id: i, op: 'classify', path: m.path });
      if (!c.ok) throw new Error(`warden could not classify ${m.path}: ${String(c.error)}`);
      outcomes.push({ label: m.label, score: c.score as number, spam: c.spam as boolean });
    }
    return outcomes;
  } finally {
    await client.close();
  }
}

/** bogofilter trained on `train` in bulk, then its scores on `test`; its verdict is at its own spam cutoff. */
export function bogofilterHeldOut({ train, test }: HeldOut, dir: string): Outcome[] {
  const bogo = new Bogofilter(dir);
  for (const label of ['ham', 'spam'] as const) bogo.trainBulk(train.filter((m) => m.label === label).map((m) => m.path), label);
  const { spam: cutoff } = bogo.cutoffs();
  const scores = bogo.scoreBulk(test.map((m) => m.path));
  return test.map((m, i) => ({ label: m.label, score: scores[i]!, spam: scores[i]! >= cutoff }));
}

/** How many spam were caught and ham rejected, by a verdict rule. */
export function catches(outcomes: Outcome[], isSpam: (o: Outcome) => boolean = (o) => o.spam): { spam: number; caught: number; ham: number; rejected: number } {
  const r = { spam: 0, caught: 0, ham: 0, rejected: 0 };
  for (const o of outcomes) {
    if (o.label === 'spam') {
      r.spam++;
      if (isSpam(o)) r.caught++;
    } else {
      r.ham++;
      if (isSpam(o)) r.rejected++;
    }
  }
  return r;
}
