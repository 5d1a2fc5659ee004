import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { startDnsmasq, type Dnsmasq } from './dnsmasq.ts';
import { dkimKeyRecord, providerMessage, type ProviderMessage } from './provider-mail.ts';
import { HAM_WORDS, NOVEL_WORDS, SPAM_WORDS, syntheticMessage } from './synthetic-mail.ts';
import { FilterClient, runWarden } from './warden.ts';

/**
 * The decision tests' bed (docs/fidelity.md): a real DNS server (dnsmasq) serving the SPF, DKIM,
 * DMARC, PTR and block-list records of the hosts below, a data folder with the analysis settings
 * every branch needs, and `warden filter --stdio` delivering messages as the user's provider
 * stored them. Each test file of a branch family starts its own.
 */

/** The sender's outbound host: SPF allows it, its PTR and A agree (iprev pass). */
export const GOOD = { ip: '198.51.100.7', ehlo: 'mx.sender.test' };
/** Another host of the same network, listed by the block list. */
export const LISTED = { ip: '198.51.100.8', ehlo: 'mx2.sender.test' };
/** A host without a reverse name (iprev permerror). */
export const NO_PTR = { ip: '203.0.113.9', ehlo: 'shady.test' };
/** A DMARC and TLS reporter's outbound host. */
export const REPORTER = { ip: '198.51.100.20', ehlo: 'mx.reporter.test' };
/** The user's other mailbox, forwarding to this one. */
export const FORWARDER = { ip: '192.0.2.50', ehlo: 'out.forwarder.test' };
/** Another host of the forwarder, listed by the block list. */
export const LISTED_FORWARDER = { ip: '192.0.2.51', ehlo: 'out2.forwarder.test' };
/** A mailing-list server (its mail carries List-Id), listed by the block list. */
export const LISTED_LIST_SERVER = { ip: '192.0.2.60', ehlo: 'lists.list.test' };

/** The block lists: one that lists everything (127.0.0.1 too: unhealthy, so skipped), then a healthy one. */
export const UNHEALTHY_ZONE = 'everything.test';
export const ZONE = 'dnsbl.test';
/** A block list whose server never answers (dnsmasq forwards it to a port where nothing does). */
export const DEAD_ZONE = 'dead.test';

export const SPAMMY = `${SPAM_WORDS.join(' ')}.\r\n${SPAM_WORDS.slice(0, 10).join(' ')}.\r\n`;
export const HAMMY = `${HAM_WORDS.join(' ')}.\r\n`;
/** Words the filter never saw: a probability of 0.5, between the strict 0.25 and the 0.95 threshold. */
export const NOVEL = `${NOVEL_WORDS.join(' ')}.\r\n`;
export const NOVEL_SUBJECT = NOVEL_WORDS.slice(0, 3).join(' ');

/** The analysis settings of the bed: every rule and report address the branches need. */
export const BED_SETTINGS = {
  jitter: 0,
  strictPlaintext: true,
  strictRecipient: true,
  dnsblZones: [UNHEALTHY_ZONE, ZONE],
  reports: { domains: ['example.test'], dmarcAddresses: ['dmarc-reports@example.test'], tlsAddresses: ['tls-reports@example.test'] },
  rulesets: [
    { headersRegexp: { '^list-id$': 'announce\\.list\\.test' }, listAllowDomain: 'list.test' },
    { verifiedDomain: 'forwarder.test', isForward: true },
    { msgFromRegexp: '@lists\\.[a-z]+\\.test$', mailbox: 'Lists', acceptRejectsToMailbox: 'Lists/Rejects' },
  ],
};

/** What a deliver request answers (the fields the tests read). */
export interface Delivered {
  ok: boolean;
  msg: string;
  known: boolean;
  accept: boolean;
  reason: string;
  mailbox: string;
  score: number;
  text: string;
  evidence: {
    junk: { probability: number; threshold: number; significant: boolean } | null;
    reputation: { method: string; junk: boolean | null } | null;
    auth: { dmarc: { result: string }; iprev: { result: string } };
    dnsbl: { zone: string; result: string } | null;
    forwarded: boolean;
    report: { kind: string; accepted: boolean; problem?: string } | null;
    subjectpass: string;
  };
}

export interface DecisionBed {
  dns: Dnsmasq;
  /** The data folder. */
  data: string;
  /** The `warden filter --stdio` process that holds the data folder (docs/design.md, one owner). */
  filter: FilterClient;
  /**
   * Changes the stored settings, as a user would with `warden settings --set`: with the filter
   * process stopped, since it holds the data folder; a new one (with `args` after --dns) serves
   * from then on.
   */
  reconfigure(changes: Record<string, unknown>, args?: string[]): Promise<void>;
  /** Writes a message file; returns its path. */
  write(raw: string | Buffer): string;
  /** Delivers a provider message (from GOOD, with ham content, unless given) and expects a decision. */
  deliver(m: Partial<ProviderMessage> & { from: string }): Promise<Delivered>;
  /** Delivers a message file; the raw response (a decision, or `ok: false` and the error). */
  deliverFile(path: string): Promise<Record<string, unknown>>;
  feedback(msg: string, label: 'ham' | 'spam'): Promise<void>;
  /** Runs SQL on the data folder's database from another connection (to break a table). */
  sql(statement: string): void;
  close(): Promise<void>;
}

