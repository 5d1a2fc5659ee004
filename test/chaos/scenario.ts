import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseFile } from '../../src/engine/data-dir.ts';
import { seededRandom } from '../../src/engine/random.ts';
import { fingerprint } from '../../src/mail/fingerprint.ts';
import { CORPUS_PROVIDER_HOSTS } from '../bench/corpus.ts';
import { startDovecot, type Dovecot } from '../helpers/dovecot.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { runWardenAsync } from '../helpers/warden.ts';
import { audit, type Audit } from './audit.ts';
import { chooseBacklog, shuffle, type BacklogMessage } from './backlog.ts';
import { EngineProcess } from './engine.ts';
import { MailClient, ServerLock } from './mail-client.ts';
import { Progress, sleep } from './progress.ts';

/**
 * SIGKILL of `warden run` (started again at once), Dovecot restarted, the engine's connection
 * cut, a second engine started on the same data folder (which must refuse to start).
 */
export type FaultKind = 'kill' | 'restart' | 'cut' | 'second';

export interface ChaosOptions {
  /** Backlog size: distinct corpus messages delivered to INBOX. */
  messages: number;
  /** Faults to inject while the engine works through the backlog. */
  faults: number;
  /** Decides the backlog, the training set, and when and which faults and restores happen. */
  seed: number;
  /** Messages the user puts back from Rejects. Default: one in 40 messages, at least 3. */
  restores?: number;
  /** Ham and spam messages trained before the run, so that mail is rejected. Default 200 each. */
  trainEach?: number;
  /** Progress, for a person watching. */
  log?: (line: string) => void;
  /** Everything that happened, for finding out what went wrong: faults, restores, the engine's output. */
  trace?: (line: string) => void;
  /** Keeps the data directory (Warden's database) instead of removing it; its path is logged. */
  keep?: boolean;
  /**
   * How many computers watch the mailbox, each with its own data folder and engine (docs/design.md,
   * "Two computers, one mailbox"): 1 or 2. With 2, kills alternate between the engines, and the
   * audit checks that each message was acted on by one. Default 1.
   */
  computers?: number;
}

export interface ChaosResult {
  seed: number;
  computers: number;
  delivered: { ham: number; spam: number };
  /** The corpus file of each delivered message, by fingerprint. */
  paths: Map<string, string>;
  faults: Record<FaultKind, number>;
  restores: number;
  audit: Audit;
  /** Events of the engine while the faults came, by kind. */
  events: Record<string, number>;
  /** Exits of `warden run` nobody asked for, and how the final SIGTERM went when not well. */
  engineExits: string[];
  /** Accounts the engine gave up on (a `stopped` event), with the error. */
  stopped: string[];
  /** The final `warden run --once`: what it still found to do. */
  finalRun: { arrivals: number; repairedMoves: number };
  seconds: { setup: number; chaos: number; check: number };
}

const ACCOUNT = 'chaos';
/** The engine may decide nothing this long while mail waits before the run is called stuck. */
const STALL_MS = 90_000;

