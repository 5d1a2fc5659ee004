import { domainToUnicode } from 'node:url';
import type { BoundaryOptions, ReceivedHop, TrustedHop } from './facts.ts';
import { canonicalIp, isPublicIp } from './ip.ts';

/**
 * The boundary (docs/analysis.md 1.3): the Received hop at which the user's provider took the message
 * from the outside. Everything below it was written before the provider had the message and may
 * be forged, so nothing below it is read.
 *
 * Without provider host names, the boundary is the first hop from the top with a public client
 * IP, skipping local delivery (LMTP) and the provider's internal relays (private, loopback and
 * similar addresses).
 *
 * With provider host names, hops whose client is the provider's (by name, or by a non-public IP)
 * are skipped; the first hop with an outside client is the boundary when its `by` host is the
 * provider's. When it is not, the chain is not understood and there is no boundary (fail open,
 * rule 5) rather than a search further down, into headers a sender may have written. A client
 * counts as the provider's by its reverse name when the receiving MTA recorded one (or recorded
 * that there is none); only a hop without that is judged by its HELO name, which at the
 * boundary is the sender's own claim.
 */
export function trustedHop(chain: ReceivedHop[], options: BoundaryOptions = {}): TrustedHop | undefined {
  const provider = (options.providerHosts ?? []).map(normaliseHost).filter((host) => host !== '');
  for (const [index, hop] of chain.entries()) {
    if (isLocalDelivery(hop)) continue;
    if (provider.length === 0) {
      if (hop.fromIp && isPublicIp(hop.fromIp)) return trusted(index, hop, hop.fromIp);
      continue;
    }
    // No from clause: written by the provider for mail it made itself, or by the user's own tools.
    if (hop.from === '' && hop.fromIp === undefined && hop.reverse === undefined) continue;
    if (hop.fromIp !== undefined && !isPublicIp(hop.fromIp)) continue;
    const clientName = hop.reverse ?? hop.from;
    if (belongsTo(clientName, provider)) continue;
    if (!belongsTo(hop.by, provider) || hop.fromIp === undefined) return undefined;
    return trusted(index, hop, hop.fromIp);
  }
  return undefined;
}

/** Whether `host` is one of `suffixes` or a name below one (on label boundaries, case-insensitive). */
export function belongsTo(host: string, suffixes: string[]): boolean {
  const name = normaliseHost(host);
  if (name === '') return false;
  return suffixes.some((entry) => {
    const suffix = normaliseHost(entry);
    return suffix !== '' && (name === suffix || name.endsWith(`.${suffix}`));
  });
}

/**
 * Hops that are never the boundary: LMTP (Dovecot, Cyrus) and local delivery, the provider
 * handing mail to the mailbox; and POP3/IMAP, a mail fetcher such as fetchmail collecting it
 * from the mailbox afterwards.
 */
function isLocalDelivery(hop: ReceivedHop): boolean {
  return /^(?:UTF8)?LMTP/.test(hop.with) || /^(?:LOCAL|POP3?|IMAP4?(?:REV1)?)$/.test(hop.with);
}

function trusted(index: number, hop: ReceivedHop, ip: string): TrustedHop {
  return { index, ip, ehlo: ehloDomain(hop.from), tls: hop.tls ?? true };
}

/**
 * The EHLO name when it is a domain (docs/analysis.md 1.2 #2): lower-case Unicode without the root
 * dot; empty for an address literal, a bare address, qmail's and AOL's `unknown` placeholder and
 * anything that is not a host name.
 */
function ehloDomain(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.startsWith('[') || canonicalIp(trimmed) !== undefined) return '';
  const domain = normaliseHost(trimmed);
  if (domain === 'unknown' || !/^[^\s[\]()<>=:;,"\\/@]+$/.test(domain) || domain.split('.').includes('')) return '';
  return domainToUnicode(domain);
}

function normaliseHost(host: string): string {
  return host.trim().replace(/^\.+|\.+$/g, '').toLowerCase();
}
