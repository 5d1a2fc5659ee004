import ipaddr from 'ipaddr.js';

/**
 * IP addresses in one canonical text form (docs/analysis.md 1.5): reputation matches remote IPs and
 * their masks by string equality, so every address that reaches the store goes through here.
 */

type Ip = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Parses an IP address as it appears in mail headers and returns its canonical text: IPv4 as a
 * dotted quad, IPv6 in RFC 5952 form (lower-case, longest zero run compressed). Accepts an
 * RFC 5321 `IPv6:` prefix and surrounding brackets (`[192.0.2.1]`, `[IPv6:2001:db8::1]`);
 * an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) becomes the IPv4 address, as Go treats it.
 * Returns undefined for anything else, including IPv6 zone ids (`fe80::1%eth0`) and the
 * shorthand IPv4 forms (`127.1`, `0x7f.0.0.1`, leading zeros) that inet_aton would take.
 */
export function canonicalIp(text: string): string | undefined {
  const ip = parseIp(text);
  return ip && format(ip);
}

/**
 * The three reputation masks of an address (docs/analysis.md 1.5): IPv4 /32, /26, /21; IPv6 /64, /48,
 * /32; host bits zeroed, canonical text. Throws a TypeError when `ip` is not an address.
 */
export function ipMasks(ip: string): [string, string, string] {
  const parsed = parseIp(ip);
  if (!parsed) throw new TypeError(`not an IP address: ${JSON.stringify(ip)}`);
  const bits: [number, number, number] = parsed.kind() === 'ipv4' ? [32, 26, 21] : [64, 48, 32];
  const bytes = parsed.toByteArray();
  return [mask(bytes, bits[0]), mask(bytes, bits[1]), mask(bytes, bits[2])];
}

/**
 * Whether an address can be a sender on the public internet, that is, a client the provider
 * received mail from over the internet rather than a host inside its own network. False for
 * unspecified, loopback, RFC 1918, CGNAT (100.64/10), link-local, multicast, 240/4 and broadcast,
 * and for IPv6 unique-local (fc00::/7), link-local (fe80::/10), site-local (fec0::/10),
 * multicast and the discard prefix. Documentation ranges (192.0.2/24, 198.51.100/24,
 * 203.0.113/24, 2001:db8::/32) count as public: tests use them for outside senders.
 * False for anything that is not an address.
 */
export function isPublicIp(ip: string): boolean {
  const parsed = parseIp(ip);
  if (!parsed) return false;
  if (parsed.kind() === 'ipv4') return !NON_PUBLIC_V4.some((range) => parsed.match(range));
  return !NON_PUBLIC_V6.some((range) => parsed.match(range));
}

function parseIp(text: string): Ip | undefined {
  let s = text.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1).trim();
  if (/^ipv6:/i.test(s)) s = s.slice(5);
  if (s === '' || s.includes('%')) return undefined;
  try {
    if (ipaddr.IPv4.isValidFourPartDecimal(s)) return ipaddr.IPv4.parse(s);
    if (s.includes(':') && ipaddr.IPv6.isValid(s)) {
      const v6 = ipaddr.IPv6.parse(s);
      if (v6.zoneId !== undefined) return undefined;
      return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
    }
  } catch {
    // ipaddr.js validated first; a parse error here is still just "not an address".
  }
  return undefined;
}

function format(ip: Ip): string {
  return ip.kind() === 'ipv4' ? ip.toString() : (ip as ipaddr.IPv6).toRFC5952String();
}

function mask(bytes: number[], bits: number): string {
  const masked = bytes.map((byte, i) => {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    return byte & ((0xff << (8 - keep)) & 0xff);
  });
  return format(ipaddr.fromByteArray(masked));
}

const NON_PUBLIC_V4: [ipaddr.IPv4, number][] = [
  '0.0.0.0/8', // "this network", unspecified
  '10.0.0.0/8', // RFC 1918
  '100.64.0.0/10', // CGNAT, RFC 6598
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local
  '172.16.0.0/12', // RFC 1918
  '192.168.0.0/16', // RFC 1918
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, and 255.255.255.255 broadcast
].map((cidr) => ipaddr.IPv4.parseCIDR(cidr));

const NON_PUBLIC_V6: [ipaddr.IPv6, number][] = [
  '::/128', // unspecified
  '::1/128', // loopback
  '100::/64', // discard-only
  'fc00::/7', // unique local
  'fe80::/10', // link-local
  'fec0::/10', // site-local (deprecated)
  'ff00::/8', // multicast
].map((cidr) => ipaddr.IPv6.parseCIDR(cidr));
