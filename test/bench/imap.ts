import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ImapFlow } from 'imapflow';
import { DOVECOT, startDovecot, type Dovecot } from '../helpers/dovecot.ts';
import { chronologicalCorpus } from './corpus.ts';
import { measure, median, percentile, summarize, type Measurement } from './measure.ts';
import { fixed, printTable, ratio } from './table.ts';

/** What the issue asks of the IMAP engine. */
const TARGET = { throughputRatio: 0.8, p99Ms: 1000, rssMB: 200 };

const PASSWORD_VAR = 'WARDEN_BENCH_PASSWORD';
const FLOOR_MAILBOX = 'Trash';
/** Arrivals measured alone, after the paced ones (and the APPENDs of Dovecot's own delay). */
const ALONE = 20;
const DELIVER_FILES = fileURLToPath(new URL('deliver-files.ts', import.meta.url));

export interface ImapBenchOptions {
  work: string;
  /** The command that runs the built `warden`. */
  warden: string[];
  runs: number;
  /** How many corpus messages (the oldest first) are appended for the backlog; all when Infinity. */
  messages: number;
  /** How many messages arrive, one APPEND every `intervalMs`, while the engine watches. */
  arrivals: number;
  intervalMs: number;
  /** The corpus as folders of ham and spam files: the content filter is trained on them first. */
  ham: string;
  spam: string;
}

interface Fetched {
  uid: number;
  raw: Buffer;
  received: number;
}

/**
 * The IMAP engine on a throw-away Dovecot on loopback, offline (no DNS): how fast `warden run
 * --once` catches up with a backlog in INBOX, against the same analysis of the same bytes read
 * from files (deliver-files.ts: the analysis alone, in a process of its own, with warden's node
 * flags and built code; and `warden filter --stdio`, op deliver, which adds its protocol) and a
 * plain imapflow FETCH of the mailbox; its peak memory with the whole backlog in its history;
 * and the time from an APPEND to the decision while `warden run` waits with IDLE.
 *
 * All three start from copies of one data directory (the content filter trained on the whole
 * corpus, as a bootstrap would, and an empty history) and see each message with the same
 * received time (its INTERNALDATE); the account is in observe mode, so nothing moves. The
 * latency is measured on the data directory of the last catch-up, its history at corpus size.
 */
