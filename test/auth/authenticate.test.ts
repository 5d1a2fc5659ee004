import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate, notChecked } from '../../src/auth/authenticate.ts';
import { DnsResolver } from '../../src/auth/resolver.ts';
import type { AuthResults } from '../../src/auth/results.ts';
import { messageFacts, type MessageFacts } from '../../src/mail/facts.ts';
import { parseMessage } from '../../src/mail/parse.ts';
import { startDeadDns, type DeadDns } from '../helpers/dead-dns.ts';
import { startDnsmasq, type Dnsmasq } from '../helpers/dnsmasq.ts';
import { FlakyResolver } from '../helpers/flaky-resolver.ts';
import { dkimKeyRecord, providerMessage } from '../helpers/provider-mail.ts';

/** An IP that sender.test's SPF allows, with PTR and A (iprev pass), and the HELO's SPF. */
const GOOD_IP = '198.51.100.7';
/** An IP no SPF record allows, without PTR. */
const BAD_IP = '203.0.113.9';


const SPF_SENDERS = 'v=spf1 ip4:198.51.100.0/24 -all';

let dns: Dnsmasq;
let dead: DeadDns;

beforeAll(async () => {
  const key = dkimKeyRecord;
  [dns, dead] = await Promise.all([
    startDnsmasq({
      hosts: [{ name: 'mx.sender.test', ips: [GOOD_IP] }],
      txts: [
        { name: 'sender.test', value: SPF_SENDERS },
        { name: '_dmarc.sender.test', value: 'v=DMARC1; p=reject; rua=mailto:dmarc@sender.test' },
        key('sender.test'),
        // The HELO identity of null-sender mail.
        { name: 'mx.sender.test', value: 'v=spf1 ip4:198.51.100.7 -all' },
        { name: 'soft.test', value: 'v=spf1 ~all' },
        { name: 'neutral.test', value: 'v=spf1 ?all' },
        // nospf.test: no record at all.
        { name: 'quarantine.test', value: SPF_SENDERS },
        { name: '_dmarc.quarantine.test', value: 'v=DMARC1; p=quarantine' },
        { name: 'relaxed.test', value: SPF_SENDERS },
        { name: '_dmarc.relaxed.test', value: 'v=DMARC1; p=none' },
        { name: 'sampled.test', value: SPF_SENDERS },
        { name: '_dmarc.sampled.test', value: 'v=DMARC1; p=reject; pct=0' },
        { name: 'half.test', value: SPF_SENDERS },
        { name: '_dmarc.half.test', value: 'v=DMARC1; p=reject; pct=50' },
        // Subdomains: sp applies to them when set, p otherwise.
        { name: '_dmarc.org.test', value: 'v=DMARC1; p=reject; sp=none' },
        { name: '_dmarc.plain.test', value: 'v=DMARC1; p=quarantine' },
        // Signing by the parent domain: relaxed DKIM alignment (adkim default r), and strict.
        key('parent.test'),
        { name: '_dmarc.parent.test', value: 'v=DMARC1; p=reject' },
        key('strictp.test'),
        { name: '_dmarc.strictp.test', value: 'v=DMARC1; p=reject; adkim=s' },
      ],
    }),
    startDeadDns(),
  ]);
});

afterAll(async () => {
  await dns?.stop();
  await dead?.stop();
});

interface Msg {
  /** The From address. */
  from: string;
  /** The MAIL FROM of the Return-Path: '' for the null sender `<>`, undefined for none. */
  mailFrom?: string;
  ip?: string;
  /** The EHLO name; an address literal when ''. */
  ehlo?: string;
  /** DKIM-sign with this domain's key (selector sel1). */
  sign?: string;
  body?: string;
}

async function message(m: Msg): Promise<{ raw: Buffer; facts: MessageFacts }> {
  const ip = m.ip ?? GOOD_IP;
  const ehlo = m.ehlo ?? 'mx.sender.test';
  const raw = await providerMessage({ ...m, ip, ehlo });
  const { headers } = await parseMessage(raw);
  const facts = messageFacts(raw, headers);
  expect(facts.boundary).toEqual({ index: 0, ip, ehlo, tls: true });
  return { raw, facts };
}

