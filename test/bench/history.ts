import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DEFAULT_ANALYSIS_SETTINGS } from '../../src/analysis/settings.ts';
import { Api } from '../../src/api/api.ts';
import { DeliveryService, type Delivered } from '../../src/engine/delivery.ts';
import { seededRandom } from '../../src/engine/random.ts';
import { pruneHistory } from '../../src/engine/retention.ts';
import { openDatabase } from '../../src/store/database.ts';
import { History, LOCAL_ACCOUNT } from '../../src/store/history.ts';
import { chronologicalCorpus } from './corpus.ts';
import { fixed, printTable } from './table.ts';

const MINUTE = 60_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * The history at scale (issue: "a history that stays small and fast"): the database's size per
 * 100 000 arrivals, and how long stats and search take through the API at 100 000 and 1 000 000
 * decisions. Those calls run on the engine's thread (better-sqlite3 is synchronous), so their
 * time is also how long they hold up an arrival.
 *
 * The decisions are real ones: the content filter trained on 1 000 corpus messages, the next 300
 * delivered, their records then repeated through the history's own writes, one arrival a minute
 * up to now, one in four a reject, one in ten judged by the user. Subjects and senders vary (a
 * word from another subject, one of 5 000 sender names) so the search index is not one
 * repeated row. Then one pass of retention at the default setting over each history: how long
 * it takes, and the longest it holds the event loop (what an arrival may wait).
 */
export async function benchHistory(work: string, sizes: readonly number[] = [100_000, 1_000_000]): Promise<void> {
  const corpus = await chronologicalCorpus();
  const rows: string[][] = [
    ['decisions', 'database', 'per 100 000', 'stats 30 d', 'stats 365 d', 'search, common word', 'search, rare word', 'search, no match', 'one decision with evidence'],
  ];
  const breakdowns: string[] = [];
  const retention: string[][] = [['decisions', 'deleted', 'kept', 'took', 'longest hold of the event loop']];
  for (const size of sizes) {
    const dataDir = join(work, `history-${size}`);
    const seeds = await seedDecisions(dataDir, corpus);
    const words = [...new Set(seeds.flatMap((s) => s.facts.subject.toLowerCase().split(/[^a-z]+/)).filter((w) => w.length > 3))];
    const started = performance.now();
    const cpu = process.cpuUsage();
    fill(dataDir, seeds, words, size);
    const fillSeconds = (performance.now() - started) / 1000;
    const { user, system } = process.cpuUsage(cpu);
    const fillCpuMicros = (user + system) / size;
    const file = join(dataDir, 'warden.db');
    const db = openDatabase(file);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const bytes = statSync(file).size;
    breakdowns.push(`${size} decisions (written in ${fixed(fillSeconds, 0)} s, ${fixed(fillCpuMicros, 0)} µs of CPU each): ${tableSizes(db)}`);
    db.close();

    const api = await Api.open(dataDir, { offline: true });
    try {
      const timed = async (command: 'stats.get' | 'decisions.list' | 'decisions.get', params: Record<string, unknown>): Promise<number> => {
        const times: number[] = [];
        for (let i = 0; i < 7; i++) {
          const t = performance.now();
          const r = await api.call(command, params);
          times.push(performance.now() - t);
          if (!r.ok) throw new Error(r.error);
        }
        return median(times);
      };
      const top = (await api.call('decisions.list', { limit: 1 })) as { ok: true; result: { items: { id: number }[] } };
      rows.push([
        String(size),
        `${fixed(bytes / 1e6, 0)} MB`,
        `${fixed((bytes / 1e6) * (100_000 / size), 0)} MB`,
        `${fixed(await timed('stats.get', { days: 30 }), 1)} ms`,
        `${fixed(await timed('stats.get', { days: 365 }), 1)} ms`,
        `${fixed(await timed('decisions.list', { limit: 100, search: 'money' }), 1)} ms`,
        `${fixed(await timed('decisions.list', { limit: 100, search: words[words.length - 1]! }), 1)} ms`,
        `${fixed(await timed('decisions.list', { limit: 100, search: 'zyxwvut' }), 1)} ms`,
        `${fixed(await timed('decisions.get', { id: top.result.items[0]!.id }), 2)} ms`,
      ]);
    } finally {
      await api.close();
    }
    retention.push([String(size), ...(await timedRetention(file))]);
  }
  console.log('\nThe history at scale, through the API (median of 7; the time is also how long an arrival waits behind the call):');
  printTable(rows);
  console.log('Where the bytes are (dbstat):');
  for (const line of breakdowns) console.log(`  ${line}`);
  const days = DEFAULT_ANALYSIS_SETTINGS.historyRetentionDays;
  console.log(`\nRetention at the default setting (${days} days; src/engine/retention.ts), one pass over that history, as the engine runs it hourly:`);
  printTable(retention);
}