/**
 * The chaos run (`npm run chaos`): a backlog from the SpamAssassin corpus delivered to a real
 * Dovecot in waves while `warden run` in enforce mode works through it, behind a TCP proxy; meanwhile
 * the engine is killed with SIGKILL and started again, Dovecot is restarted, the proxy cuts the
 * engine's connection, and the user puts rejects back in INBOX. Then a final `warden run --once`,
 * and an audit of where every message ended up.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const log = options.log ?? (() => {});
  const t0 = performance.now();
  const trace = options.trace ? (line: string) => options.trace!(`${new Date().toISOString()} ${line}`) : () => {};
  // One stream of numbers per task: tasks run concurrently, and sharing one would make each
  // task's draws depend on the timing of the others.
  const stream = (n: number) => seededRandom(options.seed * 16 + n);
  const backlog = chooseBacklog(options.messages, options.trainEach ?? 200, stream(0));
  const dir = mkdtempSync(join(tmpdir(), 'warden-chaos-'));
  const computers = options.computers ?? 1;
  if (computers !== 1 && computers !== 2) throw new Error(`--computers is 1 or 2, not ${computers}`);
  const datas = Array.from({ length: computers }, (_, i) => join(dir, i === 0 ? 'data' : `data${i + 1}`));
  const data = datas[0]!;
  let dovecot: Dovecot | undefined;
  let proxy: TcpProxy | undefined;
  let engines: EngineProcess[] = [];
  let progress: Progress | undefined;
  const lock = new ServerLock();
  const clients: MailClient[] = [];
  try {
    dovecot = await startDovecot({ users: ['alice'] });
    proxy = await startTcpProxy({ host: dovecot.host, port: dovecot.imapPort });
    const user = dovecot.users[0]!;
    const env = { CHAOS_PASSWORD: user.password };
    const warden = async (args: string[], folder = data) => {
      const r = await runWardenAsync(['--data-dir', folder, ...args], env);
      if (r.status !== 0) throw new Error(`warden ${args.slice(0, 3).join(' ')} failed (${r.status}): ${r.stderr}`);
      return r.stdout;
    };
    log(`training the content filter with ${backlog.train.ham.length} ham and ${backlog.train.spam.length} spam`);
    await warden(['junk', 'train', '--ham', ...backlog.train.ham, '--spam', ...backlog.train.spam]);
    await warden(['account', 'add', ACCOUNT, '--host', '127.0.0.1', '--port', String(proxy.port), '--tls', 'plain', '--allow-plain', '--user', user.name,
      '--password-env', 'CHAOS_PASSWORD', '--provider-host', ...CORPUS_PROVIDER_HOSTS]);
    await warden(['account', 'mode', ACCOUNT, 'enforce']);
    // The other computer: the same training and account, in a folder of its own (copied before
    // any engine ran: each makes its own engine id, and its claim keyword, at its first claim).
    for (const other of datas.slice(1)) cpSync(data, other, { recursive: true });
    // The first run only notes where INBOX is (docs/analysis.md E8): the backlog comes after it.
    for (const folder of datas) await warden(['run', '--once'], folder);

    progress = new Progress(datas.map(databaseFile), ACCOUNT, STALL_MS);
    // Offline and seeded: no DNS query to the corpus's 2002 domains, the same decisions each run.
    engines = datas.map((folder, i) => new EngineProcess(['--data-dir', folder, '--offline', '--seed', String(options.seed)], env, computers === 1 ? trace : (line) => trace(`computer ${i + 1}: ${line}`)));
    const deliverer = new MailClient(dovecot, lock);
    const restorer = new MailClient(dovecot, lock);
    const auditor = new MailClient(dovecot, lock);
    clients.push(deliverer, restorer, auditor);
    const t1 = performance.now();
    log(`delivering ${backlog.messages.length} messages to ${computers === 1 ? 'one engine' : `${computers} computers' engines`}; ${options.faults} faults to come`);
    for (const e of engines) e.start();

    const act = faultActions(engines, dovecot, proxy, lock, trace, data, env);
    const restored = new Map<string, number>();
    const wanted = options.restores ?? Math.max(3, Math.round(options.messages / 40));
    const failFast = <T>(p: Promise<T>) =>
      p.catch((err: Error) => {
        progress!.fail(err);
        throw err;
      });
    const [, faults] = await Promise.all([
      failFast(deliver(backlog.messages, deliverer, progress)),
      failFast(injectFaults(options.faults, backlog.messages.length, stream(1), act, progress, log)),
      failFast(restore(wanted, backlog.messages.length, stream(2), restorer, progress, restored, trace)),
    ]);
    await progress.reach(backlog.messages.length);
    const events: Record<string, number> = {};
    for (const e of engines) for (const [kind, n] of e.events) events[kind] = (events[kind] ?? 0) + n;
    const engineExits: string[] = [];
    for (const e of engines) {
      const stopped = await e.stop();
      engineExits.push(...e.unexpectedExits, ...(stopped ? [stopped] : []));
    }
    const t2 = performance.now();

    log('final catch-up');
    const final: { kind: string; moves?: number }[] = [];
    for (const folder of datas) final.push(...(await warden(['run', '--once', '--json'], folder)).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; moves?: number }));
    const result = await auditor.use((client) => audit(client, datas.map(databaseFile), ACCOUNT, backlog.messages.map((m) => m.fingerprint), restored));
    return {
      seed: options.seed,
      computers,
      delivered: { ham: backlog.messages.filter((m) => m.label === 'ham').length, spam: backlog.messages.filter((m) => m.label === 'spam').length },
      paths: new Map(backlog.messages.map((m) => [m.fingerprint, m.path])),
      faults,
      restores: restored.size,
      audit: result,
      events,
      engineExits,
      stopped: engines.flatMap((e) => e.stopped),
      finalRun: { arrivals: final.filter((e) => e.kind === 'arrival').length, repairedMoves: final.reduce((n, e) => n + (e.kind === 'repaired' ? e.moves ?? 0 : 0), 0) },
      seconds: { setup: (t1 - t0) / 1000, chaos: (t2 - t1) / 1000, check: (performance.now() - t2) / 1000 },
    };
  } finally {
    for (const e of engines) await e.kill();
    progress?.close();
    for (const c of clients) await c.close();
    await proxy?.stop();
    await dovecot?.stop();
    if (options.keep) log(`kept ${data}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

/** Delivers the backlog in waves of a twentieth, each when the engine is halfway through the last. */
async function deliver(messages: BacklogMessage[], client: MailClient, progress: Progress): Promise<void> {
  const wave = Math.max(1, Math.ceil(messages.length / 20));
  for (let i = 0; i < messages.length; i += wave) {
    await progress.reach(i - Math.floor(wave / 2));
    for (const m of messages.slice(i, i + wave)) {
      const appended = await client.use((c) => c.append('INBOX', m.raw));
      if (!appended) throw new Error(`Dovecot refused to append ${m.path}`);
    }
  }
}

