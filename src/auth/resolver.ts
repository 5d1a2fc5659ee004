import { Resolver } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { canonicalIp } from '../mail/ip.ts';

/**
 * The one DNS module of Warden: every query of SPF, DKIM, DMARC, iprev and DNSBL goes through a
 * `DnsResolver`, which adds a timeout, a cache and an offline switch to Node's c-ares resolver.
 *
 * Errors keep Node's codes: `ENOTFOUND` (NXDOMAIN) and `ENODATA` (the name exists without records
 * of that type) are the two "not found" answers; anything else (`ETIMEOUT`, `ESERVFAIL`,
 * `ECONNREFUSED`, ...) is a temporary failure. In offline mode every query fails at once with
 * code `EOFFLINE` and nothing is sent.
 */

/** A DNS error as Node gives it: a message and a code. */
export interface DnsError extends Error {
  code: string;
  hostname?: string;
}

/** The code of the error every query gives in offline mode. */
export const OFFLINE = 'EOFFLINE';

/** Record types the resolver answers, with the shape of their answers (as `dns.resolve` gives them). */
export interface DnsAnswers {
  A: string[];
  AAAA: string[];
  TXT: string[][];
  PTR: string[];
  MX: { exchange: string; priority: number }[];
  CNAME: string[];
  NS: string[];
}
export type RecordType = keyof DnsAnswers;

/**
 * Names that resolve wherever DNS works: a root server's, and the domains IANA keeps for
 * documentation (RFC 2606). A resolver that finds none of them does not answer the truth (a
 * captive portal's, a hotel's, one that denies everything), and what it says about senders is
 * not used: in the spirit of mox's health check of DNS block lists (RFC 5782 section 5).
 */
export const WELL_KNOWN_NAMES = ['a.root-servers.net', 'example.com', 'iana.org'];

/** Whether the resolver can be believed: `reason` says why not, for the evidence. */
export type DnsHealth = { ok: true } | { ok: false; reason: string };

/** The resolver contract of mailauth: a `dns.resolve` look-alike. */
export type MailauthResolver = (name: string, rrtype: string) => Promise<unknown>;

export interface DnsResolverOptions {
  /** Servers as `host` or `host:port` (`[v6]:port` for IPv6); default: the system's. */
  servers?: string[];
  /** Time to wait for one answer, in milliseconds (c-ares' per-try timeout). Default 5000. */
  timeoutMs?: number;
  /** Attempts per query. Default 2. */
  tries?: number;
  /** When true no query is ever sent: every lookup fails with code `EOFFLINE`. */
  offline?: boolean;
  /** Cache lifetime of TXT, PTR, MX and other answers that come without a TTL, ms. Default 5 min. */
  cacheTtl?: number;
  /** Cache lifetime of NXDOMAIN/NODATA answers, ms. Default 60 s. */
  negativeTtl?: number;
  /** Longest time any answer is kept, ms, whatever its TTL. Default 1 hour. */
  maxTtl?: number;
  /** Most entries kept; beyond it, expired then oldest entries are dropped. Default 10,000. */
  maxEntries?: number;
  /** The clock, ms since the epoch (tests). */
  now?: () => number;
  /** How long the health check's result is kept, ms. Default 5 min. */
  healthTtl?: number;
}

type Outcome = { ok: true; value: unknown } | { ok: false; code: string; message: string };
interface Entry {
  expires: number;
  outcome: Outcome;
}

const NOT_FOUND = new Set(['ENOTFOUND', 'ENODATA']);

/** Whether a DNS error means "no such name" or "no such record" rather than a failure. */
export function isNotFound(error: unknown): boolean {
  return NOT_FOUND.has(errorCode(error));
}

/** The `code` of an error, or '' when it has none. */
export function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return '';
}

function dnsError(code: string, message: string, hostname: string): DnsError {
  const error = new Error(message) as DnsError;
  error.code = code;
  error.hostname = hostname;
  return error;
}

export class DnsResolver {
  /** Queries sent to a server (cache hits and offline lookups are not counted). */
  queries = 0;
  /** In offline mode nothing is sent: every lookup fails with code `EOFFLINE`. */
  offline: boolean;
  readonly #cache = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<Outcome>>();
  readonly #cacheTtl: number;
  readonly #negativeTtl: number;
  readonly #maxTtl: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #healthTtl: number;
  #health: { checked: number; health: Promise<DnsHealth> } | undefined;
  #servers: string[] | undefined;
  #timeout: number;
  #tries: number;
  #resolver: Resolver;

  constructor(options: DnsResolverOptions = {}) {
    this.offline = options.offline ?? false;
    this.#servers = options.servers;
    this.#timeout = options.timeoutMs ?? 5000;
    this.#tries = options.tries ?? 2;
    this.#cacheTtl = options.cacheTtl ?? 5 * 60_000;
    this.#negativeTtl = options.negativeTtl ?? 60_000;
    this.#maxTtl = options.maxTtl ?? 60 * 60_000;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
    this.#healthTtl = options.healthTtl ?? 5 * 60_000;
    this.#resolver = this.#makeResolver();
  }