const resolver = () => new DnsResolver({ servers: [dns.server], timeoutMs: 2000, tries: 1 });

async function check(m: Msg, options: Parameters<typeof authenticate>[3] = {}, r = resolver()): Promise<AuthResults> {
  const { raw, facts } = await message(m);
  return authenticate(raw, facts, r, options);
}

describe('SPF', () => {
  it('passes for an allowed IP: the MAIL FROM is validated', async () => {
    const auth = await check({ from: 'alice@sender.test', mailFrom: 'bounce@sender.test' });
    expect(auth.checked).toBe(true);
    expect(auth.spf).toEqual({ result: 'pass', identity: 'mailfrom', domain: 'sender.test' });
    expect(auth.mailFromValidated).toBe(true);
    expect(auth.ehloValidated).toBe(false);
  });

  it('fails for an IP the record excludes', async () => {
    const auth = await check({ from: 'alice@sender.test', mailFrom: 'bounce@sender.test', ip: BAD_IP });
    expect(auth.spf).toEqual({ result: 'fail', identity: 'mailfrom', domain: 'sender.test' });
    expect(auth.mailFromValidated).toBe(false);
  });

  it('gives softfail, neutral and none as the records say', async () => {
    expect((await check({ from: 'a@soft.test', mailFrom: 'a@soft.test' })).spf.result).toBe('softfail');
    expect((await check({ from: 'a@neutral.test', mailFrom: 'a@neutral.test' })).spf.result).toBe('neutral');
    expect((await check({ from: 'a@nospf.test', mailFrom: 'a@nospf.test' })).spf).toEqual({ result: 'none', identity: 'mailfrom', domain: 'nospf.test' });
  });

  it('checks the HELO identity for a null sender', async () => {
    const auth = await check({ from: 'mailer-daemon@sender.test', mailFrom: '' });
    expect(auth.spf).toEqual({ result: 'pass', identity: 'helo', domain: 'mx.sender.test' });
    expect(auth.ehloValidated).toBe(true);
    expect(auth.mailFromValidated).toBe(false);
  });

  it('fails the HELO identity of a null sender from another IP', async () => {
    const auth = await check({ from: 'mailer-daemon@sender.test', mailFrom: '', ip: '198.51.100.8' });
    expect(auth.spf).toEqual({ result: 'fail', identity: 'helo', domain: 'mx.sender.test' });
    expect(auth.ehloValidated).toBe(false);
  });

  it('gives none for a null sender whose HELO was an address literal', async () => {
    const auth = await check({ from: 'mailer-daemon@sender.test', mailFrom: '', ehlo: '' });
    expect(auth.spf).toEqual({ result: 'none', identity: 'helo', domain: '' });
    expect(auth.ehloValidated).toBe(false);
  });

  it('is a temperror when the SPF record cannot be fetched', async () => {
    const flaky = new FlakyResolver({ servers: [dns.server] }, { 'TXT sender.test': 'ESERVFAIL' });
    const auth = await check({ from: 'alice@sender.test', mailFrom: 'bounce@sender.test' }, {}, flaky);
    expect(auth.spf.result).toBe('temperror');
    // mox: SPF temperror makes DMARC temperror, which never rejects.
    expect(auth.dmarc).toMatchObject({ result: 'temperror', policy: 'reject', reject: false });
  });
});