export async function benchImap(o: ImapBenchOptions): Promise<void> {
  const corpus = (await chronologicalCorpus()).slice(0, o.messages);
  const dovecot = await startDovecot({ users: ['bench'] });
  const env = { [PASSWORD_VAR]: dovecot.users[0]!.password };
  const client = await connect(dovecot);
  try {
    const base = join(o.work, 'imap-base');
    const warden = (args: string[]) => execFileSync(o.warden[0]!, [...o.warden.slice(1), '--data-dir', base, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    warden(['junk', 'train', '--ham', o.ham, '--spam', o.spam]);
    warden(['account', 'add', 'bench', '--host', dovecot.host, '--port', String(dovecot.imapPort), '--tls', 'plain', '--allow-plain', '--user', dovecot.users[0]!.name, '--password-env', PASSWORD_VAR]);
    // The first run only notes where INBOX is (docs/analysis.md E8): the backlog comes after it.
    warden(['run', '--once', '--offline']);

    process.stderr.write(`IMAP: appending ${corpus.length} messages\n`);
    for (const m of corpus) {
      const appended = await client.append('INBOX', crlf(readFileSync(m.path)), [], Number.isFinite(m.time) ? new Date(m.time) : undefined);
      if (!appended) throw new Error(`Dovecot refused ${m.path}`);
    }
    await client.mailboxOpen('INBOX');

    const files = join(o.work, 'imap-files');
    mkdirSync(files);
    // The deliveries of the fetched messages, for the file-based peers (filter --stdio's requests).
    const list = join(o.work, 'imap-files.jsonl');
    const runs = { fetch: [] as number[], alone: [] as Measurement[], stdio: [] as Measurement[], engine: [] as Measurement[] };
    let lastEngineDir = '';
    for (let run = 0; run < o.runs; run++) {
      process.stderr.write(`IMAP run ${run + 1}/${o.runs}\n`);
      const started = performance.now();
      const fetched = await fetchAll(client);
      runs.fetch.push((performance.now() - started) / 1000);
      if (fetched.length !== corpus.length) throw new Error(`fetched ${fetched.length} of ${corpus.length} messages`);
      // The peers analyse exactly the bytes the engine gets (CRLF, as IMAP sends them).
      if (run === 0) {
        const requests = fetched.map((m) => {
          const path = join(files, `${m.uid}.eml`);
          writeFileSync(path, m.raw);
          return JSON.stringify({ id: m.uid, op: 'deliver', path, received: m.received }) + '\n';
        });
        writeFileSync(list, requests.join(''));
      }
      const fresh = (name: string) => {
        const dir = join(o.work, `imap-${name}-${run}`);
        cpSync(base, dir, { recursive: true });
        return dir;
      };

      const peers = [
        () => {
          const alone = measure([...o.warden.slice(0, -1), DELIVER_FILES, fresh('alone'), list]);
          if (JSON.parse(alone.stdout).delivered !== corpus.length) throw new Error(`the analysis alone delivered ${alone.stdout}`);
          runs.alone.push(alone);
        },
        () => {
          const stdio = measure([...o.warden, '--data-dir', fresh('stdio'), 'filter', '--stdio', '--offline'], { stdin: readFileSync(list, 'utf8') });
          expectAll(stdio.stdout, (r) => r.ok === true, corpus.length, 'deliveries over filter --stdio');
          runs.stdio.push(stdio);
        },
        () => {
          lastEngineDir = fresh('engine');
          const engine = measure([...o.warden, '--data-dir', lastEngineDir, 'run', '--once', '--offline', '--json'], { env });
          expectAll(engine.stdout, (e) => e.kind === 'arrival' && e.accept !== undefined && !e.error, corpus.length, 'IMAP arrivals');
          runs.engine.push(engine);
        },
      ];
      // In turn forwards and backwards, so that a machine slowing down (or speeding up) over the
      // runs weighs on the engine and its peers alike.
      for (const peer of run % 2 === 0 ? peers : peers.reverse()) peer();
    }

    const floor = await idleFloor(dovecot, client);
    process.stderr.write(`IMAP: ${o.arrivals} arrivals while watching\n`);
    const watched = await arrivalLatency(o, dovecot, client, env, lastEngineDir, corpus.map((m) => crlf(readFileSync(m.path))));

    const n = corpus.length;
    const fetchSeconds = median(runs.fetch);
    const alone = summarize(runs.alone);
    const stdio = summarize(runs.stdio);
    const engine = summarize(runs.engine);
    const throughput = alone.seconds / engine.seconds;
    const yes = (met: boolean) => (met ? 'yes' : 'NO');
    const row = (name: string, m: Measurement, target = '', met = '') => [name, fixed(n / m.seconds, 0), fixed(m.cpuSeconds), `${fixed(m.peakMB, 0)} MB`, target, met];
    console.log(
      `\nIMAP engine, Dovecot ${dovecotVersion()} on loopback, offline (no DNS): ${n} corpus messages appended to INBOX after the first run; ` +
        `the content filter trained on the whole corpus beforehand; observe mode. Median of ${o.runs} runs, each a separate process ` +
        'from a copy of the same data directory, so each ends with every message in its history.',
    );
    printTable([
      ['', 'msg/s', 'CPU s', 'peak RSS', 'target', 'met'],
      ['raw fetch (imapflow, UID FETCH 1:* BODY.PEEK[], one command)', fixed(n / fetchSeconds, 0), '', '', '', ''],
      row('analysis alone (the fetched bytes from files, DeliveryService.deliver)', alone),
      row('the same over warden filter --stdio (op deliver)', stdio),
      row('IMAP engine catch-up (warden run --once)', engine, `≤ ${TARGET.rssMB} MB`, yes(engine.peakMB <= TARGET.rssMB)),
      ['IMAP engine / analysis alone', ratio(alone.seconds, engine.seconds), ratio(engine.cpuSeconds, alone.cpuSeconds), ratio(engine.peakMB, alone.peakMB), `≥ ${fixed(TARGET.throughputRatio)}×`, yes(throughput >= TARGET.throughputRatio)],
    ]);
    const { paced, alone: single } = watched;
    const p99 = percentile(paced, 0.99);
    const latencyRow = (name: string, ms: number[]) => [name, fixed(percentile(ms, 0.5), 1), fixed(percentile(ms, 0.99), 1), fixed(Math.max(...ms), 1)];
    console.log(
      `\nArrival → decision while watching (warden run --json, IDLE), history at corpus size: from the APPEND's OK (another ` +
        'connection) to the arrival event; Dovecot tells an IDLE client of new mail 500 ms after it came (its NOTIFY_DELAY_MSECS).',
    );
    printTable([
      ['', 'p50 ms', 'p99 ms', 'max ms', 'peak RSS', 'target', 'met'],
      [...latencyRow(`warden run: ${paced.length} APPENDs, one every ${o.intervalMs} ms`, paced), `${fixed(watched.peakMB, 0)} MB`, `p99 ≤ ${TARGET.p99Ms} ms`, yes(p99 <= TARGET.p99Ms)],
      latencyRow(`warden run: ${single.length} APPENDs alone, each in IDLE`, single),
      latencyRow(`imapflow in IDLE, to the EXISTS: ${floor.length} APPENDs alone (Dovecot's delay)`, floor),
    ]);
  } finally {
    await client.logout().catch(() => {});
    await dovecot.stop();
  }
}

export async function connect(dovecot: Dovecot, user = dovecot.users[0]!): Promise<ImapFlow> {
  const client = new ImapFlow({ host: dovecot.host, port: dovecot.imapPort, secure: false, doSTARTTLS: false, auth: { user: user.name, pass: user.password }, logger: false });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Line ends as IMAP has them (RFC 3501 section 2.3.4): CRLF. Bytes kept as they are (latin1). */
export function crlf(raw: Buffer): Buffer {
  return Buffer.from(raw.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}

/** Every message of the selected mailbox in one UID FETCH, as a client with nothing else to do fetches them. */
async function fetchAll(client: ImapFlow): Promise<Fetched[]> {
  const fetched: Fetched[] = [];
  for await (const m of client.fetch('1:*', { uid: true, source: true, internalDate: true }, { uid: true })) {
    if (m.source) fetched.push({ uid: m.uid, raw: m.source, received: new Date(m.internalDate ?? 0).getTime() });
  }
  return fetched;
}

/** Throws unless exactly `count` of the JSON lines pass `test`. */
function expectAll(stdout: string, test: (line: Record<string, unknown>) => boolean, count: number, what: string): void {
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const passed = lines.filter(test).length;
  if (passed !== count) throw new Error(`${passed} of ${count} ${what} succeeded: ${JSON.stringify(lines.find((l) => !test(l)))}`);
}

/**
 * `warden run --json` watching the account; messages not seen before (a corpus message with one
 * more header) are appended one every `intervalMs`, without waiting for the decisions. The
 * latency of each is from its APPEND's tagged OK to its arrival event, both read here.
 */
async function arrivalLatency(o: ImapBenchOptions, dovecot: Dovecot, client: ImapFlow, env: NodeJS.ProcessEnv, dataDir: string, raws: Buffer[]): Promise<{ paced: number[]; alone: number[]; peakMB: number }> {
  const child = spawn(o.warden[0]!, [...o.warden.slice(1), '--data-dir', dataDir, 'run', '--json', '--offline'], { env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const decided = new Map<number, number>();
  const failures: string[] = [];
  const waiting = new Map<number, () => void>();
  let connected: () => void;
  const ready = new Promise<void>((resolve) => (connected = resolve));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const now = performance.now();
    const event = JSON.parse(line) as { kind: string; uid?: number; error?: string };
    if (event.kind === 'connected') connected();
    if (event.kind !== 'arrival') return;
    if (event.error) failures.push(`UID ${event.uid}: ${event.error}`);
    decided.set(event.uid!, now);
    waiting.get(event.uid!)?.();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const decision = (uid: number) =>
    new Promise<void>((resolve, reject) => {
      if (decided.has(uid)) return resolve();
      const timer = setTimeout(() => reject(new Error(`no decision on UID ${uid} within 60 s; stderr: ${stderr}; ${dovecot.log(5)}`)), 60_000);
      waiting.set(uid, () => (clearTimeout(timer), resolve()));
    });
  const append = async (i: number) => {
    // One more header: new bytes, so not a message the history knows (docs/analysis.md E1).
    const raw = Buffer.concat([Buffer.from(`X-Warden-Bench: arrival ${i}\r\n`), raws[((i + 1) * 7919) % raws.length]!]);
    const appended = await client.append('INBOX', raw);
    if (!appended || appended.uid === undefined) throw new Error('Dovecot gave no UID for an APPEND (UIDPLUS)');
    return { uid: appended.uid, at: performance.now() };
  };
  try {
    await ready;
    // One arrival first: the engine is in IDLE, and its code warm, when the measured ones come.
    await decision((await append(-1)).uid);
    const appended: { uid: number; at: number }[] = [];
    const start = performance.now();
    for (let i = 0; i < o.arrivals; i++) {
      const due = start + i * o.intervalMs;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      appended.push(await append(i));
    }
    for (const a of appended) await decision(a.uid);
    // Then a few alone, each once the engine is back in IDLE: what it adds to Dovecot's delay.
    const alone: { uid: number; at: number }[] = [];
    for (let i = 0; i < ALONE; i++) {
      await sleep(100);
      const a = await append(o.arrivals + i);
      await decision(a.uid);
      alone.push(a);
    }
    if (failures.length > 0) throw new Error(`${failures.length} arrivals failed, e.g. ${failures[0]}`);
    const latency = (list: { uid: number; at: number }[]) => list.map((a) => decided.get(a.uid)! - a.at);
    return { paced: latency(appended), alone: latency(alone), peakMB: peakRssMB(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

/**
 * How long Dovecot takes to tell an IDLE client of an APPEND from another connection: the floor
 * under any watcher's latency (Dovecot waits 500 ms after a change before it notifies,
 * NOTIFY_DELAY_MSECS in its mailbox-watch.c). One APPEND at a time, each into a fresh IDLE, in
 * another mailbox than INBOX, which holds only what the engine is measured on.
 */
async function idleFloor(dovecot: Dovecot, appender: ImapFlow, count = ALONE): Promise<number[]> {
  const watcher = await connect(dovecot);
  try {
    await watcher.mailboxOpen(FLOOR_MAILBOX);
    const delays: number[] = [];
    for (let i = 0; i < count; i++) {
      const exists = new Promise<number>((resolve) => watcher.once('exists', () => resolve(performance.now())));
      const idle = watcher.idle();
      // Time for the IDLE to reach the server before the APPEND.
      await sleep(50);
      await appender.append(FLOOR_MAILBOX, `Subject: idle ${i}\r\n\r\nfloor\r\n`);
      const appended = performance.now();
      delays.push((await exists) - appended);
      await watcher.noop();
      await idle;
    }
    return delays;
  } finally {
    await watcher.logout().catch(() => {});
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The peak resident memory of a running process (Linux: VmHWM). */
export function peakRssMB(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** Dovecot's version; '' when it is not installed. */
export function dovecotVersion(): string {
  try {
    return execFileSync(DOVECOT, ['--version'], { encoding: 'utf8' }).trim().split(' ')[0]!;
  } catch {
    return '';
  }
}
