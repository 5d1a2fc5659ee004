import { SIGNIFICANT_HAM, TRAINING, type JunkService, type JunkStats, type Label, type TrainOutcome, type UntrainOutcome, type Verdict } from '../engine/junk.ts';
import type { Call } from './folder.ts';
import { progressBar } from './progress.ts';
import { listMailFiles, messagesOf, type MailFile, type SourceMessage } from './sources.ts';

/** Where command output goes; tests pass their own. */
export interface Output {
  out: (line: string) => void;
  err: (line: string) => void;
}

/**
 * Training commits at most this often, or when this many distinct words await. Each commit
 * rewrites every word changed since the last, so fewer commits write less; but what awaits is
 * held in memory, and a crash loses it.
 */
const COMMIT_EVERY_MS = 10_000;
const COMMIT_EVERY_WORDS = 150_000;

/** What `warden junk train` and `warden junk untrain` do with each message. */
export type Direction = 'train' | 'untrain';

export interface TrainSummary {
  direction: Direction;
  /** Trained, or for untrain untrained, by label. */
  trained: Record<Label, number>;
  retrained: number;
  /** Already trained with that label, or for untrain not trained with it: left as they were. */
  unchanged: number;
  unreadable: { source: string; error: string }[];
  interrupted: boolean;
  seconds: number;
}

/** A message read for training, and its label. */
type ToTrain = SourceMessage & { group: Label };

/** How a message was trained or untrained, or why it could not be. */
type Trained = TrainOutcome | UntrainOutcome | { error: string };

/**
 * Where `warden junk train` and `untrain` work: the filter in this process, or the running
 * Warden's (docs/design.md, "one owner"). `add` hands over a message; `settle` is told how each went, at once
 * or once its batch is sent; `flush` writes what awaits.
 */
export interface Trainer {
  add(message: ToTrain, settle: (message: ToTrain, trained: Trained) => void): Promise<void>;
  flush(settle: (message: ToTrain, trained: Trained) => void): Promise<void> | void;
  /** What the filter knows now; undefined when nothing reached the running Warden's. */
  known(): FilterSize | undefined;
}

export type FilterSize = Pick<JunkStats, 'hamMessages' | 'spamMessages' | 'words'>;

/**
 * Training in this process, committing every few seconds: an interrupted run keeps what it
 * committed, and a second run skips the messages the first one trained. Training is a set-up,
 * as bootstrap's is: its wanted mail is scored held-out at the end, for the fitted threshold
 * (docs/content-filter.md).
 */
export function localTrainer(junk: JunkService, direction: Direction = 'train'): Trainer {
  let committed = performance.now();
  const setUp = direction === 'train' ? junk.beginSetUp() : undefined;
  return {
    async add(message, settle) {
      let trained: Trained;
      try {
        const words = await junk.words(message.raw, TRAINING);
        trained = direction === 'train' ? junk.trainWords(words, message.group, setUp) : junk.untrainWords(words, message.group);
      } catch (err) {
        trained = { error: (err as Error).message };
      }
      settle(message, trained);
      if (performance.now() - committed > COMMIT_EVERY_MS || junk.pending.words > COMMIT_EVERY_WORDS) {
        junk.commit();
        committed = performance.now();
      }
    },
    flush() {
      if (setUp) junk.endSetUp(setUp);
      else junk.commit();
    },
    known() {
      return junk.stats();
    },
  };
}

/** Bytes of messages sent to the running Warden in one request: its API takes 1 MB (base64 is 4/3). */
const BATCH_BYTES = 700 * 1024;

/**
 * Training by the running Warden, through its API (`junk.train`): messages go in batches of one
 * label, each committed there, so its filter knows them at once. A message larger than a batch
 * goes alone. Training is a set-up there (junk.beginSetUp), as localTrainer's is here, ended
 * also when the event listener `listener` goes.
 */
export function ownerTrainer(call: Call, direction: Direction = 'train', listener?: string): Trainer {
  let batch: ToTrain[] = [];
  let bytes = 0;
  let known: FilterSize | undefined;
  let setUp: string | undefined;
  const send = async (settle: (message: ToTrain, trained: Trained) => void) => {
    if (batch.length === 0) return;
    const sent = batch;
    batch = [];
    bytes = 0;
    if (direction === 'train') setUp ??= (await call('junk.beginSetUp', listener === undefined ? {} : { listener })).setUp;
    const answer = await call('junk.train', {
      label: sent[0]!.group,
      messages: sent.map((m) => m.raw.toString('base64')),
      ...(direction === 'untrain' ? { untrain: true } : { setUp }),
    });
    answer.outcomes.forEach((trained, i) => settle(sent[i]!, 'error' in trained ? trained : trained.outcome));
    known = answer.filter;
  };
  return {
    async add(message, settle) {
      if (batch.length > 0 && (batch[0]!.group !== message.group || bytes + message.raw.length > BATCH_BYTES)) await send(settle);
      batch.push(message);
      bytes += message.raw.length;
    },
    async flush(settle) {
      await send(settle);
      if (setUp) await call('junk.endSetUp', { setUp });
    },
    known() {
      return known;
    },
  };
}

