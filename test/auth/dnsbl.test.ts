import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsblChecker, lookupZone, zoneHealth } from '../../src/auth/dnsbl.ts';
import { DnsResolver } from '../../src/auth/resolver.ts';
import { startDeadDns, type DeadDns } from '../helpers/dead-dns.ts';
import { startDnsmasq, type Dnsmasq } from '../helpers/dnsmasq.ts';
import { FlakyResolver } from '../helpers/flaky-resolver.ts';

let dns: Dnsmasq;
let dead: DeadDns;

const LISTED = '198.51.100.7';
const LISTED6 = '2001:db8::1';
const V6_NAME = '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2';

/** A healthy zone: 127.0.0.2 listed, 127.0.0.1 not. */
const healthy = (zone: string) => ({ name: `2.0.0.127.${zone}`, ip: '127.0.0.2' });

beforeAll(async () => {
  [dns, dead] = await Promise.all([
    startDnsmasq({
      addresses: [
        healthy('good.test'),
        { name: `7.100.51.198.good.test`, ip: '127.0.0.2' },
        { name: `${V6_NAME}.good.test`, ip: '127.0.0.4' },
        healthy('second.test'),
        { name: `7.100.51.198.second.test`, ip: '127.0.0.3' },
        { name: `8.100.51.198.second.test`, ip: '127.0.0.3' },
        // Lists everything, 127.0.0.1 included: unhealthy.
        { name: 'everything.test', ip: '127.0.0.2' },
        // Lists nothing, not even 127.0.0.2: unhealthy.
        { name: '7.100.51.198.empty.test', ip: '127.0.0.2' },
      ],
      txts: [
        { name: '7.100.51.198.good.test', value: 'Listed: test entry, see https://dnsbl.test/' },
        { name: '7.100.51.198.second.test', value: ['Listed by second, ', 'in two strings'] },
      ],
    }),
    startDeadDns(),
  ]);
});

afterAll(async () => {
  await dns?.stop();
  await dead?.stop();
});

const resolver = () => new DnsResolver({ servers: [dns.server], timeoutMs: 1000, tries: 1 });

describe('lookupZone', () => {
  it('finds a listing and its TXT explanation', async () => {
    expect(await lookupZone(resolver(), 'good.test', LISTED)).toEqual({ result: 'fail', explanation: 'Listed: test entry, see https://dnsbl.test/' });
    expect(await lookupZone(resolver(), 'second.test', LISTED)).toEqual({ result: 'fail', explanation: 'Listed by second, in two strings' });
  });

  it('lists without an explanation when the zone has no TXT', async () => {
    expect(await lookupZone(resolver(), 'second.test', '198.51.100.8')).toEqual({ result: 'fail', explanation: '' });
  });

  it('reads IPv6 addresses as 32 reversed nibbles', async () => {
    expect(await lookupZone(resolver(), 'good.test', LISTED6)).toEqual({ result: 'fail', explanation: '' });
  });

  it('passes an address that is not listed', async () => {
    expect(await lookupZone(resolver(), 'good.test', '198.51.100.8')).toEqual({ result: 'pass', explanation: '' });
  });

  it('is a temperror when the DNS fails', async () => {
    const flaky = new FlakyResolver({ servers: [dns.server] }, { 'A 8.100.51.198.good.test': 'ESERVFAIL' });
    expect(await lookupZone(flaky, 'good.test', '198.51.100.8')).toEqual({ result: 'temperror', explanation: '' });
  });
});

describe('zoneHealth', () => {
  it('is healthy when 127.0.0.2 is listed and 127.0.0.1 is not', async () => {
    expect(await zoneHealth(resolver(), 'good.test')).toBe('healthy');
  });

  it('is unhealthy when 127.0.0.1 is listed or 127.0.0.2 is not', async () => {
    expect(await zoneHealth(resolver(), 'everything.test')).toBe('unhealthy');
    expect(await zoneHealth(resolver(), 'empty.test')).toBe('unhealthy');
  });

  it('is a DNS error when the tests cannot be answered', async () => {
    const flaky = new FlakyResolver({ servers: [dns.server] }, { 'A 2.0.0.127.good.test': 'ESERVFAIL' });
    expect(await zoneHealth(flaky, 'good.test')).toBe('dns-error');
  });
});

