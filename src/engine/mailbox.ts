import { ImapSession } from '../imap/session.ts';
import { throwIfStoreFault } from '../store/database.ts';
import { DigestLog } from '../store/digests.ts';
import { History } from '../store/history.ts';
import { SyncState } from '../store/sync.ts';
import { UnanalysedLog } from '../store/unanalysed.ts';
import { endpointOf, type Account, type AppSecrets } from './accounts.ts';
import { Arrivals, type InboxPoint } from './arrivals.ts';
import { Claims } from './claims.ts';
import type { EngineContext } from './context.ts';
import { DeliveryService } from './delivery.ts';
import type { Arrival, Learned, MailboxEvent } from './events.ts';
import { Learning } from './learning.ts';
import { INBOX, modseqOf, type MailboxState } from './mailbox-state.ts';
import { Upkeep } from './upkeep.ts';

/** An account's mailbox over its engine's context: the clock (for retries), and its secrets. */
export interface MailboxOptions {
  now?: () => number;
  /** The passwords the desktop app keeps (accounts whose secret is the app's). */
  appSecrets?: AppSecrets;
}

/** How mail already in INBOX is analysed (AccountMailbox.analyzeInbox). */
export interface InboxAnalysis {
  since?: Date;
  dryRun: boolean;
  onArrival: (a: Arrival, done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Catches up with one account's INBOX once, over a session of its own (see AccountMailbox.catchUp). */
export function catchUp(context: EngineContext, account: Account, emit: (event: MailboxEvent) => void, options: MailboxOptions = {}): Promise<void> {
  return withMailbox(context, account, options, (mailbox, session) => mailbox.catchUp(session, emit));
}

/** Analyses mail already in INBOX, as the user asked (see AccountMailbox.analyzeInbox). */
export function analyzeInbox(context: EngineContext, account: Account, options: MailboxOptions & InboxAnalysis): Promise<number> {
  return withMailbox(context, account, options, (mailbox, session) => mailbox.analyzeInbox(session, options));
}

/** Runs `work` on an account's mailbox over a new session, closing the session after. */
async function withMailbox<T>(context: EngineContext, account: Account, options: MailboxOptions, work: (mailbox: AccountMailbox, session: ImapSession) => Promise<T>): Promise<T> {
  const mailbox = AccountMailbox.open(context, account, options);
  const session = await ImapSession.open(endpointOf(account, process.env, options.appSecrets));
  try {
    return await work(mailbox, session);
  } finally {
    await session.close();
  }
}

/**
 * An account's mailbox loop (docs/design.md): its state in the data folder (history, analysis,
 * sync points) over the context its engine shares between accounts, and the order in which a
 * catch-up does its parts: learning from what the user filed, upkeep, then INBOX's arrivals.
 * `account` is read at each message, so a mode the user changes takes effect at the next
 * arrival (Engine.update).
 */
export class AccountMailbox {
  account: Account;
  readonly #state: MailboxState;
  readonly #unanalysed: UnanalysedLog;
  readonly #arrivals: Arrivals;
  readonly #learning: Learning;
  readonly #upkeep: Upkeep;

  private constructor(context: EngineContext, account: Account, options: MailboxOptions) {
    this.account = account;
    const { db } = context;
    const { providerHosts, folders } = account.config;
    const delivery = DeliveryService.forAccount(context, {
      account: account.id,
      overrides: { ...(providerHosts.length > 0 && { providerHosts }), ...(folders.rejects && { rejectsMailbox: folders.rejects }) },
    });
    // Settings that no longer validate stop the account here, with the error that says how to mend them.
    void delivery.settings;
    this.#state = {
      account: () => this.account,
      db,
      history: new History(db, account.id),
      sync: new SyncState(db, account.id),
      delivery,
      digests: new DigestLog(db, account.id),
      now: options.now ?? Date.now,
    };
    this.#unanalysed = new UnanalysedLog(db, account.id);
    const claims = new Claims(this.#state);
    this.#arrivals = new Arrivals(this.#state, this.#unanalysed, claims);
    this.#learning = new Learning(this.#state);
    this.#upkeep = new Upkeep(this.#state, claims);
  }

  static open(context: EngineContext, account: Account, options: MailboxOptions = {}): AccountMailbox {
    return new AccountMailbox(context, account, options);
  }

  /**
   * Catches up with INBOX once over an open session: every message that arrived since the last
   * run is analysed, recorded, and in enforce mode moved to Rejects. The first run only notes
   * where INBOX is: mail already there is not analysed (docs/analysis.md E8). A move is journalled
   * before it is sent and marked done after; a move a crash interrupted is finished on the next
   * run. Each event is reported to `emit` as it happens. A database that cannot be used (damaged,
   * read-only, disk full) throws a StoreError saying so: the caller stops, it does not retry.
   */
  async catchUp(session: ImapSession, emit: (event: MailboxEvent) => void): Promise<void> {
    try {
      await this.#catchUp(session, emit);
    } catch (err) {
      throwIfStoreFault(err, this.#state.db.name);
      throw err;
    }
  }

  async #catchUp(session: ImapSession, emit: (event: MailboxEvent) => void): Promise<void> {
    const account = this.account.name;
    const learned = (entry: Learned) => emit({ kind: 'learned', account, learned: entry });
    // Junk and Sent first, then the other folders' upkeep: INBOX is selected last, for IDLE to watch.
    const roles = await session.roles(this.account.config.folders);
    for (const role of ['junk', 'sent'] as const) {
      const path = roles[role];
      if (path && path !== INBOX) await this.#learning.follow(session, path, role, learned);
    }
    let repaired = await this.#upkeep.finishMoves(session);
    const retired = await this.#upkeep.retire(session, roles.trash);
    if (retired > 0) emit({ kind: 'retired', account, moves: retired });
    await this.#upkeep.prune();

    const { history, sync, now } = this.#state;
    const inbox = await session.open(INBOX);
    const inboxId = history.mailboxId(INBOX);
    const known = sync.get(inboxId);
    if (!known || known.uidValidity !== inbox.uidValidity) {
      // UIDs of another UIDVALIDITY mean nothing now (RFC 3501 section 2.3.1.1): start from
      // here. Nothing is analysed or trained again (docs/design.md invariant 6): the history knows
      // messages by their bytes, not by UID.
      sync.set(inboxId, { uidValidity: inbox.uidValidity, lastUid: inbox.uidNext - 1, ...modseqOf(inbox) });
      this.#upkeep.dropInboxMoves();
      if (repaired > 0) emit({ kind: 'repaired', account, moves: repaired });
      emit({ kind: 'started', account });
      return;
    }
    repaired += await this.#upkeep.finishInboxMoves(session, inbox.uidValidity);
    if (repaired > 0) emit({ kind: 'repaired', account, moves: repaired });

    // Flags the user set on messages Warden has seen, since the last look.
    if (known.highestModseq && inbox.highestModseq) await this.#learning.flagged(session, known.highestModseq, known.lastUid, inbox.uidValidity, learned);

    const point: InboxPoint = { session, id: inboxId, uidValidity: inbox.uidValidity, lastUid: known.lastUid, highestModseq: known.highestModseq };
    const arrived = (arrival: Arrival) => emit({ kind: 'arrival', account, arrival });
    const maxBytes = this.#state.delivery.settings.maxMessageBytes;
    for await (const batch of session.fetch(await session.uidsAfter(known.lastUid), maxBytes)) {
      for (const message of batch) {
        const arrival = await this.#arrivals.arrive(message, point);
        if (arrival) arrived(arrival);
      }
    }
    // Those that could not be analysed before, when their pause is over.
    const due = new Map(this.#unanalysed.due(inboxId, inbox.uidValidity, now()).map((e) => [e.uid, e]));
    const present = new Set<number>();
    for await (const batch of session.fetch([...due.keys()], maxBytes)) {
      for (const message of batch) {
        present.add(message.uid);
        const arrival = await this.#arrivals.arrive(message, point, due.get(message.uid));
        if (arrival) arrived(arrival);
      }
    }
    for (const [uid, entry] of due) if (!present.has(uid)) this.#unanalysed.resolved(entry.id, now());
    sync.set(inboxId, { uidValidity: inbox.uidValidity, lastUid: point.lastUid, ...modseqOf(inbox) });
  }

  /**
   * Mail already in INBOX, below where Warden started watching (docs/analysis.md E8): analysed only
   * when the user asks, and then only what is unread, unflagged and received since `since`
   * (never moving what the user has already read or flagged). With `dryRun` nothing is recorded
   * or moved: the arrivals say what would be. Otherwise each is handled as a new arrival. Each is
   * told to `onArrival` as it is done, and none is kept, so a backlog of any size takes no more
   * memory than one message; `signal` stops it at the next message. Returns how many were done.
   */
  async analyzeInbox(session: ImapSession, options: InboxAnalysis): Promise<number> {
    const { history, sync, delivery } = this.#state;
    const inbox = await session.open(INBOX);
    const inboxId = history.mailboxId(INBOX);
    let known = sync.get(inboxId);
    if (!known || known.uidValidity !== inbox.uidValidity) {
      // Watching starts here, as on a first run: what is above is catch-up's.
      known = { uidValidity: inbox.uidValidity, lastUid: inbox.uidNext - 1, ...modseqOf(inbox) };
      if (!options.dryRun) sync.set(inboxId, known);
    }
    const watermark = known.lastUid;
    const uids = (await session.search({ seen: false, flagged: false, ...(options.since && { since: options.since }) })).filter((uid) => uid <= watermark);
    const point: InboxPoint = { session, id: inboxId, uidValidity: inbox.uidValidity, lastUid: watermark, ...modseqOf(known) };
    let done = 0;
    for await (const batch of session.fetch(uids, delivery.settings.maxMessageBytes)) {
      for (const message of batch) {
        if (options.signal?.aborted) return done;
        const arrival = options.dryRun ? await this.#arrivals.preview(message, point) : await this.#arrivals.arrive(message, point);
        // Counted, though Warden's own digest is not told as an arrival.
        ++done;
        if (arrival) options.onArrival(arrival, done, uids.length);
      }
    }
    return done;
  }
}
