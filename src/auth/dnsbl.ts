import { canonicalIp } from '../mail/ip.ts';
import type { DnsblOutcome } from './results.ts';
import { isNotFound, reversedLabels, WELL_KNOWN_NAMES, type DnsHealth, type DnsResolver } from './resolver.ts';

/**
 * DNS block lists as mox uses them (docs/analysis.md 6.1, `dnsbl/dnsbl.go`, `smtpserver/dnsbl.go`):
 * each zone's health is checked (and cached for 4 hours) before it is used, zones are asked in
 * order, and the first listing wins.
 */

export interface ZoneLookup {
  /** `fail` = listed, `pass` = not listed, `temperror` = the DNS did not say. */
  result: 'pass' | 'fail' | 'temperror';
  /** The zone's TXT explanation of a listing (records joined with "; "); empty otherwise. */
  explanation: string;
}

/** A zone's health: usable, unusable, or unknown because the DNS failed (the zone is still used). */
export type ZoneHealth = 'healthy' | 'unhealthy' | 'dns-error';

export interface DnsblOptions {
  /** Time for one zone, health check and lookup together, ms. Default 30 s (mox). */
  zoneTimeout?: number;
  /** How long a health result is kept before the zone is checked again, ms. Default 4 hours. */
  healthTtl?: number;
  /** The clock, ms since the epoch. */
  now?: () => number;
}

class Deadline extends Error {
  override name = 'Deadline';
  readonly code = 'ETIMEOUT';
}

/**
 * One zone's answer for one IP: the A record of the reversed address under the zone. Not found
 * → `pass`; any A record (its value is not looked at) → `fail`, and then the TXT record of the
 * same name gives the explanation (errors ignored; not asked when `explain` is false); any other
 * error → `temperror`.
 */
export async function lookupZone(resolver: DnsResolver, zone: string, ip: string, explain = true): Promise<ZoneLookup> {
  const labels = reversedLabels(ip);
  if (labels === undefined) return { result: 'temperror', explanation: '' };
  const name = `${labels}.${zone.replace(/\.$/, '')}.`;
  try {
    await resolver.resolve4(name);
  } catch (error) {
    return { result: isNotFound(error) ? 'pass' : 'temperror', explanation: '' };
  }
  let explanation = '';
  if (!explain) return { result: 'fail', explanation };
  try {
    explanation = (await resolver.resolveTxt(name)).map((strings) => strings.join('')).join('; ');
  } catch {
    // A listing without an explanation is still a listing.
  }
  return { result: 'fail', explanation };
}

/**
 * A zone's health (RFC 5782 section 5): 127.0.0.1 must not be listed and 127.0.0.2 must be.
 * Either test answered the wrong way → `unhealthy`; any other outcome → `dns-error`.
 */
export async function zoneHealth(resolver: DnsResolver, zone: string): Promise<ZoneHealth> {
  const [one, two] = await Promise.all([lookupZone(resolver, zone, '127.0.0.1', false), lookupZone(resolver, zone, '127.0.0.2', false)]);
  if (one.result === 'pass' && two.result === 'fail') return 'healthy';
  if (one.result === 'fail' || two.result === 'pass') return 'unhealthy';
  return 'dns-error';
}

/** DNSBL checks of sending IPs, with each zone's health remembered (mox keeps it process-wide). */
export class DnsblChecker {
  readonly #resolver: DnsResolver;
  readonly #healthTtl: number;
  readonly #now: () => number;
  readonly #health = new Map<string, { checked: number; health: Promise<ZoneHealth> }>();
  /** Time for one zone, health check and lookup together, ms. */
  zoneTimeout: number;

  constructor(resolver: DnsResolver, options: DnsblOptions = {}) {
    this.#resolver = resolver;
    this.zoneTimeout = options.zoneTimeout ?? 30_000;
    this.#healthTtl = options.healthTtl ?? 4 * 60 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Whether `ip` is listed by one of `zones`, asked one after the other in order, skipping
   * unhealthy zones; the first listing wins. Without a listing the result is `temperror` when
   * some zone's lookup failed, else `pass`. Offline, without zones, or when `ip` is not an
   * address: `not-checked`, without a query; when the DNS fails its health check, `not-checked`
   * with the reason. Never throws.
   */
  async check(ip: string, zones: string[]): Promise<DnsblOutcome> {
    const address = canonicalIp(ip);
    if (this.#resolver.offline || zones.length === 0 || address === undefined) return { zone: '', result: 'not-checked', explanation: '' };
    const deadline = this.#now() + this.zoneTimeout;
    const dns = await withDeadline(this.#resolver.health(), deadline, this.#now).catch(
      (): DnsHealth => ({ ok: false, reason: `the DNS did not answer for ${WELL_KNOWN_NAMES.join(', ')} within ${this.zoneTimeout} ms, so it is not asked about senders` }),
    );
    if (!dns.ok) return { zone: '', result: 'not-checked', explanation: '', reason: dns.reason };
    let failed = false;
    for (const zone of zones) {
      const outcome = await this.#checkZone(zone, address).catch((): ZoneLookup => ({ result: 'temperror', explanation: '' }));
      if (outcome.result === 'fail') return { zone, result: 'fail', explanation: outcome.explanation };
      if (outcome.result === 'temperror') failed = true;
    }
    return { zone: '', result: failed ? 'temperror' : 'pass', explanation: '' };
  }

  /**
   * The health of a zone, from memory when checked less than `healthTtl` ago. A check already
   * under way is shared. `deadline` (ms since the epoch) bounds a new check: one that runs out
   * of time ends as `dns-error`, and is remembered like any other result.
   */
  health(zone: string, deadline = this.#now() + this.zoneTimeout): Promise<ZoneHealth> {
    const key = zone.toLowerCase().replace(/\.$/, '');
    const known = this.#health.get(key);
    if (known && this.#now() - known.checked <= this.#healthTtl) return known.health;
    const health = withDeadline(zoneHealth(this.#resolver, key), deadline, this.#now).catch((): ZoneHealth => 'dns-error');
    this.#health.set(key, { checked: this.#now(), health });
    return health;
  }

  /** Forgets every zone's health. */
  clearHealth(): void {
    this.#health.clear();
  }

  async #checkZone(zone: string, ip: string): Promise<ZoneLookup> {
    const deadline = this.#now() + this.zoneTimeout;
    const health = await withDeadline(this.health(zone, deadline), deadline, this.#now).catch((): ZoneHealth => 'dns-error');
    if (health === 'unhealthy') return { result: 'pass', explanation: '' };
    return withDeadline(lookupZone(this.#resolver, zone, ip), deadline, this.#now).catch((): ZoneLookup => ({ result: 'temperror', explanation: '' }));
  }
}

/** `promise`, or a rejection with a Deadline error once the clock reaches `deadline`. */
function withDeadline<T>(promise: Promise<T>, deadline: number, now: () => number): Promise<T> {
  const left = deadline - now();
  if (left <= 0) {
    promise.catch(() => undefined);
    return Promise.reject(new Deadline('DNSBL zone deadline passed'));
  }
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Deadline('DNSBL zone deadline passed')), left);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
