import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arpaName, DnsResolver, OFFLINE, reversedLabels } from '../../src/auth/resolver.ts';
import { startDeadDns, type DeadDns } from '../helpers/dead-dns.ts';
import { startDnsmasq, type Dnsmasq } from '../helpers/dnsmasq.ts';

let dns: Dnsmasq;
let dead: DeadDns;

const LONG = 'x'.repeat(300);

beforeAll(async () => {
  [dns, dead] = await Promise.all([
    startDnsmasq({
      hosts: [
        { name: 'mail.example.test', ips: ['192.0.2.10'] },
        { name: 'v6.example.test', ips: ['2001:db8::25'] },
      ],
      txts: [
        { name: 'sender.test', value: 'v=spf1 ip4:198.51.100.0/24 -all' },
        { name: 'long.test', value: LONG },
      ],
      extra: ['mx-host=sender.test,mail.example.test,10'],
    }),
    startDeadDns(),
  ]);
});

afterAll(async () => {
  await dns?.stop();
  await dead?.stop();
});

function resolver(options: ConstructorParameters<typeof DnsResolver>[0] = {}): DnsResolver {
  return new DnsResolver({ servers: [dns.server], timeoutMs: 1000, tries: 1, ...options });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return (error as { code?: string }).code ?? 'no code';
  }
}

