import { ImapError } from '../imap/errors.ts';
import type { ImapSession } from '../imap/session.ts';
import type { JournalEntry } from '../store/sync.ts';
import type { MailboxState } from './mailbox-state.ts';

/**
 * Sets the keyword of a journalled entry (the unsure mark, docs/analysis.md 2.5) on its message
 * in the selected INBOX, and marks the entry done: from then on, the keyword gone means the user
 * cleared it. A server that refuses the keyword (it keeps none for the mailbox) gets the entry
 * forgotten, so the message never counts as marked, and the refusal is thrown; any other error
 * leaves it pending, for the next catch-up to finish.
 */
export async function setKeyword(state: MailboxState, session: ImapSession, entry: Pick<JournalEntry, 'id' | 'uid' | 'target'>): Promise<void> {
  try {
    await session.addKeyword(entry.uid, entry.target);
  } catch (err) {
    if (err instanceof ImapError && err.kind === 'protocol') state.sync.forget(entry.id);
    throw err;
  }
  state.sync.done(entry.id, state.now());
}