  /**
   * Whether the DNS answers the truth: one of WELL_KNOWN_NAMES resolves. Checked at most once
   * per `healthTtl` (a check under way is shared), and again when the servers change. When it
   * fails, DNS-based checks report "not checked" rather than what this resolver says (fail open).
   */
  health(): Promise<DnsHealth> {
    const known = this.#health;
    if (known && this.#now() - known.checked <= this.#healthTtl) return known.health;
    const health = this.#checkHealth();
    this.#health = { checked: this.#now(), health };
    return health;
  }

  async #checkHealth(): Promise<DnsHealth> {
    const codes = await Promise.all(WELL_KNOWN_NAMES.map((name) => this.resolve4(name).then(() => '', errorCode)));
    if (codes.includes('')) return { ok: true };
    const servers = this.servers.join(', ') || "the system's";
    const denied = codes.every((code) => NOT_FOUND.has(code));
    return {
      ok: false,
      reason: denied
        ? `the DNS (${servers}) says that none of ${WELL_KNOWN_NAMES.join(', ')} exists: it denies everything (a captive portal, or a filtering resolver), so it is not asked about senders`
        : `the DNS (${servers}) answered for none of ${WELL_KNOWN_NAMES.join(', ')} (${[...new Set(codes)].join(', ')}), so it is not asked about senders`,
    };
  }

  get servers(): string[] {
    return this.#resolver.getServers();
  }
  set servers(servers: string[]) {
    this.#servers = servers;
    this.#resolver = this.#makeResolver();
    this.clearCache();
    this.#health = undefined;
  }

  /** Time to wait for one answer, ms (c-ares' per-try timeout). */
  get timeoutMs(): number {
    return this.#timeout;
  }
  set timeoutMs(ms: number) {
    this.#timeout = ms;
    this.#resolver = this.#makeResolver();
  }

  get tries(): number {
    return this.#tries;
  }
  set tries(tries: number) {
    this.#tries = tries;
    this.#resolver = this.#makeResolver();
  }

  /** Forgets every cached answer (not the health check's result: see health). */
  clearCache(): void {
    this.#cache.clear();
  }

  resolve4(name: string): Promise<string[]> {
    return this.resolve(name, 'A');
  }
  resolve6(name: string): Promise<string[]> {
    return this.resolve(name, 'AAAA');
  }
  resolveTxt(name: string): Promise<string[][]> {
    return this.resolve(name, 'TXT');
  }
  resolvePtr(name: string): Promise<string[]> {
    return this.resolve(name, 'PTR');
  }
  resolveMx(name: string): Promise<DnsAnswers['MX']> {
    return this.resolve(name, 'MX');
  }

  /** The PTR names of an IP address, from its in-addr.arpa / ip6.arpa name (never /etc/hosts). */
  reverse(ip: string): Promise<string[]> {
    const name = arpaName(ip);
    if (name === undefined) return Promise.reject(dnsError('EBADNAME', `not an IP address: ${ip}`, ip));
    return this.resolvePtr(name);
  }

  /**
   * The records of one type at a name, from the cache when they are fresh there. Rejects with a
   * DnsError: `ENOTFOUND`/`ENODATA` for a miss, `EOFFLINE` offline, other codes for failures.
   * Every call gets its own copy of the answer (callers may sort or change it).
   */
  async resolve<T extends RecordType>(name: string, type: T): Promise<DnsAnswers[T]> {
    const query = name.endsWith('.') ? name.slice(0, -1) : name;
    if (this.offline) throw dnsError(OFFLINE, `DNS is off (offline mode): ${type} ${query}`, query);
    const key = `${type} ${query.toLowerCase()}`;
    const outcome = this.#cached(key) ?? (await this.#fetch(key, query, type));
    if (!outcome.ok) throw dnsError(outcome.code, outcome.message, query);
    return structuredClone(outcome.value) as DnsAnswers[T];
  }

  /**
   * mailauth's resolver contract: `(name, rrtype) => Promise<records>`, with err.code ENOTFOUND
   * or ENODATA for misses. Unknown record types fail with ENOTIMP.
   */
  mailauthResolver(): MailauthResolver {
    return (name: string, rrtype: string) => {
      const type = rrtype.toUpperCase();
      if (!(type in QUERIES)) return Promise.reject(dnsError('ENOTIMP', `record type not supported: ${rrtype}`, name));
      return this.resolve(name, type as RecordType);
    };
  }

  #cached(key: string): Outcome | undefined {
    const entry = this.#cache.get(key);
    if (!entry) return undefined;
    if (entry.expires > this.#now()) return entry.outcome;
    this.#cache.delete(key);
    return undefined;
  }

