import { Splitter, type MimeNode, type SplitterChunk } from '@zone-eu/mailsplit';
import libmime from 'libmime';
import { decode as decodeWithLibmime } from 'libmime/lib/charset';
import { decode as decodeQuotedPrintable } from 'libqp';
import { htmlToText } from './html.ts';

/** One header field of the message itself, in the order it appears. */
export interface HeaderField {
  /** Lower-case field name, e.g. `subject`. */
  name: string;
  /** The field body, unfolded (RFC 5322 section 2.2.3) and trimmed; encoded words not decoded. */
  value: string;
}

/** What the content filter needs from a raw message. */
export interface MessageContent {
  /** Top-level header fields; the headers of attached messages are not included. */
  headers: HeaderField[];
  /** The decoded text of every text/* part, in document order; HTML parts as their readable text. */
  bodies: string[];
  /** True when text beyond `maxTextBytes` was left out. */
  truncated: boolean;
}

export interface ParseOptions {
  /**
   * How many bytes of encoded text-part bodies one message may contribute. Real mail has far
   * less text than this; the limit keeps a hostile 50 MB text part from costing seconds.
   */
  maxTextBytes?: number;
}

export const DEFAULT_MAX_TEXT_BYTES = 2 * 1024 * 1024;

/**
 * MIME parts a message may have. mailsplit's default, 1 000, rejects some real mailing-list
 * digests; parsing a part is cheap and the text budget bounds the rest.
 */
const MAX_PARTS = 100_000;

/** Attached messages are read this many levels deep; deeper ones are left out. */
const MAX_ATTACHED_DEPTH = 8;

/**
 * Parses a raw RFC 5322 message into its header fields and decoded text.
 *
 * MIME structure comes from mailsplit (the splitter under mailparser), charsets from libmime.
 * Parsing is lenient, as mail in the wild needs: a part without Content-Type is text/plain
 * (RFC 2045 section 5.2), an unknown charset is read as UTF-8, broken base64 decodes what it
 * can. The text of attached messages (message/rfc822, message/global) counts, however they are
 * attached; their headers do not (docs/junk.md section 1.1). It rejects only when the splitter fails.
 */
export async function parseMessage(raw: Uint8Array, options: ParseOptions = {}): Promise<MessageContent> {
  const budget = { bytes: options.maxTextBytes ?? DEFAULT_MAX_TEXT_BYTES, truncated: false };
  const { headers, bodies } = await parse(raw, budget, 0);
  return { headers, bodies, truncated: budget.truncated };
}

/** What is left of the text budget, shared by a message and the messages attached to it. */
interface Budget {
  bytes: number;
  truncated: boolean;
}

