import type { ImapSession } from '../imap/session.ts';
import { throwIfStoreFault } from '../store/database.ts';
import type { Learned } from './events.ts';
import type { Label } from './junk.ts';
import { INBOX, type MailboxState } from './mailbox-state.ts';

/**
 * What the user taught by filing mail in any client: messages that appeared in Junk (the user
 * judged them junk: retrain, docs/analysis.md 7.2) or in Sent (their recipients become known
 * correspondents, 3.5), and $Junk/$NotJunk flags set on INBOX messages (4.4).
 */
export class Learning {
  readonly #state: MailboxState;

  constructor(state: MailboxState) {
    this.#state = state;
  }

  /**
   * What appeared in a Junk or Sent folder since the last look. The first look starts from
   * there: the folder's earlier mail is bootstrap's business.
   */
  async follow(session: ImapSession, path: string, role: 'junk' | 'sent', learned: (entry: Learned) => void): Promise<void> {
    const { history, sync, delivery, db } = this.#state;
    // STATUS first: most wakes find nothing new there, and need not select the folder.
    const box = await session.status(path);
    const id = history.mailboxId(path);
    const point = sync.get(id);
    if (!point || point.uidValidity !== box.uidValidity) {
      sync.set(id, { uidValidity: box.uidValidity, lastUid: box.uidNext - 1 });
      return;
    }
    if (box.uidNext - 1 <= point.lastUid) return;
    await session.open(path);
    for await (const batch of session.fetch(await session.uidsAfter(point.lastUid))) {
      for (const m of batch) {
        const entry: Learned = { folder: path, role, uid: m.uid, outcome: '' };
        try {
          entry.outcome = role === 'junk' ? await delivery.judge(m.raw, 'spam') : `${await delivery.sent(m.raw, m.internalDate.getTime())} recipients added`;
        } catch (err) {
          throwIfStoreFault(err, db.name);
          entry.error = (err as Error).message;
        }
        sync.set(id, { uidValidity: box.uidValidity, lastUid: m.uid });
        learned(entry);
      }
    }
  }

  /**
   * $Junk or $NotJunk set by the user (in any mail client) on INBOX messages up to `lastUid` since
   * `modseq` trains them so (docs/analysis.md 4.4, mox at H: only when exactly one of the two is
   * set). INBOX is the session's selected mailbox.
   */
  async flagged(session: ImapSession, modseq: string, lastUid: number, learned: (entry: Learned) => void): Promise<void> {
    const { delivery, db } = this.#state;
    const labelled = new Map<number, Label>();
    for (const { uid, flags } of await session.flagsChangedSince(modseq, lastUid)) {
      const label = junkLabel(flags);
      if (label) labelled.set(uid, label);
    }
    for await (const batch of session.fetch([...labelled.keys()].sort((a, b) => a - b))) {
      for (const m of batch) {
        const label = labelled.get(m.uid)!;
        const entry: Learned = { folder: INBOX, role: 'flag', uid: m.uid, outcome: '' };
        try {
          const outcome = await delivery.judge(m.raw, label);
          if (outcome === 'unchanged') continue;
          entry.outcome = `${outcome} as ${label}`;
        } catch (err) {
          throwIfStoreFault(err, db.name);
          entry.error = (err as Error).message;
        }
        learned(entry);
      }
    }
  }
}

/**
 * The label of a message's junk flags: $Junk or $NotJunk, matched without case, also the
 * variants other clients set (junk, notjunk, nonjunk, $nonjunk; mox's import knows them).
 * Both set, or neither: no label.
 */
function junkLabel(flags: Set<string>): Label | undefined {
  let junk = false;
  let notJunk = false;
  for (const flag of flags) {
    const f = flag.toLowerCase().replace(/^\$/, '');
    if (f === 'junk') junk = true;
    else if (f === 'notjunk' || f === 'nonjunk') notJunk = true;
  }
  return junk === notJunk ? undefined : junk ? 'spam' : 'ham';
}