type FaultActions = Record<FaultKind, () => Promise<void>>;

/** The faults; `engines` are the computers' (kills take turns among them), the first on `data`. */
function faultActions(engines: EngineProcess[], dovecot: Dovecot, proxy: TcpProxy, lock: ServerLock, trace: (line: string) => void, data: string, env: NodeJS.ProcessEnv): FaultActions {
  let seconds = 0;
  let kills = 0;
  const engine = engines[0]!;
  return {
    kill: async () => {
      const victim = kills++ % engines.length;
      trace(`fault: SIGKILL${engines.length > 1 ? ` of computer ${victim + 1}'s engine` : ''}`);
      await engines[victim]!.kill();
      engines[victim]!.start();
    },
    restart: () =>
      lock.alone(async () => {
        trace('fault: Dovecot restart');
        await dovecot.restart();
        trace('Dovecot is back');
      }),
    // A cut needs a connection to cut: the engine may be between two (reconnecting).
    cut: async () => {
      for (const since = Date.now(); proxy.open() === 0; await sleep(10)) {
        if (Date.now() - since > STALL_MS) throw new Error(`the engine has not connected for ${STALL_MS / 1000} s`);
      }
      trace(`fault: ${proxy.cutAll()} connections cut`);
    },
    // Another engine on the folder, as a user starting `warden run` twice, or cron's `run
    // --once` beside it: it must leave at once, naming the one that runs, and do nothing.
    second: async () => {
      const once = seconds++ % 2 === 1;
      // Once the engine has taken the folder: a second one started while it is still starting
      // would take it first, and the engine would be the second.
      for (const since = Date.now(); ownerPid(data) !== engine.pid; await sleep(10)) {
        if (Date.now() - since > STALL_MS) throw new Error(`the engine has not taken its data folder for ${STALL_MS / 1000} s`);
      }
      trace(`fault: a second engine (${once ? 'run --once' : 'run'})`);
      const r = await runWardenAsync(['--data-dir', data, ...(once ? ['run', '--once', '--json', '--offline'] : ['run', '--json', '--offline'])], env);
      const refused = once ? r.status === 0 && r.stdout === '' && /Nothing to do/.test(r.stderr) : r.status === 1 && /in use by warden run/.test(r.stderr);
      if (!refused) throw new Error(`a second engine was not refused: exit ${r.status}, stdout ${r.stdout.slice(0, 500)}, stderr ${r.stderr.slice(0, 500)}`);
    },
  };
}

/** The process that owns the data folder, by what it wrote in owner.json (docs/design.md). */
function ownerPid(data: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(join(data, 'owner.json'), 'utf8')) as { pid: number }).pid;
  } catch {
    return undefined;
  }
}

