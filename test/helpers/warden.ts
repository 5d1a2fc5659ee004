import { spawn, spawnSync, type ChildProcessWithoutNullStreams, type SpawnSyncReturns } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The checkout's root, where `warden` runs from. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** Runs the warden CLI from this checkout, as `npm run warden` does, and waits for it. */
export function runWarden(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [MAIN, ...args], {
    encoding: 'utf8',
    input: options.input ?? '',
    env: { ...process.env, ...options.env },
    maxBuffer: 256 * 1024 * 1024,
  });
}

/**
 * runWarden without blocking this process: for tests that serve something the command talks
 * to (a proxy, a DNS server) from their own event loop.
 */
export function runWardenAsync(args: string[], env?: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawnWarden(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end();
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

export function spawnWarden(args: string[], env?: NodeJS.ProcessEnv): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env } });
}

/** A `warden filter --stdio` process, driven one request at a time. */
export class FilterClient {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: Interface;
  readonly #waiting: ((line: string) => void)[] = [];
  #stderr = '';

  constructor(dataDir: string, args: string[] = []) {
    this.#child = spawnWarden(['filter', '--stdio', '--data-dir', dataDir, ...args]);
    this.#child.stderr.on('data', (d: Buffer) => (this.#stderr += d.toString()));
    this.#lines = createInterface({ input: this.#child.stdout });
    this.#lines.on('line', (line) => this.#waiting.shift()?.(line));
  }

  get pid(): number {
    return this.#child.pid!;
  }

  /** Sends one line (normally a JSON request) and resolves with the parsed response line. */
  send(line: string): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const onExit = () => reject(new Error(`warden filter exited: ${this.#stderr}`));
      this.#child.once('exit', onExit);
      this.#waiting.push((response) => {
        this.#child.off('exit', onExit);
        resolve(JSON.parse(response) as Record<string, unknown>);
      });
      this.#child.stdin.write(line + '\n');
    });
  }

  request(request: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.send(JSON.stringify(request));
  }

  /** Closes stdin and waits for the process to exit; resolves with its exit code. */
  close(): Promise<number | null> {
    return new Promise((resolve) => {
      this.#child.once('exit', (code) => resolve(code));
      this.#child.stdin.end();
    });
  }
}

/** A long-running `warden` (run --json, serve) whose JSON lines a test waits for. */
export interface WatchedWarden {
  child: ChildProcessWithoutNullStreams;
  /** Every JSON line so far. */
  events: Record<string, unknown>[];
  /** The next JSON line from now on that passes `test`; fails after `seconds`, with what it printed on stderr. */
  next(test: (event: Record<string, unknown>) => boolean, seconds?: number): Promise<Record<string, unknown>>;
  stderr(): string;
  /** SIGTERM, and its exit code. */
  stop(): Promise<number | null>;
}

export function watchWarden(args: string[], env?: NodeJS.ProcessEnv): WatchedWarden {
  const child = spawnWarden(args, env);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const waiting: { test: (e: Record<string, unknown>) => boolean; resolve: (e: Record<string, unknown>) => void }[] = [];
  const events: Record<string, unknown>[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    events.push(event);
    const i = waiting.findIndex((w) => w.test(event));
    if (i >= 0) waiting.splice(i, 1)[0]!.resolve(event);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    child,
    events,
    stderr: () => stderr,
    // Generous waits: a loaded CI machine is slow, and a missed event would hang for 25 minutes.
    next: (test, seconds = 30) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no event ${test.toString()} within ${seconds} s; stderr: ${stderr}`)), seconds * 1000);
        waiting.push({ test, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      }),
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
