import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/mail/fingerprint.ts';

const LINES = ['From: a@example.com', 'To: b@example.com', 'Subject: hello', '', 'body line one', 'body line two', ''];
const CRLF_TEXT = LINES.join('\r\n');

function sha256(text: string): string {
  return createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');
}

function fp(text: string): string {
  return fingerprint(Buffer.from(text, 'utf8'));
}

describe('fingerprint', () => {
  it('is the SHA-256 hex of the CRLF bytes', () => {
    expect(fp(CRLF_TEXT)).toBe(sha256(CRLF_TEXT));
    expect(fp(CRLF_TEXT)).toMatch(/^[0-9a-f]{64}$/);
    expect(fp('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('is the same for LF, CRLF and mixed line ends', () => {
    const lf = LINES.join('\n');
    expect(fp(lf)).toBe(sha256(CRLF_TEXT));
    expect(fp('a\r\nb\nc\n\nd')).toBe(sha256('a\r\nb\r\nc\r\n\r\nd'));
    expect(fp('\nleading')).toBe(sha256('\r\nleading'));
  });

  it('leaves out a leading mbox "From " line, whatever its line end', () => {
    const expected = sha256(CRLF_TEXT);
    expect(fp(`From sender@example.com Tue Nov 24 10:00:00 2026\n${LINES.join('\n')}`)).toBe(expected);
    expect(fp(`From sender@example.com Tue Nov 24 10:00:00 2026\r\n${CRLF_TEXT}`)).toBe(expected);
    expect(fp('From sender@example.com Tue Nov 24 10:00:00 2026')).toBe(sha256(''));
  });

  it('keeps a From: header and a "From " line that is not the first', () => {
    const withoutFromHeader = LINES.slice(1).join('\r\n');
    expect(fp(CRLF_TEXT)).not.toBe(fp(withoutFromHeader));
    const body = 'Subject: x\r\n\r\nFrom here on\r\n';
    expect(fp(body)).toBe(sha256(body));
    expect(fp(body)).not.toBe(fp('Subject: x\r\n\r\n'));
  });

  it('differs when any byte differs', () => {
    const base = fp(CRLF_TEXT);
    expect(fp(CRLF_TEXT.replace('hello', 'hellp'))).not.toBe(base);
    expect(fp(`${CRLF_TEXT}\r\n`)).not.toBe(base);
    expect(fp(CRLF_TEXT.slice(0, -2))).not.toBe(base);
    expect(fp(`${CRLF_TEXT} `)).not.toBe(base);
  });

  it('hashes only the bytes of a view into a larger buffer', () => {
    const outer = Buffer.from(`JUNK${CRLF_TEXT}MORE`, 'utf8');
    const view = new Uint8Array(outer.buffer, outer.byteOffset + 4, outer.length - 8);
    expect(fingerprint(view)).toBe(sha256(CRLF_TEXT));
  });
});