describe('DKIM', () => {
  it('passes a signed message, and lists the signing domain', async () => {
    const auth = await check({ from: 'alice@sender.test', mailFrom: 'bounce@sender.test', sign: 'sender.test' });
    expect(auth.dkim).toEqual([{ domain: 'sender.test', selector: 'sel1', result: 'pass', bodyLimited: false, services: ['*'] }]);
    expect(auth.dkimDomains).toEqual(['sender.test']);
    expect(auth.fromValidation).toBe('strict');
  });

  it('does not pass a message whose body changed after signing', async () => {
    const { raw, facts } = await message({ from: 'alice@sender.test', mailFrom: 'bounce@sender.test', ip: BAD_IP, sign: 'sender.test' });
    const tampered = Buffer.from(raw.toString().replace('the numbers are attached', 'the numbers are wrong'));
    const auth = await authenticate(tampered, facts, resolver());
    expect(auth.dkim).toHaveLength(1);
    expect(auth.dkim[0]!.result).not.toBe('pass');
    expect(auth.dkimDomains).toEqual([]);
    expect(auth.dmarc).toMatchObject({ result: 'fail', reject: true });
    expect(auth.fromValidation).toBe('none');
  });

  it('lists no signatures for an unsigned message', async () => {
    const auth = await check({ from: 'alice@sender.test', mailFrom: 'bounce@sender.test' });
    expect(auth.dkim).toEqual([]);
    expect(auth.dkimDomains).toEqual([]);
  });

  it('a DKIM temperror makes DMARC temperror, not a reject', async () => {
    const flaky = new FlakyResolver({ servers: [dns.server] }, { 'TXT sel1._domainkey.sender.test': 'ESERVFAIL' });
    const auth = await check({ from: 'alice@sender.test', mailFrom: 'bounce@sender.test', ip: BAD_IP, sign: 'sender.test' }, {}, flaky);
    expect(auth.dkim).toMatchObject([{ domain: 'sender.test', selector: 'sel1', result: 'temperror' }]);
    expect(auth.dmarc).toMatchObject({ result: 'temperror', reject: false, use: true });
  });
});

describe('DMARC', () => {
  it('passes on aligned SPF', async () => {
    const auth = await check({ from: 'alice@sender.test', mailFrom: 'bounce@sender.test' });
    expect(auth.dmarc).toEqual({ result: 'pass', policy: 'reject', use: true, reject: false, domain: 'sender.test' });
    expect(auth.fromValidation).toBe('strict');
  });

  it('passes on aligned DKIM when SPF fails', async () => {
    const auth = await check({ from: 'alice@sender.test', mailFrom: 'bounce@sender.test', ip: BAD_IP, sign: 'sender.test' });
    expect(auth.spf.result).toBe('fail');
    expect(auth.dmarc).toMatchObject({ result: 'pass', reject: false });
  });

  it('fails with p=reject: reject', async () => {
    const auth = await check({ from: 'alice@sender.test', mailFrom: 'bounce@sender.test', ip: BAD_IP });
    expect(auth.dmarc).toEqual({ result: 'fail', policy: 'reject', use: true, reject: true, domain: 'sender.test' });
  });

  it('fails with p=quarantine: reject too (mox treats them alike)', async () => {
    const auth = await check({ from: 'alice@quarantine.test', mailFrom: 'bounce@quarantine.test', ip: BAD_IP });
    expect(auth.dmarc).toEqual({ result: 'fail', policy: 'quarantine', use: true, reject: true, domain: 'quarantine.test' });
  });

  it('fails with p=none: no reject', async () => {
    const auth = await check({ from: 'alice@relaxed.test', mailFrom: 'bounce@relaxed.test', ip: BAD_IP });
    expect(auth.dmarc).toEqual({ result: 'fail', policy: 'none', use: true, reject: false, domain: 'relaxed.test' });
  });

  it('is not used when pct sampling leaves the message out', async () => {
    const auth = await check({ from: 'alice@sampled.test', mailFrom: 'bounce@sampled.test', ip: BAD_IP }, { random: () => 0 });
    expect(auth.dmarc).toEqual({ result: 'fail', policy: 'reject', use: false, reject: true, domain: 'sampled.test' });
    const m = { from: 'alice@half.test', mailFrom: 'bounce@half.test', ip: BAD_IP };
    expect((await check(m, { random: () => 0.49 })).dmarc.use).toBe(true);
    expect((await check(m, { random: () => 0.5 })).dmarc.use).toBe(false);
  });

  it('is always used without pct, whatever the random number', async () => {
    const auth = await check({ from: 'alice@sender.test', mailFrom: 'bounce@sender.test', ip: BAD_IP }, { random: () => 0.999 });
    expect(auth.dmarc.use).toBe(true);
  });

  it("applies the org domain's sp to a subdomain, and p without sp", async () => {
    const sub = await check({ from: 'alice@news.org.test', mailFrom: 'bounce@news.org.test', ip: BAD_IP });
    expect(sub.dmarc).toEqual({ result: 'fail', policy: 'none', use: true, reject: false, domain: 'org.test' });
    const plain = await check({ from: 'alice@news.plain.test', mailFrom: 'bounce@news.plain.test', ip: BAD_IP });
    expect(plain.dmarc).toEqual({ result: 'fail', policy: 'quarantine', use: true, reject: true, domain: 'plain.test' });
  });

  it('gives none without a record: not used', async () => {
    const auth = await check({ from: 'alice@nospf.test', mailFrom: 'bounce@nospf.test', ip: BAD_IP });
    expect(auth.dmarc).toEqual({ result: 'none', policy: '', use: false, reject: false, domain: 'nospf.test' });
  });
});

