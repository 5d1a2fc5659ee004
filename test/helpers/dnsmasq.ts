import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WELL_KNOWN_NAMES } from '../../src/auth/resolver.ts';

/**
 * A throw-away DNS server for tests: dnsmasq on 127.0.0.1 at a free port, answering only the
 * records it is given (infra.md section 3). Every other name is NXDOMAIN, answered locally:
 * nothing is forwarded anywhere. Records must all be known before start (dnsmasq reads TXT
 * records only then).
 */

export const DNSMASQ = process.env.DNSMASQ ?? '/usr/sbin/dnsmasq';

export interface DnsRecords {
  /** A/AAAA records of a name, and the PTR record of each address back to it (dnsmasq's host-record). */
  hosts?: { name: string; ips: string[] }[];
  /** A records only, for a name and every name below it (dnsmasq's address=). */
  addresses?: { name: string; ip: string }[];
  /** PTR records: IP address → name. */
  ptrs?: { ip: string; name: string }[];
  /** TXT records; a long value is split into strings of at most 255 bytes. */
  txts?: { name: string; value: string | string[] }[];
  /** Config lines added as they are. */
  extra?: string[];
  /**
   * The names every working DNS has (WELL_KNOWN_NAMES), on by default, so that the resolver's
   * health check passes; false: a DNS that denies everything, as a captive portal's does.
   */
  wellKnown?: boolean;
}

export interface Dnsmasq {
  /** `127.0.0.1:port`, for DnsResolver's servers. */
  server: string;
  port: number;
  /** What dnsmasq wrote to stderr so far (with `log-queries`: one line per query). */
  log(): string;
  /** How many queries dnsmasq logged (`query[TYPE] name from ...` lines) so far. */
  queries(): number;
  stop(): Promise<void>;
}

/** Starts dnsmasq with `records` and waits until it answers. */
export async function startDnsmasq(records: DnsRecords): Promise<Dnsmasq> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-dnsmasq-'));
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freeUdpPort();
    const conf = join(dir, 'dnsmasq.conf');
    writeFileSync(conf, config(port, records));
    try {
      return await launch(conf, port, dir);
    } catch (err) {
      // Most likely the port was taken between picking it and dnsmasq binding it: try another.
      lastError = err as Error;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError ?? new Error('dnsmasq did not start');
}

/** A TXT value as dnsmasq's txt-record wants it: quoted strings of at most 255 bytes, comma separated. */
export function txtStrings(value: string | string[]): string {
  const strings = typeof value === 'string' ? splitBytes(value, 255) : value;
  return strings.map((s) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',');
}

function splitBytes(value: string, size: number): string[] {
  const bytes = Buffer.from(value);
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size).toString());
  return parts.length > 0 ? parts : [''];
}

function config(port: number, records: DnsRecords): string {
  const lines = [
    `port=${port}`,
    'listen-address=127.0.0.1',
    'bind-interfaces',
    'no-resolv',
    'no-hosts',
    'no-poll',
    'no-negcache',
    'log-queries',
    'log-facility=-',
    'pid-file=',
    // Local answers get a TTL (dnsmasq's default is 0), so the resolver's cache can be tested.
    'local-ttl=300',
    // Everything not defined below is NXDOMAIN, answered here, never forwarded.
    'address=/#/',
  ];
  if (records.wellKnown !== false) for (const name of WELL_KNOWN_NAMES) lines.push(`address=/${name}/192.0.2.53`);
  for (const h of records.hosts ?? []) lines.push(`host-record=${h.name},${h.ips.join(',')}`);
  for (const a of records.addresses ?? []) lines.push(`address=/${a.name}/${a.ip}`);
  for (const p of records.ptrs ?? []) lines.push(`ptr-record=${arpa(p.ip)},${p.name}`);
  for (const t of records.txts ?? []) lines.push(`txt-record=${t.name},${txtStrings(t.value)}`);
  lines.push(...(records.extra ?? []));
  return lines.join('\n') + '\n';
}

function arpa(ip: string): string {
  if (!ip.includes(':')) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  const [head = '', tail = ''] = ip.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const h = groups(head);
  const t = groups(tail);
  const full = ip.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  const nibbles = full.map((g) => g.padStart(4, '0')).join('');
  return `${[...nibbles].reverse().join('.')}.ip6.arpa`;
}

/** A UDP port on 127.0.0.1 that was free a moment ago. */
function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

async function launch(conf: string, port: number, dir: string): Promise<Dnsmasq> {
  const child: ChildProcess = spawn(DNSMASQ, ['--keep-in-foreground', '-C', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code) => {
      exited = code;
      resolve();
    });
    child.once('error', (err) => {
      stderr += String(err);
      exited = -1;
      resolve();
    });
  });

  const server = `127.0.0.1:${port}`;
  const probe = new Resolver({ timeout: 200, tries: 1 });
  probe.setServers([server]);
  const started = Date.now();
  for (;;) {
    if (exited !== undefined) throw new Error(`dnsmasq exited (${exited}): ${stderr.trim()}`);
    try {
      await probe.resolve4('ready.invalid');
      break;
    } catch (err) {
      // NXDOMAIN: it answered, so it is up.
      if ((err as { code?: string }).code === 'ENOTFOUND') break;
    }
    if (Date.now() - started > 10_000) {
      child.kill('SIGTERM');
      await exit;
      throw new Error(`dnsmasq did not answer within 10 s: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }

  return {
    server,
    port,
    log: () => stderr,
    queries: () => stderr.split('\n').filter((line) => /: query\[[A-Z0-9]+\] /.test(line)).length,
    stop: async () => {
      if (exited === undefined) {
        child.kill('SIGTERM');
        await exit;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
