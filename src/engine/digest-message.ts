import { randomUUID } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { DigestReject } from '../store/digests.ts';

/** At most this many rejects are listed one by one; the rest are counted. */
export const LISTED = 200;

/** The address the digest comes from: no one's (RFC 2606 reserves .invalid), it is never sent. */
const FROM = { name: 'Warden', address: 'warden@warden.invalid' };

export interface DigestMessage {
  raw: Buffer;
  messageId: string;
  subject: string;
}

/**
 * The daily digest as an RFC 5322 message (docs/digest.md), built by nodemailer's MailComposer:
 * Date, From, To, Message-ID, Auto-Submitted (RFC 3834: made by a program, to be answered by
 * none), and a text/plain UTF-8 body listing each reject with its sender, subject and reason.
 */
export async function digestMessage(to: { account: string; user: string }, rejects: DigestReject[], since: number, now: number): Promise<DigestMessage> {
  const messageId = `<${randomUUID()}@warden.invalid>`;
  const count = rejects.length === 1 ? '1 message' : `${rejects.length} messages`;
  const subject = `Warden rejected ${count} since ${when(since)}`;
  const lines = [`Warden rejected ${count} for ${to.account} since ${when(since)}.`, ''];
  for (const r of rejects.slice(0, LISTED)) {
    lines.push(
      `${when(r.decidedAt)}  ${r.from || '(no sender)'}`,
      `  Subject: ${r.subject || '(no subject)'}`,
      `  Why: ${r.text}`,
      `  ${r.moved ? `Moved to ${r.mailbox}.` : 'Left in INBOX (observe mode).'}`,
      '',
    );
  }
  if (rejects.length > LISTED) lines.push(`And ${rejects.length - LISTED} more: warden rejects list, or Rejects in the app, shows them all.`, '');
  lines.push(
    'To get one back, move it from Rejects to INBOX in any mail client: Warden learns from it.',
    'Warden made this message on your computer and put it in your INBOX; no one sent it.',
  );
  const raw = await new MailComposer({
    from: FROM,
    // The user name is the address at most providers; where it is not, the digest is to Warden's own.
    to: /^[^@\s]+@[^@\s]+$/.test(to.user) ? to.user : FROM,
    subject,
    messageId,
    date: new Date(now),
    headers: { 'Auto-Submitted': 'auto-generated' },
    // CRLF: the line end of a message (RFC 5322 section 2.1).
    text: lines.join('\r\n'),
    // Readable as it is in a client's "show source", whatever the subjects' scripts.
    textEncoding: 'quoted-printable',
  })
    .compile()
    .build();
  return { raw, messageId, subject };
}

function when(t: number): string {
  return new Date(t).toLocaleString('en-GB', { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}
