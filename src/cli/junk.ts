import { SIGNIFICANT_HAM, type JunkService, type Label, type TrainOutcome, type Verdict } from '../engine/junk.ts';
import { progressBar } from './progress.ts';
import { listMailFiles, messagesOf, type MailFile } from './sources.ts';

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

export interface TrainSummary {
  trained: Record<Label, number>;
  retrained: number;
  unchanged: number;
  unreadable: { source: string; error: string }[];
  interrupted: boolean;
  seconds: number;
}

/**
 * Trains every message under the given paths, committing every few seconds: an interrupted run
 * keeps what it committed, and a second run skips the messages the first one trained.
 */
export async function trainPaths(
  junk: JunkService,
  paths: Record<Label, string[]>,
  signal?: AbortSignal,
): Promise<TrainSummary> {
  const started = performance.now();
  const inputs: [Label, MailFile[]][] = [
    ['ham', listMailFiles(paths.ham)],
    ['spam', listMailFiles(paths.spam)],
  ];
  const totalBytes = inputs.reduce((sum, [, files]) => sum + files.reduce((s, f) => s + f.size, 0), 0);
  const summary: TrainSummary = { trained: { ham: 0, spam: 0 }, retrained: 0, unchanged: 0, unreadable: [], interrupted: false, seconds: 0 };
  const progress = progressBar('Training', totalBytes);
  let done = 0;
  let committed = performance.now();
  const commit = () => {
    junk.commit();
    committed = performance.now();
  };
  try {
    for await (const message of messagesOf(inputs)) {
      if (signal?.aborted) {
        summary.interrupted = true;
        break;
      }
      let outcome: TrainOutcome;
      try {
        outcome = junk.trainWords(await junk.words(message.raw), message.group);
      } catch (err) {
        summary.unreadable.push({ source: message.source, error: (err as Error).message });
        continue;
      } finally {
        progress.tick(message.bytes, ++done);
      }
      if (outcome === 'unchanged') summary.unchanged++;
      else summary.trained[message.group]++;
      if (outcome === 'retrained') summary.retrained++;
      if (performance.now() - committed > COMMIT_EVERY_MS || junk.pending.words > COMMIT_EVERY_WORDS) commit();
    }
    commit();
  } finally {
    progress.stop();
  }
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

export function printTrainSummary(s: TrainSummary, junk: JunkService, o: Output): void {
  const total = s.trained.ham + s.trained.spam;
  const rate = s.seconds > 0 ? Math.round((total + s.unchanged) / s.seconds) : 0;
  o.out(
    `${s.interrupted ? 'Interrupted after training' : 'Trained'} ${s.trained.ham} ham and ${s.trained.spam} spam messages in ${s.seconds.toFixed(1)} s (${rate} messages/s)` +
      (s.retrained ? `; ${s.retrained} of them were trained with the other label before` : '') +
      (s.unchanged ? `; ${s.unchanged} were already trained` : '') +
      '.',
  );
  if (s.interrupted) o.out('Run the same command again to continue: messages already trained are skipped.');
  if (s.unreadable.length > 0) {
    o.err(`warden: ${s.unreadable.length} messages could not be read and were skipped:`);
    for (const { source, error } of s.unreadable.slice(0, 20)) o.err(`  ${source}: ${error}`);
    if (s.unreadable.length > 20) o.err(`  … and ${s.unreadable.length - 20} more`);
  }
  const stats = junk.stats();
  o.out(`The filter now knows ${stats.hamMessages} ham and ${stats.spamMessages} spam messages, ${stats.words} words.`);
}

/** The words that decided, strongest first, with scores rounded for reading. */
export function decidingWords(v: Verdict): [string, number][] {
  return [...v.spams, ...v.hams]
    .sort((a, b) => Math.abs(b[1] - 0.5) - Math.abs(a[1] - 0.5))
    .map(([w, r]) => [w, Math.round(r * 10000) / 10000]);
}

/** A verdict as the JSON object `classify --json` and the filter protocol print. */
export function verdictJson(v: Verdict): { score: number; spam: boolean; significant: boolean; words: [string, number][] } {
  return { score: v.probability, spam: v.spam, significant: v.significant, words: decidingWords(v) };
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
