import type { Fetched, ImapSession } from '../imap/session.ts';
import { fingerprint } from '../mail/fingerprint.ts';
import { decodeHeaderValue, parseMessage } from '../mail/parse.ts';
import type { Db } from '../store/database.ts';
import { History, type StoredMessage } from '../store/history.ts';
import type { Account } from './accounts.ts';

/** A message as the UI previews it: a few header fields and its text, never HTML. */
export interface Preview {
  from: string;
  to: string;
  subject: string;
  date: string;
  text: string;
}

const INBOX = 'INBOX';

/**
 * What the user asks of one message from Warden's window: restore a reject, move a message to
 * Junk, read it. Each finds the message on the server by its Message-ID and checks its bytes
 * against the history's fingerprint, so only that very message is touched. The moves are the
 * user's own: the engine learns from them as from the same moves made in any mail client.
 */
export class MailActions {
  readonly #history: History;

  constructor(db: Db, account: Account) {
    this.#history = new History(db, account.id);
  }

  /** Moves rejects back to INBOX; returns how many moved, and the ids not found in Rejects. */
  async restore(session: ImapSession, ids: number[]): Promise<{ restored: number; missing: number[] }> {
    const missing: number[] = [];
    let restored = 0;
    for (const id of ids) {
      const stored = this.#history.findById(id);
      const where = stored?.isReject ? this.#whereIs(stored) : undefined;
      const found = stored && where ? await locate(session, where, stored) : undefined;
      if (!found) {
        missing.push(id);
        continue;
      }
      await session.move(found.uid, INBOX);
      restored++;
    }
    return { restored, missing };
  }

  /** Moves a message to the Junk folder. */
  async junk(session: ImapSession, id: number, junkFolder: string): Promise<void> {
    const stored = this.#stored(id);
    const found = await locate(session, this.#whereIs(stored), stored);
    if (!found) throw new Error(`message ${id} is no longer in ${this.#whereIs(stored)}`);
    await session.move(found.uid, junkFolder);
  }

  async preview(session: ImapSession, id: number): Promise<Preview> {
    const stored = this.#stored(id);
    const where = this.#whereIs(stored);
    const found = await locate(session, where, stored);
    if (!found) throw new Error(`message ${id} is no longer in ${where}`);
    const [message] = await first(session.fetch([found.uid]));
    const { headers, bodies } = await parseMessage(message!.raw);
    const field = (name: string) => decodeHeaderValue(headers.find((h) => h.name.toLowerCase() === name)?.value ?? '').trim();
    return { from: field('from'), to: field('to'), subject: field('subject'), date: field('date'), text: bodies.join('\n\n') };
  }

  #stored(id: number): StoredMessage {
    const stored = this.#history.findById(id);
    if (!stored) throw new Error(`no message ${id} in this account's history`);
    return stored;
  }

  /** Where the message should be: the folder a reject was moved to, else INBOX. */
  #whereIs(stored: StoredMessage): string {
    return stored.isReject ? (this.#history.lastDecision(stored.id)?.mailbox ?? INBOX) : INBOX;
  }
}

/**
 * Where a stored message is in `mailbox` (selected after): found by Message-ID (or Subject),
 * confirmed by its bytes; undefined when it is not there.
 */
export async function locate(session: ImapSession, mailbox: string, stored: StoredMessage): Promise<{ uid: number; uidValidity: number } | undefined> {
  const { uidValidity } = await session.open(mailbox);
  const header: Record<string, string> = stored.messageId ? { 'message-id': stored.messageId } : { subject: stored.subject };
  const candidates = await session.search({ header });
  for await (const batch of session.fetch(candidates)) {
    const match = batch.find((m) => fingerprint(m.raw) === stored.fingerprint);
    if (match) return { uid: match.uid, uidValidity };
  }
  return undefined;
}

async function first(batches: AsyncGenerator<Fetched[]>): Promise<Fetched[]> {
  for await (const batch of batches) return batch;
  return [];
}
