/**
 * npm run eval: the TREC spam-track protocol, online with immediate feedback, on the
 * SpamAssassin public corpus. Every message, in chronological order, is classified and then
 * trained with its true label. Warden runs as `warden filter --stdio`; bogofilter, when
 * installed, runs through its own CLI with a private word list, in the same run.
 *
 * Then the held-out protocols (test/bench/held-out.ts): temporal, trained on the earlier half
 * and classifying the later half without feedback; and bootstrap, trained on the folders a user
 * would have filed by then, with the catch counts a user sees at the default threshold.
 *
 * npm run eval -- --pipeline: the same protocol through Warden's whole analysis (deliver, then
 * feedback with the true label, DNS offline), beside the Bayesian filter alone. With
 * `--dns SERVER` the pipeline asks that DNS server instead of running offline; with `--deny-dns`
 * it asks a dnsmasq started here that answers NXDOMAIN for every name (a captive portal's DNS),
 * which the resolver's health check must treat as no DNS: the same hm% as offline.
 *
 * npm run eval -- --only online (or --only held-out): one part alone, to measure a change quickly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_ANALYSIS_SETTINGS } from '../../src/analysis/settings.ts';
import { PRESETS } from '../../src/engine/junk.ts';
import { SIGNIFICANT_HAM } from '../../src/junk/classify.ts';
import { startDnsmasq } from '../helpers/dnsmasq.ts';
import { FilterClient, runWarden as runWardenCli } from '../helpers/warden.ts';
import { Bogofilter } from './bogofilter.ts';
import { chronologicalCorpus, CORPUS_PROVIDER_HOSTS, type CorpusMessage } from './corpus.ts';
import { bogofilterHeldOut, BOOTSTRAP_HAM, BOOTSTRAP_SPAM, catches, heldOutSplits, wardenHeldOut } from './held-out.ts';
import { misclassification, oneMinusRocaPercent, type Outcome } from './metrics.ts';
import { fixed, printTable, ratio } from './table.ts';

interface Run {
  name: string;
  threshold: string;
  outcomes: Outcome[];
  seconds: number;
  /** The verdict rule with the threshold moved to 0.5. */
  atHalf: (o: Outcome) => boolean;
  /** How many decisions each label and reason got, most first (the pipeline only). */
  reasons?: [string, number][];
}

/** Warden through `warden filter --stdio`, with the settings of a preset (junk config --preset). */
async function runWarden(corpus: CorpusMessage[], dir: string, preset: keyof typeof PRESETS): Promise<Run> {
  const configured = runWardenCli(['--data-dir', dir, 'junk', 'config', '--preset', preset]);
  if (configured.status !== 0) throw new Error(`warden junk config failed: ${configured.stderr}`);
  const name = preset === 'default' ? 'warden' : `warden --preset ${preset}`;
  const client = new FilterClient(dir);
  const outcomes: Outcome[] = [];
  const significant = new WeakMap<Outcome, boolean>();
  const started = performance.now();
  for (const [i, m] of corpus.entries()) {
    const c = await client.request({ id: i, op: 'classify', path: m.path });
    if (!c.ok) throw new Error(`warden could not classify ${m.path}: ${String(c.error)}`);
    const outcome = { label: m.label, score: c.score as number, spam: c.spam as boolean };
    significant.set(outcome, c.significant as boolean);
    outcomes.push(outcome);
    const t = await client.request({ id: i, op: 'train', path: m.path, label: m.label });
    if (!t.ok) throw new Error(`warden could not train ${m.path}: ${String(t.error)}`);
    progress(name, i + 1, corpus.length);
  }
  const seconds = (performance.now() - started) / 1000;
  await client.close();
  return { name, threshold: String(PRESETS[preset].threshold), outcomes, seconds, atHalf: (o) => significant.get(o)! && o.score > 0.5 };
}

/**
 * Warden's whole analysis: each message delivered as a new INBOX arrival at its arrival time,
 * then the user's judgement given as feedback (restore or move to Junk), offline.
 */
async function runPipeline(corpus: CorpusMessage[], dir: string, dns: string[]): Promise<Run> {
  const name = dns.length === 0 ? 'warden pipeline' : `warden pipeline, DNS ${dns.join(' ')}`;
  const configured = runWardenCli(['--data-dir', dir, 'settings', '--set', JSON.stringify({ providerHosts: CORPUS_PROVIDER_HOSTS })]);
  if (configured.status !== 0) throw new Error(`warden settings failed: ${configured.stderr}`);
  const client = new FilterClient(dir, [...(dns.length === 0 ? ['--offline'] : ['--dns', ...dns]), '--seed', '1']);
  const outcomes: Outcome[] = [];
  const reasons = new Map<string, number>();
  const started = performance.now();
  for (const [i, m] of corpus.entries()) {
    const d = await client.request({ id: i, op: 'deliver', path: m.path, ...(Number.isFinite(m.time) && { received: m.time }) });
    if (!d.ok) throw new Error(`warden could not deliver ${m.path}: ${String(d.error)}`);
    outcomes.push({ label: m.label, score: d.score as number, spam: !(d.accept as boolean) });
    const key = `${m.label} ${d.accept ? 'accepted' : 'rejected'} (${String(d.reason)})`;
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
    const f = await client.request({ id: i, op: 'feedback', msg: d.msg, label: m.label });
    if (!f.ok) throw new Error(`warden could not take feedback on ${m.path}: ${String(f.error)}`);
    progress(name, i + 1, corpus.length);
  }
  const seconds = (performance.now() - started) / 1000;
  await client.close();
  const byReason = [...reasons].sort((a, b) => b[1] - a[1]);
  return { name, threshold: `${PRESETS.default.threshold} ± jitter`, outcomes, seconds, atHalf: (o) => o.score > 0.5, reasons: byReason };
}