describe('DnsblChecker', () => {
  it('reports the first listing, with its zone and explanation', async () => {
    const checker = new DnsblChecker(resolver());
    expect(await checker.check(LISTED, ['good.test', 'second.test'])).toEqual({
      zone: 'good.test',
      result: 'fail',
      explanation: 'Listed: test entry, see https://dnsbl.test/',
    });
  });

  it('asks zones in the order given', async () => {
    const checker = new DnsblChecker(resolver());
    expect((await checker.check(LISTED, ['second.test', 'good.test'])).zone).toBe('second.test');
    expect((await checker.check('198.51.100.8', ['good.test', 'second.test'])).zone).toBe('second.test');
  });

  it('passes an address no zone lists', async () => {
    const checker = new DnsblChecker(resolver());
    expect(await checker.check('198.51.100.9', ['good.test', 'second.test'])).toEqual({ zone: '', result: 'pass', explanation: '' });
  });

  it('skips an unhealthy zone, even one that lists the address', async () => {
    const checker = new DnsblChecker(resolver());
    expect(await checker.check('198.51.100.9', ['everything.test', 'good.test'])).toEqual({ zone: '', result: 'pass', explanation: '' });
    expect((await checker.check(LISTED, ['everything.test', 'empty.test', 'second.test'])).zone).toBe('second.test');
  });

  it('uses a zone whose health check failed in the DNS', async () => {
    const flaky = new FlakyResolver({ servers: [dns.server] }, { 'A 2.0.0.127.good.test': 'ESERVFAIL' });
    const checker = new DnsblChecker(flaky);
    expect(await checker.health('good.test')).toBe('dns-error');
    expect((await checker.check(LISTED, ['good.test'])).zone).toBe('good.test');
  });

  it('remembers a zone\'s health for 4 hours', async () => {
    let now = 1_000_000;
    const r = resolver();
    const checker = new DnsblChecker(r, { now: () => now });
    await checker.check('198.51.100.9', ['good.test']);
    expect(r.queries).toBe(6); // the resolver's well-known names (3), 127.0.0.1, 127.0.0.2, the address
    r.clearCache();
    await checker.check('198.51.100.9', ['good.test']);
    expect(r.queries).toBe(7); // the address only
    now += 4 * 60 * 60_000 + 1;
    r.clearCache();
    await checker.check('198.51.100.9', ['good.test']);
    expect(r.queries).toBe(10); // the zone's health checked again
  });

  it('is not checked, saying why, when the DNS does not answer at all, within the zone deadline', async () => {
    const r = new DnsResolver({ servers: [dead.server], timeoutMs: 5000, tries: 1 });
    const checker = new DnsblChecker(r, { zoneTimeout: 300 });
    const start = performance.now();
    expect(await checker.check(LISTED, ['good.test'])).toEqual({
      zone: '',
      result: 'not-checked',
      explanation: '',
      reason: 'the DNS did not answer for a.root-servers.net, example.com, iana.org within 300 ms, so it is not asked about senders',
    });
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it('is a temperror when a zone does not answer, within the zone deadline', async () => {
    const r = new FlakyResolver({ servers: [dns.server], timeoutMs: 5000, tries: 1 }, { 'A 1.0.0.127.good.test': 'ETIMEOUT', 'A 2.0.0.127.good.test': 'ETIMEOUT', 'A 7.100.51.198.good.test': 'ETIMEOUT' });
    const checker = new DnsblChecker(r, { zoneTimeout: 300 });
    expect(await checker.check(LISTED, ['good.test'])).toEqual({ zone: '', result: 'temperror', explanation: '' });
    // The health check failed: a DNS error, so the zone is still used next time.
    expect(await checker.health('good.test')).toBe('dns-error');
  });

  it('is not checked, saying why, when the DNS denies everything', async () => {
    const denying = await startDnsmasq({ wellKnown: false });
    try {
      const checker = new DnsblChecker(new DnsResolver({ servers: [denying.server] }));
      expect(await checker.check(LISTED, ['good.test'])).toMatchObject({ result: 'not-checked', reason: expect.stringContaining('it denies everything') });
    } finally {
      await denying.stop();
    }
  });

  it('moves on to the next zone after one that failed', async () => {
    const flaky = new FlakyResolver({ servers: [dns.server] }, { 'A 7.100.51.198.good.test': 'ESERVFAIL' });
    const checker = new DnsblChecker(flaky);
    expect((await checker.check(LISTED, ['good.test', 'second.test'])).zone).toBe('second.test');
    expect(await checker.check(LISTED, ['good.test'])).toEqual({ zone: '', result: 'temperror', explanation: '' });
  });

  it('checks nothing offline, without zones, or for something that is not an IP', async () => {
    const offline = new DnsResolver({ servers: [dns.server], offline: true });
    const logged = dns.queries();
    const notChecked = { zone: '', result: 'not-checked', explanation: '' };
    expect(await new DnsblChecker(offline).check(LISTED, ['good.test'])).toEqual(notChecked);
    expect(offline.queries).toBe(0);
    const online = resolver();
    expect(await new DnsblChecker(online).check(LISTED, [])).toEqual(notChecked);
    expect(await new DnsblChecker(online).check('not-an-ip', ['good.test'])).toEqual(notChecked);
    expect(online.queries).toBe(0);
    expect(dns.queries()).toBe(logged);
  });
});