/**
 * Trains (or untrains, as `trainer` does) every message under the given paths, with a progress
 * bar; `signal` stops it at the next message.
 */
export async function trainPaths(trainer: Trainer, paths: Record<Label, string[]>, signal?: AbortSignal, direction: Direction = 'train'): Promise<TrainSummary> {
  const started = performance.now();
  const inputs: [Label, MailFile[]][] = [
    ['ham', listMailFiles(paths.ham)],
    ['spam', listMailFiles(paths.spam)],
  ];
  const totalBytes = inputs.reduce((sum, [, files]) => sum + files.reduce((s, f) => s + f.size, 0), 0);
  const summary: TrainSummary = { direction, trained: { ham: 0, spam: 0 }, retrained: 0, unchanged: 0, unreadable: [], interrupted: false, seconds: 0 };
  const progress = progressBar(direction === 'train' ? 'Training' : 'Untraining', totalBytes);
  let done = 0;
  const settle = (message: ToTrain, trained: Trained) => {
    progress.tick(message.bytes, ++done);
    if (typeof trained === 'object') summary.unreadable.push({ source: message.source, error: trained.error });
    else if (trained === 'unchanged' || trained === 'not-trained') summary.unchanged++;
    else summary.trained[message.group]++;
    if (trained === 'retrained') summary.retrained++;
  };
  try {
    for await (const message of messagesOf(inputs)) {
      if (signal?.aborted) {
        summary.interrupted = true;
        break;
      }
      await trainer.add(message, settle);
    }
    await trainer.flush(settle);
  } finally {
    progress.stop();
  }
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

export function printTrainSummary(s: TrainSummary, known: FilterSize | undefined, o: Output): void {
  const total = s.trained.ham + s.trained.spam;
  const rate = s.seconds > 0 ? Math.round((total + s.unchanged) / s.seconds) : 0;
  const [done, doing] = s.direction === 'train' ? ['Trained', 'training'] : ['Untrained', 'untraining'];
  o.out(
    `${s.interrupted ? `Interrupted after ${doing}` : done} ${s.trained.ham} ham and ${s.trained.spam} spam messages in ${s.seconds.toFixed(1)} s (${rate} messages/s)` +
      (s.retrained ? `; ${s.retrained} of them were trained with the other label before` : '') +
      (s.unchanged ? (s.direction === 'train' ? `; ${s.unchanged} were already trained` : `; ${s.unchanged} were not trained with that label and are left as they were`) : '') +
      '.',
  );
  if (s.interrupted) o.out(`Run the same command again to continue: messages already ${done.toLowerCase()} are skipped.`);
  if (s.unreadable.length > 0) {
    o.err(`warden: ${s.unreadable.length} messages could not be read and were skipped:`);
    for (const { source, error } of s.unreadable.slice(0, 20)) o.err(`  ${source}: ${error}`);
    if (s.unreadable.length > 20) o.err(`  … and ${s.unreadable.length - 20} more`);
  }
  if (known) o.out(`The filter now knows ${known.hamMessages} ham and ${known.spamMessages} spam messages, ${known.words} words.`);
}

/** The words that decided, strongest first, with scores rounded for reading. */
export function decidingWords(v: Verdict): [string, number][] {
  return [...v.spams, ...v.hams]
    .sort((a, b) => Math.abs(b[1] - 0.5) - Math.abs(a[1] - 0.5))
    .map(([w, r]) => [w, Math.round(r * 10000) / 10000]);
}

/** A verdict as the JSON object `classify --json` and the filter protocol print. */
export function verdictJson(v: Verdict): { score: number; spam: boolean; significant: boolean; threshold: number; words: [string, number][] } {
  return { score: v.probability, spam: v.spam, significant: v.significant, threshold: v.threshold, words: decidingWords(v) };
}

/** Classifies every message under the given paths; returns how many could not be read. */
export async function classifyPaths(junk: JunkService, paths: string[], json: boolean, o: Output): Promise<number> {
  let failed = 0;
  for await (const message of messagesOf([[null, listMailFiles(paths)]])) {
    let v: Verdict;
    try {
      v = await junk.classify(message.raw);
    } catch (err) {
      failed++;
      o.err(`warden: ${message.source}: cannot classify: ${(err as Error).message}`);
      continue;
    }
    if (json) {
      o.out(JSON.stringify({ source: message.source, ...verdictJson(v) }));
      continue;
    }
    const note = v.significant ? '' : ` (not significant: ${junk.trained().ham} of ${SIGNIFICANT_HAM} ham messages trained)`;
    o.out(`${message.source}: ${v.spam ? 'spam' : 'ham'} ${v.probability.toFixed(4)}${note}`);
    const list = (ws: [string, number][]) => ws.map(([w, r]) => `${w} ${r.toFixed(3)}`).join(', ') || '-';
    o.out(`  spam words: ${list(v.spams)}`);
    o.out(`  ham words: ${list(v.hams)}`);
  }
  return failed;
}