function runBogofilter(corpus: CorpusMessage[], dir: string, version: string): Run {
  const bogo = new Bogofilter(dir);
  const cutoffs = bogo.cutoffs();
  const outcomes: Outcome[] = [];
  const started = performance.now();
  for (const [i, m] of corpus.entries()) {
    const score = bogo.score(m.path);
    outcomes.push({ label: m.label, score, spam: score >= cutoffs.spam });
    bogo.train(m.path, m.label);
    progress('bogofilter', i + 1, corpus.length);
  }
  const seconds = (performance.now() - started) / 1000;
  return { name: version, threshold: `${cutoffs.spam} (ham ≤ ${cutoffs.ham})`, outcomes, seconds, atHalf: (o) => o.score > 0.5 };
}

function progress(name: string, done: number, total: number): void {
  if (process.stderr.isTTY && (done % 100 === 0 || done === total)) {
    process.stderr.write(`\r${name}: ${done}/${total}${done === total ? '\n' : ''}`);
  }
}

/** The temporal and bootstrap protocols: Warden with its default settings, bogofilter beside. */
async function printHeldOut(corpus: CorpusMessage[], work: string, bogofilter: string | undefined): Promise<void> {
  const { temporal, bootstrap } = heldOutSplits(corpus);
  const { test } = temporal;
  const testSpam = test.filter((m) => m.label === 'spam').length;
  const since = new Date(test[0]!.time).toISOString().slice(0, 10);
  console.log(
    `\nHeld out: trained on the earlier half, then the later half (${test.length} messages from ${since} on, ${test.length - testSpam} ham, ${testSpam} spam) classified without feedback.`,
  );
  const rows: (string | number)[][] = [
    ['protocol', 'filter', '1-ROCA%', 'hm%', 'sm%', 'spam caught', 'ham rejected', 'spam caught at 0.5', 'ham rejected at 0.5', 'unsure: spam', 'unsure: ham'],
  ];
  const ratios: string[] = [];
  for (const [name, split] of [
    ['temporal', temporal],
    ['bootstrap', bootstrap],
  ] as const) {
    const runs: [string, Outcome[]][] = [['warden', await wardenHeldOut(split, join(work, `${name}-warden`), name === 'bootstrap')]];
    if (bogofilter) runs.push([bogofilter, bogofilterHeldOut(split, join(work, `${name}-bogofilter`))]);
    for (const [filter, outcomes] of runs) {
      const own = misclassification(outcomes);
      const at = catches(outcomes);
      const half = catches(outcomes, (o) => o.score > 0.5);
      // The unsure band at its default (docs/analysis.md 2.5): accepted at the filter's own threshold, scored from unsureFrom up.
      const unsure = catches(outcomes, (o) => !o.spam && o.score >= DEFAULT_ANALYSIS_SETTINGS.unsureFrom);
      rows.push([name, filter, fixed(oneMinusRocaPercent(outcomes), 3), fixed(own.hm), fixed(own.sm), at.caught, at.rejected, half.caught, half.rejected, unsure.caught, unsure.rejected]);
    }
    if (runs.length === 2) ratios.push(`${name} 1-ROCA% ${ratio(oneMinusRocaPercent(runs[0]![1]), oneMinusRocaPercent(runs[1]![1]))}`);
  }
  printTable(rows);
  console.log(
    `temporal: trained on all ${temporal.train.length} earlier messages; bootstrap: on the latest ${BOOTSTRAP_HAM} ham and ${BOOTSTRAP_SPAM} spam before the split, as a user's Archive and Junk would hold them.`,
  );
  console.log(`Caught and rejected at each filter's own threshold (warden's default; bogofilter's spam cutoff), and at 0.5.`);
  console.log(`unsure: what the unsure band from ${DEFAULT_ANALYSIS_SETTINGS.unsureFrom} would mark: accepted at the filter's own threshold, scored ${DEFAULT_ANALYSIS_SETTINGS.unsureFrom} or more.`);
  if (ratios.length > 0) console.log(`warden / bogofilter: ${ratios.join(', ')}`);
}