/**
 * Injects `count` faults, each at a random point of the engine's progress through the backlog
 * (one in each of `count` equal stretches of it), up to 50 ms after it gets there. A fifth are
 * restarts, a tenth second engines, and the rest kills and cuts in equal parts, in a random order.
 */
async function injectFaults(count: number, messages: number, random: () => number, act: FaultActions, progress: Progress, log: (line: string) => void): Promise<Record<FaultKind, number>> {
  const done: Record<FaultKind, number> = { kill: 0, restart: 0, cut: 0, second: 0 };
  const restarts = Math.round(count / 5);
  const seconds = Math.round(count / 10);
  const kills = Math.round((count - restarts - seconds) / 2);
  const kinds: FaultKind[] = [
    ...Array<FaultKind>(kills).fill('kill'),
    ...Array<FaultKind>(restarts).fill('restart'),
    ...Array<FaultKind>(seconds).fill('second'),
    ...Array<FaultKind>(count - kills - restarts - seconds).fill('cut'),
  ];
  shuffle(kinds, random);
  for (const [k, kind] of kinds.entries()) {
    await progress.reach(Math.floor(((k + random()) * messages) / count));
    await sleep(random() * 50);
    await act[kind]();
    done[kind]++;
    if ((k + 1) % 10 === 0 || k + 1 === count) log(`${k + 1} faults injected, ${progress.decided()} of ${messages} messages decided`);
  }
  return done;
}

/**
 * The user puts `count` rejects back in INBOX (UID MOVE), spread over the run after its first
 * tenth, each a random message of Rejects that was not put back before. What was put back is
 * added to `restored`, by fingerprint, with when.
 */
async function restore(count: number, messages: number, random: () => number, client: MailClient, progress: Progress, restored: Map<string, number>, trace: (line: string) => void): Promise<void> {
  for (let k = 0; k < count; k++) {
    await progress.reach(Math.floor(messages * (0.1 + (0.9 * (k + random())) / count)));
    await client.use(async (c) => {
      if (!(await c.list()).some((m) => m.path === 'Rejects')) return;
      const lock = await c.getMailboxLock('Rejects');
      try {
        const uids = (await c.search({ all: true }, { uid: true })) || [];
        // A few tries: a message put back before and found here again is for the audit to count.
        for (let attempt = 0; attempt < 5 && uids.length > 0; attempt++) {
          const uid = uids[Math.floor(random() * uids.length)]!;
          const m = await c.fetchOne(String(uid), { source: true }, { uid: true });
          if (!m || !m.source) continue;
          const id = fingerprint(m.source);
          if (restored.has(id)) continue;
          if (!(await c.messageMove(String(uid), 'INBOX', { uid: true }))) throw new Error(`Dovecot did not move message ${uid} from Rejects to INBOX`);
          restored.set(id, Date.now());
          trace(`restored Rejects ${uid} to INBOX: ${id}`);
          return;
        }
      } finally {
        lock.release();
      }
    });
  }
}
