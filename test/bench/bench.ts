/**
 * npm run bench: training and classification throughput and peak memory of the `warden` command
 * on the whole SpamAssassin public corpus, against bogofilter's bulk mode in the same run; the
 * worst time per message on a generated set of hostile messages; and the time of one analysis
 * with the history at corpus size, against the content filter alone.
 *
 * Each measurement is a separate process timed by GNU time, repeated and interleaved with
 * bogofilter's so that a machine that slows down mid-run affects both alike; medians are shown.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { badMessages } from '../helpers/bad-mail.ts';
import { benchAnalysis } from './analysis.ts';
import { FilterClient, ROOT } from '../helpers/warden.ts';
import { Bogofilter } from './bogofilter.ts';
import { corpusGroups } from './corpus.ts';
import { fixed, printTable, ratio } from './table.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TIME = '/usr/bin/time';

interface Measurement {
  seconds: number;
  cpuSeconds: number;
  peakMB: number;
}

/** Runs a command under GNU time; its output goes to /dev/null unless a file is given. */
function measure(command: string[], options: { stdin?: string; cwd?: string } = {}): Measurement {
  const result = spawnSync(TIME, ['-f', '%e %U %S %M', ...command], {
    cwd: options.cwd ?? ROOT,
    input: options.stdin ?? '',
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (result.status !== 0) throw new Error(`${command.join(' ')} failed (${result.status}): ${result.stderr}`);
  const [seconds, user, system, kb] = result.stderr.trim().split('\n').at(-1)!.split(' ').map(Number) as [number, number, number, number];
  return { seconds, cpuSeconds: user + system, peakMB: kb / 1024 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function summarize(runs: Measurement[]): Measurement {
  return { seconds: median(runs.map((r) => r.seconds)), cpuSeconds: median(runs.map((r) => r.cpuSeconds)), peakMB: Math.max(...runs.map((r) => r.peakMB)) };
}

/** The command that runs the built `warden`, with the node flags of its #! line (what a user's `warden` runs). */
function wardenCommand(): string[] {
  execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  const main = join(ROOT, 'dist/cli/main.js');
  const shebang = readFileSync(main, 'utf8').split('\n', 1)[0]!;
  const flags = shebang.split(/\s+/).filter((arg) => arg.startsWith('--'));
  return [process.execPath, ...flags, main];
}

if (!existsSync(TIME)) {
  console.error(`${TIME} is missing: install GNU time (apt-get install time) to measure peak memory.`);
  process.exit(1);
}
const bogofilterVersion = Bogofilter.version();
const work = mkdtempSync(join(tmpdir(), 'warden-bench-'));
try {
  // The corpus as two folders of message files (its package also holds JSON files).
  const lists: Record<'ham' | 'spam', string[]> = { ham: [], spam: [] };
  for (const { label, files } of corpusGroups()) lists[label].push(...files);
  for (const label of ['ham', 'spam'] as const) {
    mkdirSync(join(work, label));
    for (const file of lists[label]) symlinkSync(file, join(work, label, `${basename(file, '.txt')}.eml`));
    writeFileSync(join(work, `${label}.lst`), lists[label].join('\n') + '\n');
  }
  const all = [...lists.ham, ...lists.spam];
  const messages = all.length;
  const megabytes = all.reduce((sum, f) => sum + readFileSync(f).length, 0) / 1e6;

  const warden = wardenCommand();
  const runs = { wardenTrain: [] as Measurement[], wardenClassify: [] as Measurement[], bogoTrain: [] as Measurement[], bogoClassify: [] as Measurement[] };
  for (let run = 0; run < RUNS; run++) {
    process.stderr.write(`run ${run + 1}/${RUNS}\n`);
    const data = join(work, `warden-${run}`);
    runs.wardenTrain.push(measure([...warden, '--data-dir', data, 'junk', 'train', '--ham', join(work, 'ham'), '--spam', join(work, 'spam')]));
    runs.wardenClassify.push(measure([...warden, '--data-dir', data, 'junk', 'classify', join(work, 'ham'), join(work, 'spam'), '--json']));
    if (bogofilterVersion) {
      const dir = join(work, `bogofilter-${run}`);
      mkdirSync(dir);
      const ham = measure(['bogofilter', '-d', dir, '-n', '-b'], { stdin: readFileSync(join(work, 'ham.lst'), 'utf8') });
      const spam = measure(['bogofilter', '-d', dir, '-s', '-b'], { stdin: readFileSync(join(work, 'spam.lst'), 'utf8') });
      runs.bogoTrain.push({ seconds: ham.seconds + spam.seconds, cpuSeconds: ham.cpuSeconds + spam.cpuSeconds, peakMB: Math.max(ham.peakMB, spam.peakMB) });
      runs.bogoClassify.push(measure(['bogofilter', '-d', dir, '-T', '-b'], { stdin: all.join('\n') + '\n' }));
    }
  }

  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`SpamAssassin public corpus: ${messages} messages, ${fixed(megabytes, 0)} MB. ${availableParallelism()} cores (${cpu}), Node ${process.version}.`);
  console.log(`Median of ${RUNS} runs, each a separate process; training starts from an empty database.\n`);
  const rows = [['', 'train msg/s', 'classify msg/s', 'train CPU s', 'classify CPU s', 'peak RSS train', 'peak RSS classify']];
  const row = (name: string, train: Measurement, classify: Measurement) => [
    name,
    fixed(messages / train.seconds, 0),
    fixed(messages / classify.seconds, 0),
    fixed(train.cpuSeconds),
    fixed(classify.cpuSeconds),
    `${fixed(train.peakMB, 0)} MB`,
    `${fixed(classify.peakMB, 0)} MB`,
  ];
  const wt = summarize(runs.wardenTrain);
  const wc = summarize(runs.wardenClassify);
  rows.push(row('warden', wt, wc));
  if (bogofilterVersion) {
    const bt = summarize(runs.bogoTrain);
    const bc = summarize(runs.bogoClassify);
    rows.push(row(`${bogofilterVersion} (bulk, -b)`, bt, bc));
    rows.push(['warden / bogofilter', ratio(bt.seconds, wt.seconds), ratio(bc.seconds, wc.seconds), ratio(wt.cpuSeconds, bt.cpuSeconds), ratio(wc.cpuSeconds, bc.cpuSeconds), ratio(wt.peakMB, bt.peakMB), ratio(wc.peakMB, bc.peakMB)]);
  }
  printTable(rows);
  if (!bogofilterVersion) console.log('\nbogofilter is not installed: no comparison (apt-get install bogofilter).');

  // Hostile input: the worst time per message, through the filter protocol.
  const bad = badMessages();
  const client = new FilterClient(join(work, 'bad-data'));
  const worst = { classify: { ms: 0, name: '' }, train: { ms: 0, name: '' } };
  let errors = 0;
  for (const [i, message] of bad.entries()) {
    const path = join(work, `bad-${i}.eml`);
    writeFileSync(path, message.raw);
    for (const op of ['classify', 'train'] as const) {
      const started = performance.now();
      const response = await client.request({ id: i, op, path, label: 'spam' });
      const ms = performance.now() - started;
      if (!response.ok) errors++;
      if (ms > worst[op].ms) worst[op] = { ms, name: message.name };
    }
  }
  await client.close();
  console.log(
    `\nHostile input, ${bad.length} generated messages (warden filter --stdio): worst classify ${fixed(worst.classify.ms, 0)} ms (${worst.classify.name}), ` +
      `worst train ${fixed(worst.train.ms, 0)} ms (${worst.train.name}); ${errors} of ${2 * bad.length} requests answered with an error, none crashed or hung.`,
  );

  await benchAnalysis(work);
} finally {
  rmSync(work, { recursive: true, force: true });
}