const { values: flags } = parseArgs({
  options: {
    pipeline: { type: 'boolean', default: false },
    dns: { type: 'string', multiple: true, default: [] },
    'deny-dns': { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});
if (flags.only !== undefined && flags.only !== 'online' && flags.only !== 'held-out') {
  throw new Error(`--only ${flags.only}: give --only online or --only held-out, or leave it out for both`);
}
const corpus = await chronologicalCorpus();
const hams = corpus.filter((m) => m.label === 'ham').length;
const work = mkdtempSync(join(tmpdir(), 'warden-eval-'));
const denying = flags['deny-dns'] ? await startDnsmasq({ wellKnown: false }) : undefined;
const dns = denying ? [denying.server] : flags.dns;
try {
  if (flags.only !== 'held-out') await printOnline();
  if (flags.only !== 'online') await printHeldOut(corpus, work, Bogofilter.version());
} finally {
  await denying?.stop();
  rmSync(work, { recursive: true, force: true });
}

/** The online protocol: Warden, the mox preset or the pipeline, and bogofilter. */
async function printOnline(): Promise<void> {
  const runs = [
    await runWarden(corpus, join(work, 'warden'), 'default'),
    flags.pipeline ? await runPipeline(corpus, join(work, 'pipeline'), dns) : await runWarden(corpus, join(work, 'warden-mox'), 'mox'),
  ];
  const bogofilter = Bogofilter.version();
  if (bogofilter) runs.push(runBogofilter(corpus, join(work, 'bogofilter'), bogofilter));

  console.log(`TREC spam-track protocol, online with immediate feedback: each message classified, then trained with its true label.`);
  console.log(`SpamAssassin public corpus: ${corpus.length} messages (${hams} ham, ${corpus.length - hams} spam), chronological.`);
  console.log(`hm%: ham judged spam, per cent of ham; sm%: spam not judged spam, per cent of spam.\n`);
  // The index of the 50th ham: from there on the filters have seen some of each (warm).
  let hamsSeen = 0;
  const warm = corpus.findIndex((m) => m.label === 'ham' && ++hamsSeen === SIGNIFICANT_HAM);
  const rows = runs.map((r) => {
    const own = misclassification(r.outcomes);
    const half = misclassification(r.outcomes, r.atHalf);
    const warmRoca = oneMinusRocaPercent(r.outcomes.slice(warm));
    const warmOwn = misclassification(r.outcomes.slice(warm));
    return { r, own, half, roca: oneMinusRocaPercent(r.outcomes), warmRoca, warmOwn, rate: r.outcomes.length / r.seconds };
  });
  printTable([
    ['filter', 'threshold', 'hm%', 'sm%', 'warm hm%', 'warm sm%', 'hm%@0.5', 'sm%@0.5', '1-ROCA%', 'warm 1-ROCA%', 'messages/s'],
    ...rows.map(({ r, own, half, roca, warmRoca, warmOwn, rate }) => [
      r.name,
      r.threshold,
      fixed(own.hm),
      fixed(own.sm),
      fixed(warmOwn.hm),
      fixed(warmOwn.sm),
      fixed(half.hm),
      fixed(half.sm),
      fixed(roca, 3),
      fixed(warmRoca, 3),
      fixed(rate, 0),
    ]),
  ]);
  console.log(
    `warm: the messages from the ${SIGNIFICANT_HAM}th ham on (${corpus.length - warm} of ${corpus.length}), scored as they were in the same run; ` +
      `warm hm% and sm% at each filter's own threshold.`,
  );
  const [warden, second, bogo] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0] | undefined];
  const compare = (a: typeof warden, b: typeof warden) =>
    `1-ROCA% ${ratio(a.roca, b.roca)} (warm ${ratio(a.warmRoca, b.warmRoca)}), hm% at own threshold ${ratio(a.own.hm, b.own.hm)}, sm% at own threshold ${ratio(a.own.sm, b.own.sm)}, messages/s ${ratio(a.rate, b.rate)}`;
  if (flags.pipeline) {
    const how = denying ? `DNS from ${denying.server}, a dnsmasq answering NXDOMAIN for every name` : dns.length > 0 ? `DNS from ${dns.join(', ')}` : 'offline: no DNS';
    console.log(`\nThe pipeline: each message delivered (${how}), then feedback with its true label; provider hosts ${CORPUS_PROVIDER_HOSTS.join(', ')}.`);
    console.log(`pipeline / warden (Bayes alone): ${compare(second, warden)}`);
    if (bogo) console.log(`pipeline / bogofilter: ${compare(second, bogo)}`);
    console.log('\nPipeline decisions by reason:');
    for (const [key, n] of second.r.reasons ?? []) console.log(`  ${key}: ${n}`);
  } else {
    console.log(`\nwarden / warden --preset mox: ${compare(warden, second)}`);
    if (bogo) console.log(`warden / bogofilter: ${compare(warden, bogo)}`);
  }
  if (!bogo) console.log('bogofilter is not installed: no comparison (apt-get install bogofilter).');
  const spamBefore = corpus.slice(0, warm).filter((m) => m.label === 'spam').length;
  console.log(
    `\nWarden judges nothing junk before ${SIGNIFICANT_HAM} ham messages are trained (as mox): in this order, ` +
      `${spamBefore} spam messages (${fixed((100 * spamBefore) / (corpus.length - hams), 1)}% of spam) arrive before that, which sets a floor under warden's sm%.`,
  );
}