describe('From alignment', () => {
  it('is strict when the signing domain is the From domain', async () => {
    const auth = await check({ from: 'alice@parent.test', mailFrom: 'bounce@nospf.test', sign: 'parent.test' });
    expect(auth.fromValidation).toBe('strict');
  });

  it('is relaxed for a signature by the parent org domain, and DMARC when DMARC passes', async () => {
    const auth = await check({ from: 'alice@news.parent.test', mailFrom: 'bounce@nospf.test', sign: 'parent.test' });
    expect(auth.dkimDomains).toEqual(['parent.test']);
    expect(auth.dmarc).toMatchObject({ result: 'pass', domain: 'parent.test' });
    expect(auth.fromValidation).toBe('dmarc');
  });

  it('stays relaxed when adkim=s fails DMARC (mox ignores adkim for alignment)', async () => {
    const auth = await check({ from: 'alice@news.strictp.test', mailFrom: 'bounce@nospf.test', sign: 'strictp.test' });
    expect(auth.dkimDomains).toEqual(['strictp.test']);
    expect(auth.dmarc).toEqual({ result: 'fail', policy: 'reject', use: true, reject: true, domain: 'strictp.test' });
    expect(auth.fromValidation).toBe('relaxed');
  });

  it('counts an SPF-passed HELO identity of a null sender', async () => {
    const auth = await check({ from: 'mailer-daemon@mx.sender.test', mailFrom: '' });
    expect(auth.fromValidation).toBe('strict');
    const relaxed = await check({ from: 'mailer-daemon@sender.test', mailFrom: '' });
    // HELO mx.sender.test passed SPF; sender.test's DMARC (aspf relaxed) passes on it.
    expect(relaxed.dmarc).toMatchObject({ result: 'pass' });
    expect(relaxed.fromValidation).toBe('dmarc');
  });

  it('is none when nothing authenticates the From domain', async () => {
    const auth = await check({ from: 'alice@sender.test', mailFrom: 'bounce@nospf.test', ip: BAD_IP });
    expect(auth.fromValidation).toBe('none');
  });
});

describe('iprev and ARC', () => {
  it('includes iprev of the connecting IP', async () => {
    expect((await check({ from: 'alice@sender.test', mailFrom: 'bounce@sender.test' })).iprev).toEqual({ result: 'pass', names: ['mx.sender.test'] });
    expect((await check({ from: 'alice@sender.test', mailFrom: 'bounce@sender.test', ip: BAD_IP })).iprev).toEqual({ result: 'permerror', names: [] });
  });

  it('reports ARC none for a message without an ARC chain', async () => {
    expect((await check({ from: 'alice@sender.test', mailFrom: 'bounce@sender.test' })).arc).toEqual({ result: 'none' });
  });
});

describe('nothing checked', () => {

  it('offline: sends no query at all', async () => {
    const offline = new DnsResolver({ servers: [dns.server], offline: true });
    const logged = dns.queries();
    const auth = await check({ from: 'alice@sender.test', mailFrom: 'bounce@sender.test', sign: 'sender.test' }, {}, offline);
    expect(auth).toEqual(notChecked());
    expect(auth).toMatchObject({ checked: false, spf: { result: 'not-checked' }, dmarc: { result: 'not-checked', use: false }, iprev: { result: 'not-checked' } });
    expect(offline.queries).toBe(0);
    await new Promise((done) => setTimeout(done, 50));
    expect(dns.queries()).toBe(logged);
  });

  it('without a trusted hop: sends no query', async () => {
    const { raw, facts } = await message({ from: 'alice@sender.test', mailFrom: 'bounce@sender.test' });
    const r = resolver();
    expect(await authenticate(raw, { ...facts, boundary: undefined }, r)).toEqual(notChecked());
    expect(r.queries).toBe(0);
  });
});