/**
 * Starts the bed. The content filter is trained with `ham` ham and 10 spam messages: with 50 or
 * more ham it is significant (mox's rule).
 */
export async function startDecisionBed({ ham = 50 }: { ham?: number } = {}): Promise<DecisionBed> {
  const dns = await startDnsmasq({
    hosts: [
      { name: GOOD.ehlo, ips: [GOOD.ip] },
      { name: LISTED.ehlo, ips: [LISTED.ip] },
      { name: FORWARDER.ehlo, ips: [FORWARDER.ip] },
      { name: LISTED_FORWARDER.ehlo, ips: [LISTED_FORWARDER.ip] },
      { name: LISTED_LIST_SERVER.ehlo, ips: [LISTED_LIST_SERVER.ip] },
      { name: REPORTER.ehlo, ips: [REPORTER.ip] },
    ],
    addresses: [
      // dnsbl.test lists these and, as a healthy list must, 127.0.0.2 (docs/analysis.md 6.1).
      ...[LISTED.ip, LISTED_FORWARDER.ip, LISTED_LIST_SERVER.ip, '127.0.0.2'].map((ip) => ({ name: `${reversed(ip)}.${ZONE}`, ip: '127.0.0.2' })),
      // Lists every name, 127.0.0.1 too.
      { name: UNHEALTHY_ZONE, ip: '127.0.0.2' },
    ],
    txts: [
      { name: 'sender.test', value: 'v=spf1 ip4:198.51.100.0/24 -all' },
      { name: '_dmarc.sender.test', value: 'v=DMARC1; p=reject' },
      dkimKeyRecord('sender.test'),
      { name: 'quarantine.test', value: 'v=spf1 ip4:198.51.100.7 -all' },
      { name: '_dmarc.quarantine.test', value: 'v=DMARC1; p=quarantine' },
      { name: 'shady.test', value: 'v=spf1 ip4:203.0.113.0/24 -all' },
      { name: 'strict.test', value: 'v=spf1 ip4:192.0.2.0/24 -all' },
      dkimKeyRecord('list.test'),
      { name: 'forwarder.test', value: 'v=spf1 ip4:192.0.2.0/24 -all' },
      dkimKeyRecord('forwarder.test'),
      { name: `${reversed(LISTED.ip)}.${ZONE}`, value: 'Listed for testing' },
      { name: 'reporter.test', value: 'v=spf1 ip4:198.51.100.20 -all' },
      { name: '_dmarc.reporter.test', value: 'v=DMARC1; p=none' },
      dkimKeyRecord('reporter.test'),
      dkimKeyRecord('esp.test'),
      dkimKeyRecord('friends.test'),
    ],
    extra: [`server=/${DEAD_ZONE}/127.0.0.1#9`],
  });
  const dir = mkdtempSync(join(tmpdir(), 'warden-decisions-'));
  const data = join(dir, 'data');
  const set = runWarden(['--data-dir', data, 'settings', '--set', JSON.stringify(BED_SETTINGS)]);
  expect(set.stderr).toBe('');
  expect(JSON.parse(set.stdout)).toMatchObject(BED_SETTINGS);
  let filter = new FilterClient(data, ['--dns', dns.server]);
  let serial = 0;
  const write = (raw: string | Buffer) => {
    const path = join(dir, `${++serial}.eml`);
    writeFileSync(path, raw);
    return path;
  };
  for (let i = 0; i < ham + 10; i++) {
    const kind = i < ham ? 'ham' : 'spam';
    expect(await filter.request({ id: i, op: 'train', path: write(syntheticMessage(kind, i)), label: kind })).toMatchObject({ ok: true });
  }
  const deliverFile = (path: string) => filter.request({ id: serial, op: 'deliver', path });
  return {
    dns,
    data,
    get filter() {
      return filter;
    },
    async reconfigure(changes, args = []) {
      await filter.close();
      const set = runWarden(['--data-dir', data, 'settings', '--set', JSON.stringify(changes)]);
      expect(set.status, set.stderr).toBe(0);
      filter = new FilterClient(data, ['--dns', dns.server, ...args]);
    },
    write,
    deliverFile,
    async deliver(m) {
      const response = await deliverFile(write(await providerMessage({ ...GOOD, body: HAMMY, ...m })));
      expect(response.ok, JSON.stringify(response)).toBe(true);
      return response as unknown as Delivered;
    },
    async feedback(msg, label) {
      expect(await filter.request({ id: serial, op: 'feedback', msg, label })).toEqual({ id: serial, ok: true });
    },
    sql(statement) {
      const db = new Database(join(data, 'warden.db'));
      try {
        db.exec(statement);
      } finally {
        db.close();
      }
    },
    async close() {
      await filter.close();
      await dns.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An IPv4 address's labels reversed, as block lists name it (RFC 5782 section 2.1). */
function reversed(ip: string): string {
  return ip.split('.').reverse().join('.');
}
