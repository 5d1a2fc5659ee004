import { createHash } from 'node:crypto';

/**
 * The identity of a message: SHA-256 of its bytes, hex. Line ends are normalised to CRLF and an
 * mbox "From " envelope line is left out, so the same message read from a Maildir file (LF), an
 * mbox, or an IMAP server (CRLF, RFC 3501 section 2.3.4) has one fingerprint.
 */
export function fingerprint(raw: Uint8Array): string {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const hash = createHash('sha256');
  let start = 0;
  if (bytes.subarray(0, 5).toString('latin1') === 'From ') {
    const eol = bytes.indexOf(0x0a);
    start = eol < 0 ? bytes.length : eol + 1;
  }
  let from = start;
  for (let lf = bytes.indexOf(0x0a, start); lf >= 0; lf = bytes.indexOf(0x0a, lf + 1)) {
    if (lf > start && bytes[lf - 1] === 0x0d) continue;
    hash.update(bytes.subarray(from, lf));
    hash.update(CRLF);
    from = lf + 1;
  }
  hash.update(bytes.subarray(from));
  return hash.digest('hex');
}

const CRLF = Buffer.from('\r\n');
