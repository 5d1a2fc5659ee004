import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { spawnWarden } from '../helpers/warden.ts';

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * `warden run --json` as a process that the chaos run kills and starts again. It counts the
 * events it prints by kind, and notes every exit nobody asked for: the engine must survive lost
 * connections and server restarts on its own.
 */
export class EngineProcess {
  /**
   * Events printed so far, by kind; arrivals also as `arrival.moved`, `arrival.restored`,
   * `arrival.error`, and the moves of `repaired` events as `repaired.moves`. An engine killed in
   * the middle of a catch-up never prints its arrivals: these are a lower bound.
   */
  readonly events = new Map<string, number>();
  /** Exits nobody asked for (code or signal, and the end of stderr). */
  readonly unexpectedExits: string[] = [];
  /** The errors of the `stopped` events: an account the engine gave up on. */
  readonly stopped: string[] = [];
  readonly #args: string[];
  readonly #env: NodeJS.ProcessEnv;
  readonly #trace: (line: string) => void;
  #child: ChildProcessWithoutNullStreams | undefined;
  #exited: Promise<Exit> = Promise.resolve({ code: null, signal: null });
  #stderr = '';

  /** `args` are `warden run`'s (after `run --json`); `trace` gets every line the engine prints, stdout and stderr. */
  constructor(args: string[], env: NodeJS.ProcessEnv, trace: (line: string) => void = () => {}) {
    this.#args = args;
    this.#env = env;
    this.#trace = trace;
  }

  start(): void {
    const child = spawnWarden(['run', '--json', ...this.#args], this.#env);
    this.#child = child;
    this.#trace(`engine ${child.pid} started`);
    this.#stderr = '';
    child.stderr.on('data', (d: Buffer) => (this.#stderr = (this.#stderr + d.toString()).slice(-4000)));
    createInterface({ input: child.stderr }).on('line', (line) => this.#trace(`engine ${child.pid} stderr: ${line}`));
    createInterface({ input: child.stdout }).on('line', (line) => {
      this.#trace(`engine ${child.pid}: ${line}`);
      this.#count(line);
    });
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        if (this.#child === child) {
          // Not killed nor stopped by us: a crash. Started again, so the run goes on and tells.
          this.unexpectedExits.push(`exit ${signal ?? code}: ${this.#stderrTail()}`);
          this.start();
        }
        resolve({ code, signal });
      });
    });
  }

  /** SIGKILL: no chance to finish anything, as a power cut or the OOM killer. */
  /** The running engine's process id, once started. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async kill(): Promise<void> {
    const child = this.#detach();
    child?.kill('SIGKILL');
    await this.#exited;
  }

  /**
   * SIGTERM, as a service manager stops it; resolves with what went wrong, if anything. Exit
   * code 0, or the signal itself when it came before the engine set its handler (still starting,
   * with nothing to finish), are right; SIGKILL follows when it is still running after 30 s.
   */
  async stop(): Promise<string | undefined> {
    const child = this.#detach();
    if (!child) return undefined;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const { code, signal } = await this.#exited;
    clearTimeout(timer);
    if (code === 0 || signal === 'SIGTERM') return undefined;
    return `on SIGTERM, exit ${signal ?? code}: ${this.#stderrTail()}`;
  }

  /** The last lines the running (or last) engine wrote to stderr. */
  #stderrTail(): string {
    return this.#stderr.trim().split('\n').slice(-5).join(' | ');
  }

  #detach(): ChildProcessWithoutNullStreams | undefined {
    const child = this.#child;
    this.#child = undefined;
    return child;
  }

  #count(line: string): void {
    let event: { kind?: string; moved?: boolean; restored?: boolean; error?: string; moves?: number };
    try {
      event = JSON.parse(line) as typeof event;
    } catch {
      event = { kind: 'unparsable' };
    }
    const add = (key: string, n = 1) => this.events.set(key, (this.events.get(key) ?? 0) + n);
    add(event.kind ?? 'unknown');
    if (event.kind === 'arrival') {
      if (event.moved) add('arrival.moved');
      if (event.restored) add('arrival.restored');
      if (event.error) add('arrival.error');
    }
    if (event.kind === 'repaired') add('repaired.moves', event.moves ?? 0);
    if (event.kind === 'stopped') this.stopped.push(event.error ?? '');
  }
}
