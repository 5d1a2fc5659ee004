import { execFileSync, spawn } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ImapFlow } from 'imapflow';
import { startDovecot } from '../helpers/dovecot.ts';
import { chronologicalCorpus } from './corpus.ts';
import { connect, crlf, peakRssMB, sleep } from './imap.ts';
import { percentile } from './measure.ts';
import { fixed, printTable } from './table.ts';

/** What issue 13 asks of one engine watching several accounts (docs/design.md, one context). */
const TARGET = { oneAccountMB: 150, perAccountMB: 10, p99Ms: 1000 };

export interface AccountsBenchOptions {
  work: string;
  /** The command that runs the built `warden`. */
  warden: string[];
  /** The corpus as folders of ham and spam files: the content filter is trained on them first. */
  ham: string;
  spam: string;
  /** How many accounts, for each row. */
  counts: number[];
  /** Arrivals a second, spread over the accounts in turn, and for how long. */
  perSecond: number;
  seconds: number;
}

/**
 * One `warden run` watching 1, 3 and 6 accounts of a throw-away Dovecot (offline, observe mode),
 * the content filter trained on the whole corpus: its peak memory, and the time from each APPEND
 * to its decision while mail arrives at `perSecond` across the accounts. Before one context was
 * shared, each account had its own connection, word table and resolver, and every commit made
 * the others reload the table.
 */
export async function benchAccounts(o: AccountsBenchOptions): Promise<void> {
  const most = Math.max(...o.counts);
  const names = Array.from({ length: most }, (_, i) => `user${i + 1}`);
  const dovecot = await startDovecot({ users: names });
  const env: NodeJS.ProcessEnv = Object.fromEntries(dovecot.users.map((u, i) => [`WARDEN_BENCH_PASSWORD_${i + 1}`, u.password]));
  const clients = await Promise.all(dovecot.users.map((u) => connect(dovecot, u)));
  const raws = (await chronologicalCorpus()).map((m) => crlf(readFileSync(m.path)));
  try {
    const base = join(o.work, 'accounts-base');
    const warden = (dir: string, args: string[]) => execFileSync(o.warden[0]!, [...o.warden.slice(1), '--data-dir', dir, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    process.stderr.write('accounts: training the content filter on the corpus\n');
    warden(base, ['junk', 'train', '--ham', o.ham, '--spam', o.spam]);
    const rows: string[][] = [];
    let oneMB = NaN;
    let serial = 0;
    for (const count of o.counts) {
      const data = join(o.work, `accounts-${count}`);
      cpSync(base, data, { recursive: true });
      for (let i = 0; i < count; i++) {
        const u = dovecot.users[i]!;
        warden(data, ['account', 'add', `a${i + 1}`, '--host', dovecot.host, '--port', String(dovecot.imapPort), '--tls', 'plain', '--allow-plain', '--user', u.name, '--password-env', `WARDEN_BENCH_PASSWORD_${i + 1}`]);
      }
      // The first run only notes where each INBOX is (docs/analysis.md E8).
      warden(data, ['run', '--once', '--offline']);
      process.stderr.write(`accounts: ${count} watched, ${o.perSecond} arrivals a second for ${o.seconds} s\n`);
      const r = await watchAccounts(o, data, env, clients.slice(0, count), raws, () => serial++);
      if (count === 1) oneMB = r.peakMB;
      const p99 = percentile(r.latencies, 0.99);
      const extra = count > 1 ? (r.peakMB - oneMB) / (count - 1) : NaN;
      rows.push([
        String(count),
        String(r.latencies.length),
        fixed(percentile(r.latencies, 0.5), 0),
        fixed(p99, 0),
        fixed(Math.max(...r.latencies), 0),
        `${fixed(r.peakMB, 0)} MB`,
        count === 1 ? `≤ ${TARGET.oneAccountMB} MB: ${r.peakMB <= TARGET.oneAccountMB ? 'met' : 'not met'}` : `${extra < 0 ? '' : '+'}${fixed(extra, 1)} MB each (≤ ${TARGET.perAccountMB}): ${extra <= TARGET.perAccountMB ? 'met' : 'not met'}`,
        `p99 ≤ ${TARGET.p99Ms} ms: ${p99 <= TARGET.p99Ms ? 'met' : 'not met'}`,
      ]);
    }
    console.log(`\nOne engine, several accounts (warden run, offline, the filter trained on the corpus; ${o.perSecond} arrivals a second for ${o.seconds} s across the accounts; APPEND to decision, with Dovecot's 500 ms IDLE delay):`);
    printTable([['accounts', 'arrivals', 'p50 ms', 'p99 ms', 'max ms', 'peak RSS', 'memory target', 'latency target'], ...rows]);
  } finally {
    await Promise.all(clients.map((c) => c.logout().catch(() => {})));
    await dovecot.stop();
  }
}

/** `warden run --json` on `data` while messages arrive in turn in each client's INBOX; the latency of each, and the peak memory. */
async function watchAccounts(o: AccountsBenchOptions, data: string, env: NodeJS.ProcessEnv, clients: ImapFlow[], raws: Buffer[], next: () => number): Promise<{ latencies: number[]; peakMB: number }> {
  const child = spawn(o.warden[0]!, [...o.warden.slice(1), '--data-dir', data, 'run', '--json', '--offline'], { env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const decided = new Map<string, number>();
  const failures: string[] = [];
  let connected = 0;
  let allConnected: () => void;
  const ready = new Promise<void>((resolve) => (allConnected = resolve));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const event = JSON.parse(line) as { kind: string; account: string; uid?: number; error?: string };
    if (event.kind === 'connected' && ++connected === clients.length) allConnected();
    if (event.kind !== 'arrival') return;
    if (event.error) failures.push(`${event.account} UID ${event.uid}: ${event.error}`);
    decided.set(`${event.account}/${event.uid}`, performance.now());
  });
  try {
    await ready;
    const appended: { key: string; at: number }[] = [];
    const total = o.perSecond * o.seconds;
    const start = performance.now();
    for (let i = 0; i < total; i++) {
      const wait = start + (i * 1000) / o.perSecond - performance.now();
      if (wait > 0) await sleep(wait);
      const k = i % clients.length;
      const n = next();
      // One more header: new bytes, so not a message the history knows (docs/analysis.md E1).
      const raw = Buffer.concat([Buffer.from(`X-Warden-Bench: accounts ${n}\r\n`), raws[((n + 1) * 7919) % raws.length]!]);
      const done = await clients[k]!.append('INBOX', raw);
      if (!done || done.uid === undefined) throw new Error('Dovecot gave no UID for an APPEND (UIDPLUS)');
      appended.push({ key: `a${k + 1}/${done.uid}`, at: performance.now() });
    }
    for (const since = performance.now(); appended.some((a) => !decided.has(a.key)); await sleep(50)) {
      if (performance.now() - since > 120_000) throw new Error(`${appended.filter((a) => !decided.has(a.key)).length} arrivals undecided after 120 s; stderr: ${stderr}`);
    }
    if (failures.length > 0) throw new Error(`${failures.length} arrivals failed, e.g. ${failures[0]}`);
    return { latencies: appended.map((a) => decided.get(a.key)! - a.at), peakMB: peakRssMB(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}