async function parse(raw: Uint8Array, budget: Budget, depth: number): Promise<{ headers: HeaderField[]; bodies: string[] }> {
  const headers: HeaderField[] = [];
  // In document order: a decoded text, or the bytes of an attached message to parse after.
  const parts: (string | Buffer)[] = [];
  let current: { node: MimeNode; kind: 'text' | 'message'; chunks: Buffer[]; size: number } | undefined;

  const finishPart = () => {
    if (!current) return;
    const bytes = decodeTransfer(current.node, Buffer.concat(current.chunks));
    if (current.kind === 'message') parts.push(bytes);
    else {
      const text = decodeCharset(current.node, bytes);
      parts.push(current.node.contentType === 'text/html' ? htmlToText(text) : text);
    }
    current = undefined;
  };

  await new Promise<void>((resolve, reject) => {
    // Attached messages are taken as leaves and parsed on their own below: mailsplit opens only
    // those marked inline and not transfer-encoded, and forwarded mail is mostly neither.
    const splitter = new Splitter({ maxChildNodes: MAX_PARTS, ignoreEmbedded: true });
    splitter.on('data', (chunk: SplitterChunk) => {
      if (chunk.type === 'node') {
        finishPart();
        if (chunk.root) headers.push(...headerFields(chunk));
        const kind = partKind(chunk);
        if (kind === 'message' && depth >= MAX_ATTACHED_DEPTH) budget.truncated = true;
        else if (kind) current = { node: chunk, kind, chunks: [], size: 0 };
      } else if (chunk.type === 'body' && current) {
        // Text counts against the budget; an attached message's own text will when it is parsed,
        // but its bytes are bounded here too, as a huge attachment must not be copied whole.
        const limit = current.kind === 'text' ? budget.bytes : MAX_ATTACHED_BYTES - current.size;
        const value = chunk.value.length > limit ? chunk.value.subarray(0, Math.max(0, limit)) : chunk.value;
        if (value.length < chunk.value.length) budget.truncated = true;
        if (current.kind === 'text') budget.bytes -= value.length;
        current.size += value.length;
        if (value.length > 0) current.chunks.push(value);
      }
    });
    (splitter as NodeJS.EventEmitter)
      .on('error', (err: Error) => reject(new Error(`unreadable MIME structure: ${err.message}`, { cause: err })))
      .on('end', resolve);
    splitter.end(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
  });
  finishPart();

  const bodies: string[] = [];
  for (const part of parts) {
    if (typeof part === 'string') bodies.push(part);
    else bodies.push(...(await parse(part, budget, depth + 1)).bodies);
  }
  return { headers, bodies };
}

/** An attached message is read up to this many bytes. */
const MAX_ATTACHED_BYTES = 32 * 1024 * 1024;

/**
 * Decodes RFC 2047 encoded words in a header value. An encoded word in an unknown charset, or
 * one that is malformed, is left as written rather than failing the message.
 */
export function decodeHeaderValue(value: string): string {
  if (!value.includes('=?')) return value;
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}

/** Whether a leaf part is text to read, a message to parse, or neither (undefined). */
function partKind(node: MimeNode): 'text' | 'message' | undefined {
  if (node.multipart) return undefined;
  // RFC 2045 section 5.2: no Content-Type means text/plain. mailsplit would guess a type from an
  // attachment's file name or make it application/octet-stream.
  if (node.headers && !node.headers.hasHeader('Content-Type')) return 'text';
  const type = typeof node.contentType === 'string' ? node.contentType : '';
  if (type === 'message/rfc822' || type === 'message/global') return 'message';
  return type.startsWith('text/') ? 'text' : undefined;
}

function headerFields(node: MimeNode): HeaderField[] {
  if (!node.headers) return [];
  const fields: HeaderField[] = [];
  for (const { key, line } of node.headers.getList()) {
    const colon = line.indexOf(':');
    if (colon < 0 || !key) continue;
    fields.push({ name: key, value: unfold(asUnicode(line.slice(colon + 1))) });
  }
  return fields;
}

/** mailsplit hands header lines over as binary strings: 8-bit bytes are UTF-8 when they decode as such (RFC 6532). */
function asUnicode(binary: string): string {
  if (!/[\u0080-\u00ff]/.test(binary)) return binary;
  const utf8 = Buffer.from(binary, 'latin1').toString('utf8');
  return utf8.includes('\uFFFD') ? binary : utf8;
}

function unfold(value: string): string {
  return value.replace(/\r?\n(?=[ \t])/g, '').trim();
}

/** Undoes the part's Content-Transfer-Encoding. */
export function decodeTransfer(node: MimeNode, body: Buffer): Buffer {
  switch (node.encoding) {
    case 'base64':
      // Node's decoder skips line breaks and stops quietly at garbage: broken base64 still yields text.
      return Buffer.from(body.toString('latin1'), 'base64');
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    default:
      return body;
  }
}

/**
 * Text from bytes in the part's charset (docs/junk.md section 1.2). No charset, US-ASCII and UTF-8
 * are read as UTF-8, as mox does (8-bit bytes labelled us-ascii are mostly UTF-8 in practice);
 * ISO-8859-1 is ISO-8859-1: libmime, like the WHATWG encoding standard, would read it and
 * US-ASCII as windows-1252, where 0x80-0x9F are letters that join words mox keeps apart.
 */
function decodeCharset(node: MimeNode, bytes: Buffer): string {
  const charset = (typeof node.charset === 'string' ? node.charset : '').trim().toLowerCase();
  if (charset === '' || UTF8_LABELS.has(charset)) return bytes.toString('utf8');
  if (LATIN1_LABELS.has(charset)) return bytes.toString('latin1');
  return decodeWithLibmime(bytes, charset);
}

const UTF8_LABELS = new Set(['utf-8', 'utf8', 'us-ascii', 'ascii', 'ansi_x3.4-1968', 'us']);
const LATIN1_LABELS = new Set(['iso-8859-1', 'iso8859-1', 'iso_8859-1', 'latin1', 'latin-1', 'l1', 'cp819', 'ibm819', 'iso-ir-100']);
