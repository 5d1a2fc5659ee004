import { Splitter, type MimeNode, type SplitterChunk } from '@zone-eu/mailsplit';
import libmime from 'libmime';
import { decode as decodeCharset } from 'libmime/lib/charset';
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

/**
 * Parses a raw RFC 5322 message into its header fields and decoded text.
 *
 * MIME structure comes from mailsplit (the splitter under mailparser), charsets from libmime.
 * Parsing is lenient, as mail in the wild needs: a part without Content-Type is text/plain
 * (RFC 2045 section 5.2), an unknown charset is read as UTF-8, broken base64 decodes what it
 * can. It rejects only when the splitter itself fails.
 */
export async function parseMessage(raw: Uint8Array, options: ParseOptions = {}): Promise<MessageContent> {
  const maxTextBytes = options.maxTextBytes ?? DEFAULT_MAX_TEXT_BYTES;
  const headers: HeaderField[] = [];
  const bodies: string[] = [];
  let textBudget = maxTextBytes;
  let truncated = false;
  let current: { node: MimeNode; chunks: Buffer[] } | undefined;

  const finishPart = () => {
    if (!current) return;
    const text = decodeBody(current.node, Buffer.concat(current.chunks));
    bodies.push(current.node.contentType === 'text/html' ? htmlToText(text) : text);
    current = undefined;
  };

  await new Promise<void>((resolve, reject) => {
    const splitter = new Splitter({ maxChildNodes: MAX_PARTS });
    splitter.on('data', (chunk: SplitterChunk) => {
      if (chunk.type === 'node') {
        finishPart();
        if (chunk.root) headers.push(...headerFields(chunk));
        if (!chunk.multipart && !chunk.rfc822 && isText(chunk)) current = { node: chunk, chunks: [] };
      } else if (chunk.type === 'body' && current) {
        if (textBudget <= 0) {
          truncated = true;
          return;
        }
        const value = chunk.value.length > textBudget ? chunk.value.subarray(0, textBudget) : chunk.value;
        if (value.length < chunk.value.length) truncated = true;
        textBudget -= value.length;
        current.chunks.push(value);
      }
    });
    (splitter as NodeJS.EventEmitter).on('error', (err: Error) => reject(new Error(`unreadable MIME structure: ${err.message}`, { cause: err }))).on('end', resolve);
    splitter.end(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
  });
  finishPart();
  return { headers, bodies, truncated };
}

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

function isText(node: MimeNode): boolean {
  // mailsplit already defaults a part without Content-Type to text/plain.
  return typeof node.contentType === 'string' && node.contentType.startsWith('text/');
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

function decodeBody(node: MimeNode, body: Buffer): string {
  let bytes: Buffer = body;
  switch (node.encoding) {
    case 'base64':
      // Node's decoder skips line breaks and stops quietly at garbage: broken base64 still yields text.
      bytes = Buffer.from(body.toString('latin1'), 'base64');
      break;
    case 'quoted-printable':
      bytes = decodeQuotedPrintable(body);
      break;
  }
  return decodeCharset(bytes, typeof node.charset === 'string' ? node.charset : 'utf-8');
}
