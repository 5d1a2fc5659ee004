import { describe, expect, it } from 'vitest';
import { decode as decodeQuotedPrintable } from 'libqp';
import { dueAt } from '../../src/engine/digest.ts';
import { digestMessage, LISTED } from '../../src/engine/digest-message.ts';
import type { DigestReject } from '../../src/store/digests.ts';

/** The digest's message and its hour, as pure logic (the Dovecot test is test/cli/digest.test.ts). */

const reject = (n: number, over: Partial<DigestReject> = {}): DigestReject => ({
  decisionId: n,
  decidedAt: Date.UTC(2026, 11, 5, 9, n % 60),
  from: `sender${n}@spam.test`,
  subject: `offer ${n}`,
  text: 'the content filter finds it junk (score 0.99 > 0.95)',
  mailbox: 'Rejects',
  moved: true,
  ...over,
});

function bodyOf(raw: Buffer): string {
  const text = raw.toString();
  return decodeQuotedPrintable(text.slice(text.indexOf('\r\n\r\n') + 4)).toString();
}

describe('digestMessage', () => {
  it('is to the account\'s address, and says which rejects stayed in INBOX', async () => {
    const m = await digestMessage({ account: 'home', user: 'me@example.org' }, [reject(1), reject(2, { moved: false, subject: 'Grüße 😀', from: '' })], Date.UTC(2026, 11, 4, 8), Date.UTC(2026, 11, 5, 8));
    const head = m.raw.toString().split('\r\n\r\n')[0]!;
    expect(head).toMatch(/^To: me@example\.org$/m);
    expect(head).toContain(`Message-ID: ${m.messageId}`);
    expect(m.subject).toMatch(/^Warden rejected 2 messages since /);
    const body = bodyOf(m.raw);
    expect(body).toContain('sender1@spam.test\r\n  Subject: offer 1\r\n  Why: the content filter finds it junk (score 0.99 > 0.95)\r\n  Moved to Rejects.');
    expect(body).toContain('(no sender)\r\n  Subject: Grüße 😀\r\n');
    expect(body).toContain('Left in INBOX (observe mode).');
  });

  it(`lists ${LISTED} rejects and counts the rest`, async () => {
    const many = Array.from({ length: LISTED + 5 }, (_, i) => reject(i + 1));
    const body = bodyOf((await digestMessage({ account: 'home', user: 'me' }, many, 0, 1)).raw);
    expect(body.match(/Subject: offer/g)).toHaveLength(LISTED);
    expect(body).toContain('And 5 more: ');
  });

  it('has a new Message-ID each time', async () => {
    const a = await digestMessage({ account: 'home', user: 'me' }, [reject(1)], 0, 1);
    const b = await digestMessage({ account: 'home', user: 'me' }, [reject(1)], 0, 1);
    expect(a.messageId).not.toBe(b.messageId);
  });
});

describe('dueAt', () => {
  it('is the last time the clock showed the hour, today or yesterday', () => {
    const at = (h: number, m = 0) => new Date(2026, 11, 5, h, m).getTime();
    expect(dueAt(8, at(8))).toBe(at(8));
    expect(dueAt(8, at(9, 30))).toBe(at(8));
    expect(dueAt(8, at(7, 59))).toBe(new Date(2026, 11, 4, 8).getTime());
    expect(dueAt(0, at(0, 1))).toBe(at(0));
  });
});