  /** Sends the query, or joins the same query already under way. */
  #fetch(key: string, name: string, type: RecordType): Promise<Outcome> {
    let pending = this.#inflight.get(key);
    if (!pending) {
      pending = this.#send(key, name, type).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    return pending;
  }

  async #send(key: string, name: string, type: RecordType): Promise<Outcome> {
    this.queries++;
    let outcome: Outcome;
    let lifetime: number;
    try {
      const { value, ttl } = await this.#bounded(QUERIES[type](this.#resolver, name), name);
      outcome = { ok: true, value };
      lifetime = ttl === undefined ? this.#cacheTtl : ttl * 1000;
    } catch (error) {
      const code = errorCode(error) || 'EUNKNOWN';
      outcome = { ok: false, code, message: error instanceof Error ? error.message : String(error) };
      // Only the two authoritative misses are remembered; failures are asked again next time.
      lifetime = NOT_FOUND.has(code) ? this.#negativeTtl : 0;
    }
    lifetime = Math.min(lifetime, this.#maxTtl);
    if (lifetime > 0) this.#store(key, { expires: this.#now() + lifetime, outcome });
    return outcome;
  }

  /**
   * c-ares may wait longer than its timeout (with a 300 ms timeout and one try it was seen to
   * give up after 600 ms): the query fails with ETIMEOUT after timeout × tries × servers (each
   * server gets its tries) whatever c-ares does.
   */
  async #bounded<T>(query: Promise<T>, name: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      const limit = this.#timeout * this.#tries * Math.max(1, this.#resolver.getServers().length);
      timer = setTimeout(() => reject(dnsError('ETIMEOUT', `DNS query timed out: ${name}`, name)), limit);
    });
    query.catch(() => undefined);
    try {
      return await Promise.race([query, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  #store(key: string, entry: Entry): void {
    if (this.#cache.size >= this.#maxEntries) {
      const now = this.#now();
      for (const [k, e] of this.#cache) if (e.expires <= now) this.#cache.delete(k);
      // Still full: drop the oldest insertions.
      for (const k of this.#cache.keys()) {
        if (this.#cache.size < this.#maxEntries) break;
        this.#cache.delete(k);
      }
    }
    this.#cache.set(key, entry);
  }

  #makeResolver(): Resolver {
    const resolver = new Resolver({ timeout: this.#timeout, tries: this.#tries });
    if (this.#servers) resolver.setServers(this.#servers);
    return resolver;
  }
}

type Query = (resolver: Resolver, name: string) => Promise<{ value: unknown; ttl?: number }>;

/** How each record type is asked; A and AAAA come with their TTLs (the lowest one counts). */
const QUERIES: Record<RecordType, Query> = {
  A: async (r, name) => withTtl(await r.resolve4(name, { ttl: true })),
  AAAA: async (r, name) => withTtl(await r.resolve6(name, { ttl: true })),
  TXT: async (r, name) => ({ value: await r.resolveTxt(name) }),
  PTR: async (r, name) => ({ value: await r.resolvePtr(name) }),
  MX: async (r, name) => ({ value: (await r.resolveMx(name)).map(({ exchange, priority }) => ({ exchange, priority })) }),
  CNAME: async (r, name) => ({ value: await r.resolveCname(name) }),
  NS: async (r, name) => ({ value: await r.resolveNs(name) }),
};

function withTtl(records: { address: string; ttl: number }[]): { value: string[]; ttl: number } {
  return { value: records.map((r) => r.address), ttl: Math.min(...records.map((r) => r.ttl)) };
}

/**
 * The labels of an IP address in reverse-DNS order, without a suffix: IPv4 `192.0.2.1` →
 * `1.2.0.192`; IPv6 → its 32 nibbles from last to first, for each byte the low nibble then the
 * high one (RFC 3596, RFC 5782 section 2.4). An IPv4-mapped IPv6 address counts as IPv4.
 * Undefined when `ip` is not an address.
 */
export function reversedLabels(ip: string): string | undefined {
  return reversed(ip)?.labels;
}

/** The reverse-DNS name of an IP address: `….in-addr.arpa` or `….ip6.arpa`; undefined when not an address. */
export function arpaName(ip: string): string | undefined {
  const r = reversed(ip);
  return r && `${r.labels}.${r.v6 ? 'ip6' : 'in-addr'}.arpa`;
}

function reversed(ip: string): { labels: string; v6: boolean } | undefined {
  const canonical = canonicalIp(ip);
  if (canonical === undefined) return undefined;
  const parsed = ipaddr.parse(canonical);
  const bytes = parsed.toByteArray().reverse();
  if (parsed.kind() === 'ipv4') return { labels: bytes.join('.'), v6: false };
  return { labels: bytes.map((b) => `${(b & 0xf).toString(16)}.${(b >> 4).toString(16)}`).join('.'), v6: true };
}