/** One retention pass at the default setting: what it deleted, how long it took, and the longest it held the event loop. */
async function timedRetention(file: string): Promise<string[]> {
  const db = openDatabase(file);
  try {
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const started = performance.now();
    const { messages } = await pruneHistory(new History(db, LOCAL_ACCOUNT), DEFAULT_ANALYSIS_SETTINGS.historyRetentionDays, Date.now());
    const seconds = (performance.now() - started) / 1000;
    delay.disable();
    const kept = db.prepare<[], number>('SELECT count(*) FROM msg').pluck().get()!;
    return [String(messages), String(kept), `${fixed(seconds, 1)} s`, `${fixed(delay.max / 1e6, 0)} ms`];
  } finally {
    db.close();
  }
}

/** Trains the content filter on the corpus's first 1 000 messages and delivers the next 300. */
async function seedDecisions(dataDir: string, corpus: Awaited<ReturnType<typeof chronologicalCorpus>>): Promise<Delivered[]> {
  const delivery = DeliveryService.open(dataDir, { offline: true, random: seededRandom(1) });
  try {
    for (const m of corpus.slice(0, 1000)) delivery.junk.trainWords(await delivery.junk.words(readFileSync(m.path)), m.label);
    delivery.junk.commit();
    const seeds: Delivered[] = [];
    for (const m of corpus.slice(1000, 1300)) seeds.push(await delivery.deliver(readFileSync(m.path)));
    return seeds;
  } finally {
    delivery.close();
  }
}

/** Repeats the seeds' records up to `size` decisions, through the history's own writes. */
function fill(dataDir: string, seeds: Delivered[], words: string[], size: number): void {
  const db = openDatabase(join(dataDir, 'warden.db'));
  try {
    const history = new History(db, LOCAL_ACCOUNT);
    const inbox = history.mailboxId('INBOX');
    const rejects = history.mailboxId('Rejects');
    const random = seededRandom(2);
    const now = Date.now();
    for (let start = seeds.length; start < size; start += 10_000) {
      history.transaction(() => {
        for (let i = start; i < Math.min(size, start + 10_000); i++) {
          const { facts, decision } = seeds[i % seeds.length]!;
          const s = decision.sender;
          const reject = i % 4 === 0;
          const judged = i % 10 === 0;
          const at = now - (size - i) * MINUTE;
          const id = history.insertMessage({
            fingerprint: `bench-${i}`,
            messageId: `<${i}@bench.example>`,
            received: at,
            origMailbox: reject ? rejects : inbox,
            destinedMailbox: reject ? inbox : null,
            isReject: reject,
            rejectedAt: reject ? at : null,
            junk: judged && reject,
            notjunk: judged && !reject,
            remoteIp: s.remoteIp,
            ipMasked: s.ipMasked,
            ehloDomain: s.ehloDomain,
            mailFromLocal: s.mailFromLocal,
            mailFromDomain: s.mailFromDomain,
            fromLocal: `${s.fromLocal}${Math.floor(random() * 5000)}`,
            fromDomain: s.fromDomain,
            fromOrgDomain: s.fromOrgDomain,
            ehloValidated: s.ehloValidated,
            mailFromValidated: s.mailFromValidated,
            fromValidated: s.fromValidated,
            isForward: false,
            isMailingList: decision.mailingList,
            subject: `${facts.subject} ${words[Math.floor(random() * words.length)]!}`,
            dkimDomains: s.dkimDomains,
            origDkimDomains: [],
          });
          history.logDecision({
            msgId: id,
            decidedAt: at,
            accept: !reject,
            reason: reject ? 'junk-content' : decision.reason,
            text: decision.text,
            mailbox: reject ? 'Rejects' : 'INBOX',
            score: decision.score,
            evidence: decision,
          });
        }
      });
    }
  } finally {
    db.close();
  }
}

/** The largest tables and indexes, in MB, from SQLite's dbstat. */
function tableSizes(db: ReturnType<typeof openDatabase>): string {
  const rows = db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC LIMIT 8').all() as { name: string; bytes: number }[];
  return rows.map((r) => `${r.name} ${fixed(r.bytes / 1e6, 1)}`).join(', ');
}
