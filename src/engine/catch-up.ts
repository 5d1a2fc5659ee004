import { ImapSession } from '../imap/session.ts';
import { openDatabase, type Db } from '../store/database.ts';
import { History } from '../store/history.ts';
import { SyncState } from '../store/sync.ts';
import type { Account } from './accounts.ts';
import { endpointOf } from './accounts.ts';
import { databaseFile } from './data-dir.ts';
import { DeliveryService, type Decision, type DnsOptions } from './delivery.ts';
import type { Label } from './junk.ts';

/** What happened to one new INBOX message. */
export interface Arrival {
  uid: number;
  subject: string;
  from: string;
  /** The decision; undefined when the message could not be analysed (`error` says why). */
  decision: Decision | undefined;
  /** Seen before (a copy, or a message the user put back): not analysed again, never moved. */
  known: boolean;
  /**
   * A reject the user put back in INBOX: from now on it counts as wanted mail where it was
   * destined, and the content filter is trained with it as ham (analysis.md section 8).
   */
  restored: boolean;
  /** Moved to the Rejects folder (enforce mode only). */
  moved: boolean;
  error?: string;
}

/** What Warden learned from a message that appeared in Junk or Sent, or that the user flagged. */
export interface Learned {
  folder: string;
  role: 'junk' | 'sent' | 'flag';
  uid: number;
  /**
   * junk and flag: `feedback` for a message in the history, `trained` for one Warden never saw
   * (with the label, for a flag); sent: recipients added.
   */
  outcome: string;
  error?: string;
}

export interface CatchUp {
  account: string;
  mode: Account['mode'];
  learned: Learned[];
  /** First run, or INBOX's UIDVALIDITY changed: existing mail is left alone (analysis.md E8). */
  started: boolean;
  arrivals: Arrival[];
  /** Moves a crash had interrupted, finished now. */
  repaired: number;
}

const INBOX = 'INBOX';

/**
 * Catches up with one account's INBOX once: every message that arrived since the last run is
 * analysed, recorded, and in enforce mode moved to Rejects. The first run only notes where
 * INBOX is: mail already there is not analysed (analysis.md E8). A move is journalled before it
 * is sent and marked done after; a move a crash interrupted is finished on the next run.
 * A message that cannot be analysed stays where it is (fail open, analysis.md section 8).
 */
export async function catchUp(dataDir: string, account: Account, dns: DnsOptions = {}): Promise<CatchUp> {
  const mailbox = AccountMailbox.open(dataDir, account, dns);
  try {
    const session = await ImapSession.open(endpointOf(account));
    try {
      return await mailbox.catchUp(session);
    } finally {
      await session.close();
    }
  } finally {
    mailbox.close();
  }
}

/** An account's state in the data directory: its history, analysis and sync point. */
export class AccountMailbox {
  readonly account: Account;
  readonly #db: Db;
  readonly #history: History;
  readonly #sync: SyncState;
  readonly #delivery: DeliveryService;

