import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Address } from '../mail/facts.ts';

/**
 * Subject-pass tokens (docs/analysis.md section 5, mox's subjectpass package): a sender whose mail
 * was judged junk can get through by putting a token in the Subject. The token binds the From
 * address to a time, signed with the recipient's key: 4 bytes of version and time (Unix seconds
 * without the low 8 bits) and the first 12 bytes of HMAC-SHA256(key, those 4 bytes ‖ address).
 */

const MAC_BYTES = 12;

export function subjectpassToken(from: Address, key: string, now: number): string {
  const t = Math.floor(now / 1000);
  const head = Buffer.from([Math.floor(t / 2 ** 32) & 0x0f, (t >>> 24) & 0xff, (t >>> 16) & 0xff, (t >>> 8) & 0xff]);
  return `(pass:${Buffer.concat([head, mac(key, head, from)]).toString('base64url')})`;
}

export type SubjectpassCheck = 'valid' | 'absent' | 'invalid' | 'expired';

/**
 * Checks the token in a raw (not RFC 2047 decoded) Subject: the text after the first `(pass:`
 * up to the next `)`. Like mox, a token signed in the future is not refused.
 */
export function checkSubjectpass(rawSubject: string, from: Address | undefined, key: string, periodMs: number, now: number): SubjectpassCheck {
  const start = rawSubject.indexOf('(pass:');
  if (start < 0) return 'absent';
  const end = rawSubject.indexOf(')', start);
  if (end < 0) return 'absent';
  const token = rawSubject.slice(start + '(pass:'.length, end);
  if (!from || !/^[A-Za-z0-9_-]*$/.test(token)) return 'invalid';
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length !== 4 + MAC_BYTES || bytes[0]! >> 4 !== 0) return 'invalid';
  const expected = mac(key, bytes.subarray(0, 4), from);
  if (!timingSafeEqual(bytes.subarray(4), expected)) return 'invalid';
  const signed = ((bytes[0]! & 0x0f) * 2 ** 32 + bytes[1]! * 2 ** 24 + bytes[2]! * 2 ** 16 + bytes[3]! * 2 ** 8) * 1000;
  return now - signed > periodMs ? 'expired' : 'valid';
}

function mac(key: string, head: Uint8Array, from: Address): Buffer {
  return createHmac('sha256', key).update(head).update(`${from.local}@${from.domain}`).digest().subarray(0, MAC_BYTES);
}
