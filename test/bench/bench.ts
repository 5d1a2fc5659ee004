/**
 * npm run bench: training and classification throughput and peak memory of the `warden` command
 * on the whole SpamAssassin public corpus, against bogofilter's bulk mode in the same run; the
 * worst time per message on a generated set of hostile messages; and the time of one analysis
 * with the history at corpus size, against the content filter alone; the UI's list pages over
 * 100 000 decisions (test/bench/lists.ts) and the UI's bundle, first load and scrolling over
 * them (test/bench/ui.ts); the history's size, stats and search at 100 000 and 1 000 000
 * decisions (test/bench/history.ts), alone with `npm run bench -- --history`; the IMAP engine on a
 * throw-away Dovecot (test/bench/imap.ts), alone with `npm run bench -- --imap`; and one engine
 * watching 1, 3 and 6 accounts (test/bench/accounts.ts), alone with `npm run bench -- --accounts`;
 * and the peak memory of catch-up, analyze-inbox and bootstrap over a backlog of 5 000 and 50 000
 * messages (test/bench/backlog.ts, BENCH_BACKLOG_MESSAGES), alone with `npm run bench -- --backlog`.
 * The first table alone (training and classification against bogofilter) with `npm run bench --
 * --speed`. BENCH_RUNS sets the number of runs; BENCH_IMAP_MESSAGES, BENCH_ARRIVALS and
 * BENCH_ARRIVAL_MS the IMAP backlog size, the number of arrivals watched and the time between them;
 * BENCH_ACCOUNTS_COUNTS (default 1,3,6), BENCH_ACCOUNTS_RATE and BENCH_ACCOUNTS_SECONDS the rows,
 * arrivals a second and seconds of the accounts bench.
 *
 * Each measurement is a separate process timed by GNU time, repeated and interleaved with
 * bogofilter's so that a machine that slows down mid-run affects both alike; medians are shown.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { badMessages } from '../helpers/bad-mail.ts';
import { benchAccounts } from './accounts.ts';
import { benchBacklog } from './backlog.ts';
import { benchAnalysis } from './analysis.ts';
import { benchHistory } from './history.ts';
import { benchLists } from './lists.ts';
import { benchUi } from './ui.ts';
import { benchImap, dovecotVersion } from './imap.ts';
import { FilterClient } from '../helpers/warden.ts';
import { Bogofilter } from './bogofilter.ts';
import { corpusGroups } from './corpus.ts';
import { measure, summarize, TIME, wardenCommand, type Measurement } from './measure.ts';
import { fixed, printTable, ratio } from './table.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** `npm run bench -- --speed`, `-- --imap`, `-- --accounts`, `-- --backlog` or `-- --history`: only those rows. */
const only = (['speed', 'imap', 'accounts', 'backlog', 'history'] as const).find((part) => process.argv.includes(`--${part}`));

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
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`SpamAssassin public corpus: ${messages} messages, ${fixed(megabytes, 0)} MB. ${availableParallelism()} cores (${cpu}), Node ${process.version}.`);
  if (only === undefined || only === 'speed') {
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

    console.log(`\nMedian of ${RUNS} runs, each a separate process; training starts from an empty database.`);
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
    console.log(`Load average at the end: ${loadavg().map((l) => fixed(l)).join(', ')} (${availableParallelism()} cores; other work on the machine slows both alike).`);
  }
  if (only === undefined) {
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
    await benchLists(work);
    await benchUi(join(work, 'lists'));
  }
  if (only === undefined || only === 'history') await benchHistory(work);

  if (only === 'history' || only === 'speed') {
    // No IMAP rows.
  } else if (!dovecotVersion()) {
    console.log('\nDovecot is not installed: no IMAP rows (apt-get install dovecot-imapd).');
  } else {
    if (only === undefined || only === 'imap') {
      await benchImap({
        work,
        warden,
        runs: RUNS,
        messages: Number(process.env.BENCH_IMAP_MESSAGES ?? Infinity),
        arrivals: Number(process.env.BENCH_ARRIVALS ?? 500),
        intervalMs: Number(process.env.BENCH_ARRIVAL_MS ?? 50),
        ham: join(work, 'ham'),
        spam: join(work, 'spam'),
      });
    }
    if (only === undefined || only === 'accounts') {
      await benchAccounts({
        work,
        warden,
        ham: join(work, 'ham'),
        spam: join(work, 'spam'),
        counts: (process.env.BENCH_ACCOUNTS_COUNTS ?? '1,3,6').split(',').map(Number),
        perSecond: Number(process.env.BENCH_ACCOUNTS_RATE ?? 2),
        seconds: Number(process.env.BENCH_ACCOUNTS_SECONDS ?? 60),
      });
    }
    if (only === undefined || only === 'backlog') {
      const most = Number(process.env.BENCH_BACKLOG_MESSAGES ?? 50_000);
      await benchBacklog({ work, warden, sizes: [Math.round(most / 10), most], ham: join(work, 'ham'), spam: join(work, 'spam') });
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
