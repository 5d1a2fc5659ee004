import { canonicalIp } from '../mail/ip.ts';
import type { IprevResult } from './results.ts';
import { isNotFound, type DnsResolver } from './resolver.ts';

/** AuthResults' iprev: the result, and the names the PTR lookup gave (lower-case, no root dot). */
export interface IprevOutcome {
  result: IprevResult;
  names: string[];
}

/**
 * Reverse DNS of the sending IP, checked forward (mox's iprev, docs/analysis.md 6.2): the PTR names of
 * the IP, each resolved with A and AAAA; `pass` when one of them gives the IP back. No PTR
 * (NXDOMAIN or no record) → `permerror`; a PTR lookup failure → `temperror`; no name gives the IP
 * and some forward lookup failed other than by not-found → `temperror`; otherwise `fail`.
 * Offline, or `ip` not an address: `not-checked`, without a query. Never throws.
 */
export async function checkIprev(ip: string, resolver: DnsResolver): Promise<IprevOutcome> {
  const address = canonicalIp(ip);
  if (resolver.offline || address === undefined) return { result: 'not-checked', names: [] };

  let names: string[];
  try {
    names = await resolver.reverse(address);
  } catch (error) {
    return { result: isNotFound(error) ? 'permerror' : 'temperror', names: [] };
  }
  names = [...new Set(names.map((n) => n.toLowerCase().replace(/\.$/, '')))];
  if (names.length === 0) return { result: 'permerror', names };

  // Each name as Go's LookupIP(ctx, "ip", name) would: the addresses of A and AAAA together, an
  // error only when neither gave an address. Asked in parallel; the outcome is mox's either way.
  const forward = await Promise.all(names.map((name) => lookupIp(name, resolver)));
  if (forward.some((f) => f.addresses.some((a) => canonicalIp(a) === address))) return { result: 'pass', names };
  const failed = forward.some((f) => f.error !== undefined && !isNotFound(f.error));
  return { result: failed ? 'temperror' : 'fail', names };
}

async function lookupIp(name: string, resolver: DnsResolver): Promise<{ addresses: string[]; error?: unknown }> {
  const [v4, v6] = await Promise.allSettled([resolver.resolve4(name), resolver.resolve6(name)]);
  const addresses = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
  if (addresses.length > 0) return { addresses };
  const errors = [v4, v6].flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  // A real failure outweighs a not-found from the other family.
  return { addresses, error: errors.find((e) => !isNotFound(e)) ?? errors[0] };
}
