/**
 * The facts of a message that the delivery analysis reads (docs/analysis.md section 1): who it claims
 * to be from and to, its identity, and the hop at which the user's provider received it.
 *
 * The types below are what src/auth, src/reputation and src/analysis build on.
 */
import { canonicalMessageId, parseAddressList, parseReturnPath, parseSingleAddress } from './addresses.ts';
import { trustedHop } from './boundary.ts';
import { fingerprint } from './fingerprint.ts';
import { decodeHeaderValue, type HeaderField } from './parse.ts';
import { receivedChain } from './received.ts';

/** An email address split at its last `@`. */
export interface Address {
  /** The local part as written (case kept: mox matches localparts case-sensitively). */
  local: string;
  /** The domain, lower-case, as Unicode (IDNA A-labels decoded). */
  domain: string;
}

/** One Received header field (RFC 5321 section 4.4), as far as it could be read. */
export interface ReceivedHop {
  /**
   * The client's EHLO/HELO name as written, e.g. `mx.sender.test` or `[192.0.2.1]`: the name after
   * `from`, or the `helo=` (Exim) / `HELO` (qmail) claim in the comment when the MTA wrote one.
   */
  from: string;
  /** The connecting client's IP in canonical form (see ip.ts), from the TCP-info part. */
  fromIp: string | undefined;
  /**
   * The client's reverse DNS name as the receiving MTA recorded it in the TCP-info comment
   * (lower-case, no root dot); empty when the MTA recorded that there is none or that it did not
   * verify (`unknown`, sendmail's `may be forged`, Exim's `[ip] (helo=...)`); absent when the
   * header does not say. Added to the contract for boundary.ts, which recognises the provider's
   * own hops by it.
   */
  reverse?: string;
  /** The name after `by` (the receiving host). */
  by: string;
  /** The `with` protocol, upper-case, e.g. `ESMTPS`, `LMTP`. */
  with: string;
  /** True when the hop used TLS (RFC 3848 `...S` protocols or a TLS comment); undefined if unknown. */
  tls: boolean | undefined;
  /** The timestamp after `;`, when it parses. */
  date: Date | undefined;
}

/** The Received hop added by the user's provider when it took the message from the outside. */
export interface TrustedHop {
  /** Index in `MessageFacts.received` (0 = topmost). */
  index: number;
  /** The connecting IP, canonical form. */
  ip: string;
  /** The EHLO name when it is a domain; empty when it was an address literal. */
  ehlo: string;
  /** Whether the connection used TLS; true when it cannot be told (docs/analysis.md 1.2 #3). */
  tls: boolean;
}

export interface BoundaryOptions {
  /**
   * Host-name suffixes of the user's provider (e.g. `mail.example.net`, `example.net`). When
   * given, the boundary is the first hop whose `by` is the provider's and whose `from` is not.
   * When empty, the boundary is the first hop, from the top, whose client IP is public.
   */
  providerHosts?: string[];
}

export interface MessageFacts {
  /** SHA-256 of the message (fingerprint.ts). */
  fingerprint: string;
  /** Canonical Message-ID (lower-case, no angle brackets, unquoted); empty when missing. */
  messageId: string;
  /** The single From address; undefined when there is not exactly one From header with one address. */
  from: Address | undefined;
  to: Address[];
  cc: Address[];
  bcc: Address[];
  /** The MAIL FROM from the topmost Return-Path: undefined when absent, null for `<>`. */
  mailFrom: Address | null | undefined;
  /** The envelope recipient from the topmost Delivered-To or X-Original-To, when present. */
  deliveredTo: Address | undefined;
  /** The List-Id's identifier (between angle brackets), lower-case; empty when none. */
  listId: string;
  /** The Subject as written (encoded words not decoded), and decoded. */
  rawSubject: string;
  subject: string;
  /** The Date header, when it parses. */
  date: Date | undefined;
  /** Received headers from the top (most recent) down. */
  received: ReceivedHop[];
  /** The provider's receiving hop; undefined when it cannot be identified (fail open, 1.3 rule 5). */
  boundary: TrustedHop | undefined;
}

/**
 * The facts of a message from its raw bytes and its header fields (parse.ts). Never throws: a
 * field that is missing or unreadable gives its empty value (docs/design.md invariant 7).
 */
export function messageFacts(raw: Uint8Array, headers: HeaderField[], options: BoundaryOptions = {}): MessageFacts {
  const values = (name: string) => headers.filter((field) => field.name === name).map((field) => field.value);
  const first = (name: string) => headers.find((field) => field.name === name)?.value;
  const list = (name: string) => safe(() => values(name).flatMap(parseAddressList), []);

  const froms = values('from');
  const received = safe(() => receivedChain(headers), []);
  const rawSubject = first('subject') ?? '';
  return {
    fingerprint: fingerprint(raw),
    messageId: safe(() => canonicalMessageId(first('message-id')), ''),
    from: safe(() => (froms.length === 1 && froms[0] !== undefined ? parseSingleAddress(froms[0]) : undefined), undefined),
    to: list('to'),
    cc: list('cc'),
    bcc: list('bcc'),
    mailFrom: safe(() => {
      const returnPath = first('return-path');
      return returnPath === undefined ? undefined : parseReturnPath(returnPath);
    }, undefined),
    deliveredTo: safe(() => {
      for (const name of ['delivered-to', 'x-original-to']) {
        const value = first(name);
        const address = value === undefined ? undefined : parseAddressList(value)[0];
        if (address) return address;
      }
      return undefined;
    }, undefined),
    listId: safe(() => listIdentifier(first('list-id') ?? ''), ''),
    rawSubject,
    subject: safe(() => decodeHeaderValue(rawSubject), rawSubject),
    date: safe(() => parseDate(first('date')), undefined),
    received,
    boundary: safe(() => trustedHop(received, options), undefined),
  };
}

/**
 * The identifier of a List-Id value (RFC 2919): what is between the angle brackets, lower-case;
 * a value without brackets counts when it is a single word.
 */
function listIdentifier(value: string): string {
  const bracketed = /<([^<>]*)>/.exec(value);
  const id = (bracketed ? bracketed[1] ?? '' : value).trim().toLowerCase();
  return /^[^\s<>]+$/.test(id) ? id : '';
}

function parseDate(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time);
}

/** The value of `fn`, or `fallback` when it throws: one bad field must not cost the others. */
function safe<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}
