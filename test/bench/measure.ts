import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/warden.ts';

export const TIME = '/usr/bin/time';

export interface Measurement {
  seconds: number;
  cpuSeconds: number;
  peakMB: number;
}

/** Runs a command under GNU time: how long it took, its CPU time and peak RSS, and what it printed. */
export function measure(command: string[], options: { stdin?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Measurement & { stdout: string } {
  const result = spawnSync(TIME, ['-f', '%e %U %S %M', ...command], {
    cwd: options.cwd ?? ROOT,
    input: options.stdin ?? '',
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (result.status !== 0) throw new Error(`${command.join(' ')} failed (${result.status}): ${result.stderr}`);
  const [seconds, user, system, kb] = result.stderr.trim().split('\n').at(-1)!.split(' ').map(Number) as [number, number, number, number];
  return { seconds, cpuSeconds: user + system, peakMB: kb / 1024, stdout: result.stdout };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The value below which a share `p` (0 to 1) of the values lie. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

/** Medians of time and CPU time, and the highest peak memory. */
export function summarize(runs: Measurement[]): Measurement {
  return { seconds: median(runs.map((r) => r.seconds)), cpuSeconds: median(runs.map((r) => r.cpuSeconds)), peakMB: Math.max(...runs.map((r) => r.peakMB)) };
}

/**
 * The command that runs the built `warden`, with the environment and node flags of its #! line
 * (what a user's `warden` runs), through env(1) as the #! line does.
 */
export function wardenCommand(): string[] {
  execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  const main = join(ROOT, 'dist/cli/main.js');
  const shebang = readFileSync(main, 'utf8').split('\n', 1)[0]!.split(/\s+/);
  const variables = shebang.filter((arg) => /^[A-Z_]+=/.test(arg));
  const flags = shebang.filter((arg) => arg.startsWith('--'));
  return ['/usr/bin/env', ...variables, process.execPath, ...flags, main];
}