  private constructor(dataDir: string, account: Account, dns: DnsOptions) {
    this.account = account;
    const file = databaseFile(dataDir);
    this.#db = openDatabase(file);
    this.#history = new History(this.#db, account.id);
    this.#sync = new SyncState(this.#db, account.id);
    const { providerHosts, folders } = account.config;
    try {
      this.#delivery = DeliveryService.onDatabase(this.#db, file, {
        ...dns,
        account: account.id,
        overrides: { ...(providerHosts.length > 0 && { providerHosts }), ...(folders.rejects && { rejectsMailbox: folders.rejects }) },
      });
    } catch (err) {
      this.#db.close();
      throw err;
    }
  }

  static open(dataDir: string, account: Account, dns: DnsOptions = {}): AccountMailbox {
    return new AccountMailbox(dataDir, account, dns);
  }

  /** Catches up with INBOX over an open session (see catchUp). */
  async catchUp(session: ImapSession): Promise<CatchUp> {
    const account = this.account;
    const sync = this.#sync;
    const result: CatchUp = { account: account.name, mode: account.mode, learned: [], started: false, arrivals: [], repaired: 0 };
    // Junk and Sent first: INBOX is selected last, for IDLE to watch.
    const roles = await session.roles(account.config.folders);
    for (const role of ['junk', 'sent'] as const) {
      const path = roles[role];
      if (path && path !== INBOX) result.learned.push(...(await this.#follow(session, path, role)));
    }
    const inbox = await session.open(INBOX);
    const inboxId = this.#history.mailboxId(INBOX);
    const known = sync.get(inboxId);

    if (!known || known.uidValidity !== inbox.uidValidity) {
      // UIDs of another UIDVALIDITY mean nothing now (RFC 3501 section 2.3.1.1): start from here.
      sync.set(inboxId, { uidValidity: inbox.uidValidity, lastUid: inbox.uidNext - 1, ...modseqOf(inbox) });
      result.started = true;
      return result;
    }

    for (const entry of sync.pending()) {
      // Still in INBOX under the same UIDVALIDITY: the move was not done. Gone: it was.
      if (entry.uidValidity === inbox.uidValidity && (await session.has(entry.uid))) await session.move(entry.uid, entry.target);
      sync.done(entry.id, Date.now());
      result.repaired++;
    }

    // Flags the user set on messages Warden has seen, since the last look.
    if (known.highestModseq && inbox.highestModseq) result.learned.push(...(await this.#flagged(session, known.highestModseq, known.lastUid)));

    const uids = await session.uidsAfter(known.lastUid);
    const context: Context = { delivery: this.#delivery, session, sync, account, uidValidity: inbox.uidValidity };
    let lastUid = known.lastUid;
    for await (const batch of session.fetch(uids)) {
      for (const message of batch) {
        result.arrivals.push(await arrive(message, context));
        lastUid = message.uid;
        sync.set(inboxId, { uidValidity: inbox.uidValidity, lastUid, ...modseqOf(known) });
      }
    }
    sync.set(inboxId, { uidValidity: inbox.uidValidity, lastUid, ...modseqOf(inbox) });
    return result;
  }

  /**
   * What appeared in Junk (the user judged it junk: retrain, analysis.md 7.2) or in Sent (its
   * recipients become known correspondents, 3.5) since the last look. The first look starts
   * from there: the folder's earlier mail is bootstrap's business.
   */
  async #follow(session: ImapSession, path: string, role: 'junk' | 'sent'): Promise<Learned[]> {
    // STATUS first: most wakes find nothing new there, and need not select the folder.
    const box = await session.status(path);
    const id = this.#history.mailboxId(path);
    const point = this.#sync.get(id);
    if (!point || point.uidValidity !== box.uidValidity) {
      this.#sync.set(id, { uidValidity: box.uidValidity, lastUid: box.uidNext - 1 });
      return [];
    }
    if (box.uidNext - 1 <= point.lastUid) return [];
    await session.open(path);
    const learned: Learned[] = [];
    for await (const batch of session.fetch(await session.uidsAfter(point.lastUid))) {
      for (const m of batch) {
        const entry: Learned = { folder: path, role, uid: m.uid, outcome: '' };
        try {
          entry.outcome = role === 'junk' ? await this.#delivery.judge(m.raw, 'spam') : `${await this.#delivery.sent(m.raw, m.internalDate.getTime())} recipients added`;
        } catch (err) {
          entry.error = (err as Error).message;
        }
        learned.push(entry);
        this.#sync.set(id, { uidValidity: box.uidValidity, lastUid: m.uid });
      }
    }
    return learned;
  }

  /**
   * $Junk or $NotJunk set by the user (in any mail client) on messages in INBOX since `modseq`
   * trains them so (analysis.md 4.4, mox at H: only when exactly one of the two is set).
   */
  async #flagged(session: ImapSession, modseq: string, lastUid: number): Promise<Learned[]> {
    const labelled = new Map<number, Label>();
    for (const { uid, flags } of await session.flagsChangedSince(modseq, lastUid)) {
      const label = junkLabel(flags);
      if (label) labelled.set(uid, label);
    }
    const learned: Learned[] = [];
    for await (const batch of session.fetch([...labelled.keys()].sort((a, b) => a - b))) {
      for (const m of batch) {
        const label = labelled.get(m.uid)!;
        const entry: Learned = { folder: INBOX, role: 'flag', uid: m.uid, outcome: '' };
        try {
          const outcome = await this.#delivery.judge(m.raw, label);
          if (outcome === 'unchanged') continue;
          entry.outcome = `${outcome} as ${label}`;
        } catch (err) {
          entry.error = (err as Error).message;
        }
        learned.push(entry);
      }
    }
    return learned;
  }

  close(): void {
    try {
      this.#delivery.close();
    } finally {
      this.#db.close();
    }
  }
}

/** The HIGHESTMODSEQ to keep, when there is one. */
function modseqOf(box: { highestModseq?: string }): { highestModseq?: string } {
  return box.highestModseq === undefined ? {} : { highestModseq: box.highestModseq };
}

/**
 * The label of a message's junk flags: $Junk or $NotJunk, matched without case, also the
 * variants other clients set (junk, notjunk, nonjunk, $nonjunk; mox's import knows them).
 * Both set, or neither: no label.
 */
export function junkLabel(flags: Set<string>): Label | undefined {
  let junk = false;
  let notJunk = false;
  for (const flag of flags) {
    const f = flag.toLowerCase().replace(/^\$/, '');
    if (f === 'junk') junk = true;
    else if (f === 'notjunk' || f === 'nonjunk') notJunk = true;
  }
  return junk === notJunk ? undefined : junk ? 'spam' : 'ham';
}

interface Context {
  delivery: DeliveryService;
  session: ImapSession;
  sync: SyncState;
  account: Account;
  uidValidity: number;
}

async function arrive(message: { uid: number; raw: Buffer; internalDate: Date }, c: Context): Promise<Arrival> {
  let delivered: Awaited<ReturnType<DeliveryService['deliver']>>;
  try {
    delivered = await c.delivery.deliver(message.raw, message.internalDate.getTime());
  } catch (err) {
    return { uid: message.uid, subject: '', from: '', decision: undefined, known: false, restored: false, moved: false, error: (err as Error).message };
  }
  const { facts, decision, known } = delivered;
  const arrival: Arrival = {
    uid: message.uid,
    subject: facts.subject,
    from: facts.from ? `${facts.from.local}@${facts.from.domain}` : '',
    decision,
    known,
    restored: false,
    moved: false,
  };
  if (delivered.restorable) {
    try {
      await c.delivery.feedback(delivered.msg, 'ham', message.raw);
      arrival.restored = true;
    } catch (err) {
      arrival.error = `could not learn from the restore: ${(err as Error).message}`;
    }
  }
  if (known || decision.accept || c.account.mode !== 'enforce') return arrival;
  const target = decision.mailbox;
  const entry = c.sync.journalMove({ mailbox: INBOX, uidValidity: c.uidValidity, uid: message.uid, fingerprint: facts.fingerprint, target }, Date.now());
  try {
    await c.session.move(message.uid, target);
    c.sync.done(entry, Date.now());
    arrival.moved = true;
  } catch (err) {
    // Left in INBOX and in the journal: the next run tries again.
    arrival.error = `could not move it to ${target}: ${(err as Error).message}`;
  }
  return arrival;
}
