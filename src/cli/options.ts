import { InvalidArgumentError, Option, type Command } from 'commander';
import { resolveDataDir } from '../engine/data-dir.ts';
import type { DnsOptions } from '../engine/delivery.ts';
import { seededRandom } from '../engine/random.ts';

/** The data folder a command works in: --data-dir, else $WARDEN_DATA_DIR, else the platform's. */
export function dataDirOf(command: Command): string {
  return resolveDataDir(command.optsWithGlobals<{ dataDir?: string }>().dataDir);
}

export function number(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('not a number');
  return n;
}

/** The DNS options of the commands that analyse mail (analyze, filter, run). */
export function addDnsOptions(command: Command): Command {
  return command
    .addOption(new Option('--offline', 'send no DNS query: SPF, DKIM, DMARC, reverse DNS and block lists are "not checked"'))
    .addOption(new Option('--dns <server...>', 'DNS servers to ask (host or host:port), instead of the system\'s'))
    .addOption(new Option('--dns-timeout <ms>', 'give up on a DNS query after this long (default 5000)').argParser(number));
}

/** What the DNS options of the command line say, as the engine takes it. */
export function dnsOptionsOf(command: Command): DnsOptions {
  const { offline, dns, dnsTimeout } = command.optsWithGlobals<{ offline?: boolean; dns?: string[]; dnsTimeout?: number }>();
  return { offline, dnsServers: dns, dnsTimeoutMs: dnsTimeout };
}

/** The seed option of the commands that decide: the junk threshold's jitter made reproducible. */
export const seedOption = () => new Option('--seed <n>', "seed the junk threshold's random jitter, for reproducible runs").argParser(number);

export function randomOf(seed: number | undefined): (() => number) | undefined {
  return seed === undefined ? undefined : seededRandom(seed);
}

/** A YYYY-MM-DD option, as a date at 00:00 UTC. */
export function date(value: string): Date {
  const d = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : new Date(NaN);
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError('a date is written YYYY-MM-DD, e.g. 2026-01-31');
  return d;
}
