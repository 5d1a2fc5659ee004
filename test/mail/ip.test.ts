import { describe, expect, it } from 'vitest';
import { canonicalIp, ipMasks, isPublicIp } from '../../src/mail/ip.ts';

describe('canonicalIp', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    [' 192.0.2.1 ', '192.0.2.1'],
    ['[192.0.2.1]', '192.0.2.1'],
    ['0.0.0.0', '0.0.0.0'],
    ['IPv6:2001:db8::1', '2001:db8::1'],
    ['ipv6:2001:db8::1', '2001:db8::1'],
    ['[IPv6:2001:db8::1]', '2001:db8::1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['::', '::'],
    ['::1', '::1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['::FFFF:c000:0201', '192.0.2.1'],
    ['IPv6:::ffff:198.51.100.7', '198.51.100.7'],
    ['2603:10A6:20B:1::1', '2603:10a6:20b:1::1'],
  ])('%s → %s', (input, expected) => {
    expect(canonicalIp(input)).toBe(expected);
  });

  it.each([
    'fe80::1%eth0',
    'fe80::1%25eth0',
    '127.1',
    '0x7f.0.0.1',
    '2130706433',
    '192.168.001.001',
    '256.1.1.1',
    '1.2.3.4.5',
    '1.2.3',
    '2001:db8::g',
    '2001:db8:::1',
    '',
    '[]',
    'IPv6:',
    'example.com',
    'unknown',
    '[192.0.2.1',
  ])('rejects %j', (input) => {
    expect(canonicalIp(input)).toBeUndefined();
  });
});

describe('ipMasks', () => {
  it('masks IPv4 to /32, /26 and /21 (docs/analysis.md 1.5)', () => {
    expect(ipMasks('203.0.113.77')).toEqual(['203.0.113.77', '203.0.113.64', '203.0.112.0']);
    expect(ipMasks('198.51.100.255')).toEqual(['198.51.100.255', '198.51.100.192', '198.51.96.0']);
    expect(ipMasks('0.0.0.0')).toEqual(['0.0.0.0', '0.0.0.0', '0.0.0.0']);
  });

  it('masks IPv6 to /64, /48 and /32, compressed (docs/analysis.md 1.5)', () => {
    expect(ipMasks('2001:db8:abcd:12:3456:789a:bcde:f012')).toEqual(['2001:db8:abcd:12::', '2001:db8:abcd::', '2001:db8::']);
    expect(ipMasks('2001:DB8:ABCD:0012:0:0:0:1')).toEqual(['2001:db8:abcd:12::', '2001:db8:abcd::', '2001:db8::']);
    expect(ipMasks('2603:10a6:20b:1::1')).toEqual(['2603:10a6:20b:1::', '2603:10a6:20b::', '2603:10a6::']);
  });

  it('masks an IPv4-mapped address as IPv4', () => {
    expect(ipMasks('::ffff:203.0.113.77')).toEqual(['203.0.113.77', '203.0.113.64', '203.0.112.0']);
  });

  it('throws on what is not an address', () => {
    expect(() => ipMasks('nope')).toThrow(TypeError);
  });
});

describe('isPublicIp', () => {
  it.each([
    '192.0.2.1', // documentation ranges count as public: tests use them as outside senders
    '198.51.100.7',
    '203.0.113.77',
    '2001:db8::1',
    '209.85.220.41',
    '40.107.22.100',
    '100.63.255.255',
    '100.128.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '2a00:1450:4864:20::141',
    '::ffff:198.51.100.7',
  ])('%s is public', (ip) => {
    expect(isPublicIp(ip)).toBe(true);
  });

  it.each([
    '127.0.0.1',
    '127.255.255.254',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '100.64.0.1',
    '100.127.255.255',
    '169.254.6.22',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '240.0.0.1',
    '::',
    '::1',
    'fc00::1',
    'fd12:3456:789a::1',
    'fe80::1',
    'febf::1',
    'fec0::1',
    'ff02::1',
    '::ffff:10.0.0.1',
    '::ffff:127.0.0.1',
    'not an ip',
    '',
  ])('%j is not public', (ip) => {
    expect(isPublicIp(ip)).toBe(false);
  });
});