describe('DNS failures', () => {
  it('a server that never answers fails the health check: nothing is checked, the reason says so, within the timeout', async () => {
    const r = new DnsResolver({ servers: [dead.server], timeoutMs: 300, tries: 1 });
    const start = performance.now();
    const auth = await check({ from: 'alice@sender.test', mailFrom: 'bounce@sender.test', sign: 'sender.test' }, {}, r);
    const took = performance.now() - start;
    expect(auth).toEqual({
      ...notChecked(),
      reason: `the DNS (${dead.server}) answered for none of a.root-servers.net, example.com, iana.org (ETIMEOUT), so it is not asked about senders`,
    });
    // The well-known names asked at once: one timeout.
    expect(took).toBeLessThan(1500);
  });

  it('a server that answers the well-known names but not about the sender gives temperrors, and no throw', async () => {
    const r = new FlakyResolver({ servers: [dns.server], timeoutMs: 2000, tries: 1 }, {
      'TXT sender.test': 'ETIMEOUT',
      'TXT sel1._domainkey.sender.test': 'ETIMEOUT',
      'TXT _dmarc.sender.test': 'ETIMEOUT',
      [`PTR ${GOOD_IP.split('.').reverse().join('.')}.in-addr.arpa`]: 'ETIMEOUT',
    });
    const auth = await check({ from: 'alice@sender.test', mailFrom: 'bounce@sender.test', sign: 'sender.test' }, {}, r);
    expect(auth.checked).toBe(true);
    expect(auth.spf.result).toBe('temperror');
    expect(auth.dkim).toMatchObject([{ domain: 'sender.test', selector: 'sel1', result: 'temperror' }]);
    expect(auth.dmarc).toMatchObject({ result: 'temperror', reject: false, use: false });
    expect(auth.iprev.result).toBe('temperror');
    expect(auth.mailFromValidated).toBe(false);
  });

  it('the cache spares a second message from the same sender its queries', async () => {
    const r = resolver();
    await check({ from: 'alice@sender.test', mailFrom: 'bounce@sender.test', sign: 'sender.test' }, {}, r);
    const first = r.queries;
    expect(first).toBeGreaterThan(0);
    await check({ from: 'alice@sender.test', mailFrom: 'bounce@sender.test', sign: 'sender.test' }, {}, r);
    expect(r.queries).toBe(first);
  });
});

describe('DNS that denies everything', () => {
  let denying: Dnsmasq;
  beforeAll(async () => {
    // A captive portal's or hotel's resolver: NXDOMAIN for every name, the sender's records too.
    denying = await startDnsmasq({ wellKnown: false });
  });
  afterAll(async () => {
    await denying?.stop();
  });

  it('counts as no DNS: nothing checked (fail open), the evidence says why, and the check is asked once', async () => {
    const r = new DnsResolver({ servers: [denying.server], timeoutMs: 2000, tries: 1 });
    const before = denying.queries();
    const auth = await check({ from: 'alice@sender.test', mailFrom: 'bounce@sender.test', sign: 'sender.test', ip: BAD_IP }, {}, r);
    expect(auth).toEqual({
      ...notChecked(),
      reason: `the DNS (${denying.server}) says that none of a.root-servers.net, example.com, iana.org exists: it denies everything (a captive portal, or a filtering resolver), so it is not asked about senders`,
    });
    const asked = denying.queries();
    expect(asked - before).toBe(3);
    // Remembered: the next message asks nothing.
    expect((await check({ from: 'bob@soft.test', mailFrom: 'bob@soft.test', ip: BAD_IP }, {}, r)).checked).toBe(false);
    expect(denying.queries()).toBe(asked);
  });

  it('the same server with the well-known names is believed, and its NXDOMAIN for the sender counts', async () => {
    const r = resolver();
    expect(await r.health()).toEqual({ ok: true });
    const auth = await check({ from: 'bob@nospf.test', mailFrom: 'bob@nospf.test', ip: BAD_IP }, {}, r);
    expect(auth.checked).toBe(true);
    expect(auth.spf.result).toBe('none');
    expect(auth.iprev.result).not.toBe('not-checked');
  });
});
