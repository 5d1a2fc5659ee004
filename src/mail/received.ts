import { getClientAddress, parseReceived, type ParsedReceived, type ReceivedClause } from 'mailauth/lib/parse-received.js';
import type { ReceivedHop } from './facts.ts';
import { canonicalIp } from './ip.ts';
import type { HeaderField } from './parse.ts';

/**
 * Received header fields (RFC 5321 section 4.4) as `ReceivedHop`s. The clauses come from
 * mailauth's Received parser; this module only picks the client's address, names, protocol,
 * TLS and time out of what it returns, for the formats of the common MTAs (Postfix, sendmail,
 * Exim, qmail, Microsoft, Gmail, Dovecot LMTP).
 */

/** Received headers read per message, from the top. Real mail has a few dozen at most. */
export const MAX_RECEIVED_HOPS = 100;

/** Characters of one Received header given to the parser; real ones are a few hundred. */
const MAX_RECEIVED_LENGTH = 4096;

/** The Received hops of a message, from the top (most recent) down, at most MAX_RECEIVED_HOPS. */
export function receivedChain(headers: HeaderField[]): ReceivedHop[] {
  const hops: ReceivedHop[] = [];
  for (const field of headers) {
    if (field.name !== 'received') continue;
    hops.push(parseReceivedHop(field.value));
    if (hops.length >= MAX_RECEIVED_HOPS) break;
  }
  return hops;
}

/** Reads one Received header value (without the field name). Never throws: what cannot be read is left empty. */
export function parseReceivedHop(value: string): ReceivedHop {
  let parsed: ParsedReceived | false;
  try {
    parsed = parseReceived(`Received: ${bracketBareLiteral(value.slice(0, MAX_RECEIVED_LENGTH))}`);
  } catch {
    parsed = false;
  }
  if (!parsed) return { from: '', fromIp: undefined, by: '', with: '', tls: undefined, date: undefined };

  const from = clause(parsed, 'from');
  const comment = from?.comment ?? '';
  const name = firstWord(from?.value);
  // Exim writes the client's HELO as `helo=` in the comment, after the verified reverse name;
  // qmail as `(HELO name)` after the remote host name. Everywhere else the name after `from` is
  // the HELO and the comment starts with the reverse name.
  const helo = /(?:^|\s)helo=(\S+)/i.exec(comment) ?? /^(?:HELO|EHLO)\s+(\S+)/i.exec(comment);
  // Where Exim and qmail put the HELO in the comment, the name after `from` is the receiving
  // MTA's own lookup: an address there means there was no name.
  const reverse = helo ? (reverseName(name, comment) ?? '') : comment ? reverseName(firstWord(comment), comment) : undefined;

  const protocol = firstWord(clause(parsed, 'with')?.value).toUpperCase();
  const hop: ReceivedHop = {
    from: helo?.[1] ?? name,
    // Where the HELO is in the comment, the name after `from` is the MTA's record of the client,
    // an address when it had no name (`from 192.0.2.5 (HELO x) by ...`).
    fromIp: (from && clientIp(from)) ?? (helo ? canonicalIp(name) : undefined),
    by: firstWord(clause(parsed, 'by')?.value),
    with: protocol,
    tls: usedTls(parsed, protocol),
    date: parseDate(parsed.timestamp),
  };
  if (reverse !== undefined) hop.reverse = reverse;
  return hop;
}

function clause(parsed: ParsedReceived, key: string): ReceivedClause | undefined {
  const value = Object.hasOwn(parsed, key) ? parsed[key] : undefined;
  return typeof value === 'object' && typeof value.value === 'string' ? value : undefined;
}

function firstWord(text: string | undefined): string {
  return (text ?? '').trim().split(/\s+/, 1)[0] ?? '';
}

/**
 * `from name [192.0.2.1] by ...` (fetchmail, some sendmail set-ups) gives the client's address
 * without a comment around it, which mailauth's parser reads as a clause of its own. Put it in
 * a comment, where the address of the connection belongs.
 */
function bracketBareLiteral(value: string): string {
  return value.replace(/^(\s*from\s+[^\s()[\];]+)\s+(\[(?:IPv6:)?[0-9a-f:.]+\])(?=\s|$)/i, '$1 ($2)');
}

/**
 * The client's address: the last address literal of the TCP-info comment (mailauth's rule), or
 * else a bare address as the comment's last word, as qmail (`(HELO name) (192.0.2.5)`), AOL and
 * Microsoft's internal hops (`(2603:10a6::1)`) write it; never a HELO claim.
 */
function clientIp(from: ReceivedClause): string | undefined {
  const literal = getClientAddress(from);
  if (literal) return canonicalIp(literal);
  const words = (from.comment ?? '').trim().split(/\s+/);
  const last = words.at(-1) ?? '';
  const before = words.at(-2) ?? '';
  if (/^(?:helo|ehlo)$/i.test(before) || /^(?:helo|ehlo)=/i.test(last)) return undefined;
  // qmail puts the ident user in front: (user@192.0.2.5).
  return canonicalIp(last.slice(last.lastIndexOf('@') + 1));
}

/**
 * The reverse name in `word`, lower-case without the root dot: '' for `unknown` and for a name
 * sendmail marks `may be forged`; undefined when `word` is no host name (a literal, a `helo=`).
 */
function reverseName(word: string, comment: string): string | undefined {
  // sendmail puts the ident user in front: (root@host.example [192.0.2.1]).
  const name = word.slice(word.lastIndexOf('@') + 1).replace(/\.$/, '').toLowerCase();
  if (name === 'unknown' || /\bmay be forged\b/i.test(comment)) return '';
  if (name === '' || canonicalIp(name) !== undefined) return undefined;
  return /^[^\s[\]()<>=:;,"\\/]+$/.test(name) && /[a-z]/.test(name) ? name : undefined;
}

/**
 * TLS per docs/analysis.md 1.2 #3: a TLS comment (Postfix `(using TLSv1.3 ...)`, Exim `tls`,
 * Microsoft `cipher=`, Gmail "Google Transport Security") or an RFC 3848/6531 protocol with `S`
 * (`ESMTPS`, `ESMTPSA`, `UTF8SMTPS`, `LMTPS`, and Gmail's `SMTPS`) mean TLS; the plain
 * protocols mean none; anything else is unknown.
 */
function usedTls(parsed: ParsedReceived, protocol: string): boolean | undefined {
  const tls = clause(parsed, 'tls');
  // mailauth also sets `tls` for any protocol containing "SMTPS" (even "SMTPSVC"); only its
  // comment-based finding counts here, the protocol is judged below.
  if (tls && tls.comment !== clause(parsed, 'with')?.value) return true;
  if (/^(?:UTF8)?(?:E?SMTP|LMTP)SA?$/.test(protocol)) return true;
  if (/^(?:UTF8)?(?:E?SMTP|LMTP)A?$/.test(protocol)) return false;
  return undefined;
}

function parseDate(timestamp: string | undefined): Date | undefined {
  if (!timestamp) return undefined;
  const time = Date.parse(timestamp);
  return Number.isNaN(time) ? undefined : new Date(time);
}
