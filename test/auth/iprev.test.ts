import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkIprev } from '../../src/auth/iprev.ts';
import { DnsResolver } from '../../src/auth/resolver.ts';
import { startDeadDns, type DeadDns } from '../helpers/dead-dns.ts';
import { startDnsmasq, type Dnsmasq } from '../helpers/dnsmasq.ts';
import { FlakyResolver } from '../helpers/flaky-resolver.ts';

let dns: Dnsmasq;
let dead: DeadDns;

beforeAll(async () => {
  [dns, dead] = await Promise.all([
    startDnsmasq({
      // PTR + matching A (host-record writes both).
      hosts: [
        { name: 'mx.sender.test', ips: ['198.51.100.7'] },
        { name: 'mx6.sender.test', ips: ['2001:db8::25'] },
      ],
      // A PTR to a name whose address is elsewhere.
      addresses: [
        { name: 'elsewhere.test', ip: '192.0.2.99' },
        { name: 'second.test', ip: '198.51.100.20' },
      ],
      ptrs: [
        { ip: '198.51.100.8', name: 'elsewhere.test' },
        { ip: '198.51.100.11', name: 'gone.test' },
        // Two names, the second one resolving back.
        { ip: '198.51.100.20', name: 'first.test' },
        { ip: '198.51.100.20', name: 'second.test' },
        { ip: '198.51.100.21', name: 'broken.test' },
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

describe('iprev', () => {
  it('passes when the PTR name resolves back to the IP', async () => {
    expect(await checkIprev('198.51.100.7', resolver())).toEqual({ result: 'pass', names: ['mx.sender.test'] });
    expect(await checkIprev('2001:db8::25', resolver())).toEqual({ result: 'pass', names: ['mx6.sender.test'] });
  });

  it('passes when any of several PTR names resolves back', async () => {
    const outcome = await checkIprev('198.51.100.20', resolver());
    expect(outcome.result).toBe('pass');
    expect(outcome.names.sort()).toEqual(['first.test', 'second.test']);
  });

  it('fails when the PTR name resolves elsewhere, or not at all', async () => {
    expect(await checkIprev('198.51.100.8', resolver())).toEqual({ result: 'fail', names: ['elsewhere.test'] });
    expect(await checkIprev('198.51.100.11', resolver())).toEqual({ result: 'fail', names: ['gone.test'] });
  });

  it('is a permerror without a PTR record', async () => {
    expect(await checkIprev('198.51.100.9', resolver())).toEqual({ result: 'permerror', names: [] });
  });

  it('is a temperror when a forward lookup fails and none matched', async () => {
    const flaky = new FlakyResolver({ servers: [dns.server], timeoutMs: 1000, tries: 1 }, { 'A broken.test': 'ESERVFAIL' });
    expect(await checkIprev('198.51.100.21', flaky)).toEqual({ result: 'temperror', names: ['broken.test'] });
  });

  it('is a temperror when the PTR lookup times out, within the timeout', async () => {
    const r = new DnsResolver({ servers: [dead.server], timeoutMs: 300, tries: 1 });
    const start = performance.now();
    expect(await checkIprev('198.51.100.7', r)).toEqual({ result: 'temperror', names: [] });
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it('checks nothing offline, or for something that is not an IP', async () => {
    const r = new DnsResolver({ servers: [dns.server], offline: true });
    const logged = dns.queries();
    expect(await checkIprev('198.51.100.7', r)).toEqual({ result: 'not-checked', names: [] });
    expect(await checkIprev('mx.sender.test', resolver())).toEqual({ result: 'not-checked', names: [] });
    expect(r.queries).toBe(0);
    expect(dns.queries()).toBe(logged);
  });
});