describe('DnsResolver', () => {
  it('answers A, AAAA, TXT, MX and PTR from the server', async () => {
    const r = resolver();
    expect(await r.resolve4('mail.example.test')).toEqual(['192.0.2.10']);
    expect(await r.resolve6('v6.example.test')).toEqual(['2001:db8::25']);
    expect(await r.resolveTxt('sender.test')).toEqual([['v=spf1 ip4:198.51.100.0/24 -all']]);
    expect((await r.resolveTxt('long.test'))[0]!.join('')).toBe(LONG);
    expect(await r.resolveMx('sender.test')).toEqual([{ exchange: 'mail.example.test', priority: 10 }]);
    expect(await r.reverse('192.0.2.10')).toEqual(['mail.example.test']);
    expect(await r.reverse('2001:db8::25')).toEqual(['v6.example.test']);
  });

  it('tells NXDOMAIN (ENOTFOUND) from a name without that type (ENODATA)', async () => {
    const r = resolver();
    expect(await codeOf(r.resolve4('nothing.test'))).toBe('ENOTFOUND');
    expect(await codeOf(r.resolve4('sender.test'))).toBe('ENODATA');
  });

  it('answers a second question from the cache, without a query', async () => {
    const r = resolver();
    const logged = dns.queries();
    await r.resolve4('mail.example.test');
    await r.resolveTxt('sender.test');
    expect(r.queries).toBe(2);
    expect(await r.resolve4('MAIL.example.test.')).toEqual(['192.0.2.10']);
    expect(await r.resolveTxt('sender.test')).toEqual([['v=spf1 ip4:198.51.100.0/24 -all']]);
    expect(r.queries).toBe(2);
    expect(dns.queries() - logged).toBe(2);
  });

  it('caches misses briefly, and does not cache failures', async () => {
    let now = 1_000_000;
    const r = resolver({ now: () => now, negativeTtl: 60_000 });
    expect(await codeOf(r.resolve4('nothing.test'))).toBe('ENOTFOUND');
    expect(await codeOf(r.resolve4('nothing.test'))).toBe('ENOTFOUND');
    expect(r.queries).toBe(1);
    now += 60_001;
    expect(await codeOf(r.resolve4('nothing.test'))).toBe('ENOTFOUND');
    expect(r.queries).toBe(2);

    const down = new DnsResolver({ servers: [dead.server], timeoutMs: 100, tries: 1 });
    expect(await codeOf(down.resolve4('mail.example.test'))).toBe('ETIMEOUT');
    expect(await codeOf(down.resolve4('mail.example.test'))).toBe('ETIMEOUT');
    expect(down.queries).toBe(2);
  });

  it("keeps A answers for their TTL, and TXT for the fixed lifetime", async () => {
    let now = 1_000_000;
    const r = resolver({ now: () => now, cacheTtl: 10 * 60_000 });
    await r.resolve4('mail.example.test'); // dnsmasq's local-ttl=300
    await r.resolveTxt('sender.test');
    now += 299_000;
    await r.resolve4('mail.example.test');
    await r.resolveTxt('sender.test');
    expect(r.queries).toBe(2);
    now += 2_000; // 301 s: past the A record's TTL, within the TXT lifetime
    await r.resolve4('mail.example.test');
    await r.resolveTxt('sender.test');
    expect(r.queries).toBe(3);
  });

  it('sends one query for the same question asked twice at once', async () => {
    const r = resolver();
    const answers = await Promise.all([r.resolve4('mail.example.test'), r.resolve4('mail.example.test')]);
    expect(answers).toEqual([['192.0.2.10'], ['192.0.2.10']]);
    expect(r.queries).toBe(1);
  });

  it('hands every caller its own copy of an answer', async () => {
    const r = resolver();
    const first = await r.resolveTxt('sender.test');
    first[0]!.push('changed');
    expect(await r.resolveTxt('sender.test')).toEqual([['v=spf1 ip4:198.51.100.0/24 -all']]);
  });

  it('offline sends nothing: every lookup fails with EOFFLINE', async () => {
    const r = resolver({ offline: true });
    const logged = dns.queries();
    expect(await codeOf(r.resolve4('mail.example.test'))).toBe(OFFLINE);
    expect(await codeOf(r.resolveTxt('sender.test'))).toBe(OFFLINE);
    expect(await codeOf(r.reverse('192.0.2.10'))).toBe(OFFLINE);
    expect(await codeOf(r.mailauthResolver()('sender.test', 'TXT'))).toBe(OFFLINE);
    expect(r.queries).toBe(0);
    await new Promise((done) => setTimeout(done, 50));
    expect(dns.queries()).toBe(logged);
  });

  it("gives mailauth's resolver contract", async () => {
    const resolve = resolver().mailauthResolver();
    expect(await resolve('sender.test', 'TXT')).toEqual([['v=spf1 ip4:198.51.100.0/24 -all']]);
    expect(await resolve('mail.example.test', 'A')).toEqual(['192.0.2.10']);
    expect(await resolve('sender.test', 'MX')).toEqual([{ exchange: 'mail.example.test', priority: 10 }]);
    expect(await resolve('10.2.0.192.in-addr.arpa', 'PTR')).toEqual(['mail.example.test']);
    expect(await codeOf(resolve('nothing.test', 'TXT'))).toBe('ENOTFOUND');
    expect(await codeOf(resolve('sender.test', 'A'))).toBe('ENODATA');
    expect(await codeOf(resolve('sender.test', 'SRV'))).toBe('ENOTIMP');
  });

  it('times out against a server that never answers, within the timeout', async () => {
    const r = new DnsResolver({ servers: [dead.server], timeoutMs: 300, tries: 1 });
    const start = performance.now();
    expect(await codeOf(r.resolveTxt('sender.test'))).toBe('ETIMEOUT');
    const took = performance.now() - start;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(1000);
  });

  it('takes settable servers, timeout and tries', async () => {
    const r = new DnsResolver({ servers: [dead.server], timeoutMs: 200, tries: 1 });
    expect(r.servers).toEqual([dead.server]);
    r.servers = [dns.server];
    r.timeoutMs = 1000;
    r.tries = 2;
    expect([r.servers, r.timeoutMs, r.tries]).toEqual([[dns.server], 1000, 2]);
    expect(await r.resolve4('mail.example.test')).toEqual(['192.0.2.10']);
  });
});

describe('reverse names', () => {
  it('reverses IPv4 octets and IPv6 nibbles', () => {
    expect(reversedLabels('198.51.100.7')).toBe('7.100.51.198');
    expect(arpaName('192.0.2.10')).toBe('10.2.0.192.in-addr.arpa');
    expect(arpaName('::ffff:192.0.2.10')).toBe('10.2.0.192.in-addr.arpa');
    expect(reversedLabels('2001:db8::1')).toBe('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2');
    expect(arpaName('2001:DB8:abcd::25')).toBe('5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.8.b.d.0.1.0.0.2.ip6.arpa');
    expect(arpaName('not an ip')).toBeUndefined();
  });
});
