import addressparser, { type MailboxAddress } from 'nodemailer/lib/addressparser';
import { domainToUnicode } from 'node:url';
import type { Address } from './facts.ts';

/**
 * Addresses from header fields (From, To, Cc, Bcc, Return-Path, Delivered-To, X-Original-To),
 * read with nodemailer's address parser; display names are not kept. Groups are flattened, and
 * what is not a usable `local@domain` address is left out.
 */

/** Characters of one address field given to the parser; a To list of thousands fits. */
const MAX_FIELD_LENGTH = 64 * 1024;

/** The addresses of an address-list field value, in order. Never throws. */
export function parseAddressList(value: string): Address[] {
  return mailboxes(value).filter((address) => address !== undefined);
}

/**
 * The one address of a field that must hold exactly one (From): undefined when it holds none,
 * more than one, or one that is not a usable address.
 */
export function parseSingleAddress(value: string): Address | undefined {
  const all = mailboxes(value);
  return all.length === 1 ? all[0] : undefined;
}

/** Every mailbox of the field, groups flattened; undefined where one is no usable address. */
function mailboxes(value: string): (Address | undefined)[] {
  let entries: MailboxAddress[];
  try {
    entries = addressparser(value.slice(0, MAX_FIELD_LENGTH), { flatten: true });
  } catch {
    return [];
  }
  return entries.map((entry) => (typeof entry.address === 'string' ? splitAddress(entry.address) : undefined));
}

/**
 * Splits `local@domain` at its last `@`: the local part as written (quotes and case kept), the
 * domain lower-case Unicode without a root dot. Undefined without an `@`, with an empty local part
 * or domain, an unquoted `@` in the local part, or a domain that is no host name (a domain literal
 * such as `[192.0.2.1]`, spaces, empty labels).
 */
export function splitAddress(text: string): Address | undefined {
  const at = text.lastIndexOf('@');
  if (at <= 0) return undefined;
  const local = text.slice(0, at).trim();
  if (local === '' || (local.includes('@') && !/^".*"$/s.test(local))) return undefined;
  const ascii = text.slice(at + 1).trim().replace(/\.$/, '').toLowerCase();
  if (ascii === '' || /[\s[\]()<>,;:"\\@]/.test(ascii) || ascii.split('.').includes('')) return undefined;
  const domain = domainToUnicode(ascii);
  if (domain === '') return undefined;
  return { local, domain };
}

/**
 * The MAIL FROM of a Return-Path value: null for the null sender `<>`, the address otherwise, and
 * undefined when there is no usable address.
 */
export function parseReturnPath(value: string): Address | null | undefined {
  if (/^<\s*>$/.test(value.replace(/\([^()]*\)/g, '').trim())) return null;
  return parseAddressList(value)[0];
}

/**
 * The canonical Message-ID, as mox's message.MessageIDCanonical: trimmed, inside the angle
 * brackets (text after `>` is allowed only after a space), lower-case, and when it has the form
 * of an address, a quoted local part without unneeded quoting (`<"abc"@x>` is `abc@x`). Empty
 * when the value is missing or not a message-id (no `<`, no `>`, empty).
 */
export function canonicalMessageId(value: string | undefined): string {
  let s = (value ?? '').trim();
  if (!s.startsWith('<')) return '';
  s = s.slice(1);
  const close = s.indexOf('>');
  if (close < 0) return '';
  const rest = s.slice(close + 1);
  if (rest !== '' && !rest.startsWith(' ')) return '';
  s = s.slice(0, close).toLowerCase();
  const at = s.lastIndexOf('@');
  if (at <= 0) return s;
  const local = s.slice(0, at);
  const domain = s.slice(at + 1);
  if (!DOMAIN.test(domain)) return s;
  if (DOT_ATOM.test(local)) return s;
  const unquoted = unquote(local);
  if (unquoted === undefined) return s;
  return `${DOT_ATOM.test(unquoted) ? unquoted : quote(unquoted)}@${domain}`;
}

/** RFC 5322 dot-atom, with UTF-8 allowed (RFC 6532), as mox's localpart syntax. */
const DOT_ATOM = /^[\w!#$%&'*+\-/=?^`{|}~\u0080-\u{10ffff}]+(?:\.[\w!#$%&'*+\-/=?^`{|}~\u0080-\u{10ffff}]+)*$/u;
/** A host name as mox's dns.ParseDomain takes it (no underscore, no literal). */
const DOMAIN = /^(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)*[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?$/u;

/** The content of an RFC 5322 quoted-string, or undefined when `text` is not exactly one. */
function unquote(text: string): string | undefined {
  const match = /^"((?:[^"\\]|\\.)*)"$/su.exec(text);
  return match?.[1]?.replace(/\\(.)/gsu, '$1');
}

function quote(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}
