import { ImapError } from '../imap/errors.ts';
import { ImapSession, type Fetched } from '../imap/session.ts';
import { throwIfStoreFault, type Db } from '../store/database.ts';
import { backupIfDue } from '../store/backups.ts';
import { History } from '../store/history.ts';
import { SyncState, type JournalEntry } from '../store/sync.ts';
import { UnanalysedLog, type UnanalysedEntry } from '../store/unanalysed.ts';
import { endpointOf, type Account, type AppSecrets } from './accounts.ts';
import type { EngineContext } from './context.ts';
import { Retention } from './retention.ts';
import { locate } from './mail-actions.ts';
import { DeliveryService, type Decided } from './delivery.ts';
import type { Arrival, Learned, MailboxEvent } from './events.ts';
import type { Label } from './junk.ts';

/** An account's mailbox over its engine's context: the clock (for retries), and its secrets. */
export interface MailboxOptions {
  now?: () => number;
  /** The passwords the desktop app keeps (accounts whose secret is the app's). */
  appSecrets?: AppSecrets;
}

/**
 * Pauses before the retries of a message that could not be analysed (docs/analysis.md E7, section
 * 8: "retried with backoff a few times"); after the last, Warden gives up and leaves it.
 */
export const RETRY_DELAYS_MS = [60_000, 10 * 60_000, 60 * 60_000];

/** How often Rejects is looked through for rejects past the retention period. */
const RETIRE_EVERY_MS = 60 * 60_000;
const DAY_MS = 24 * 60 * 60_000;

const INBOX = 'INBOX';

/**
 * Catches up with one account's INBOX once: every message that arrived since the last run is
 * analysed, recorded, and in enforce mode moved to Rejects. The first run only notes where
 * INBOX is: mail already there is not analysed (docs/analysis.md E8). A move is journalled before it
 * is sent and marked done after; a move a crash interrupted is finished on the next run.
 * A message that cannot be analysed stays where it is (fail open, docs/analysis.md section 8).
 * Each event is reported as it happens.
 */
export function catchUp(context: EngineContext, account: Account, emit: (event: MailboxEvent) => void, options: MailboxOptions = {}): Promise<void> {
  return withMailbox(context, account, options, (mailbox, session) => mailbox.catchUp(session, emit));
}

/** How mail already in INBOX is analysed (AccountMailbox.analyzeInbox). */
export interface InboxAnalysis {
  since?: Date;
  dryRun: boolean;
  onArrival: (a: Arrival, done: number, total: number) => void;
  signal?: AbortSignal;
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
 * An account's state in the data folder: its history, analysis and sync point, over the
 * context its engine shares between accounts. `account` is read at each message, so a mode
 * the user changes takes effect at the next arrival (Engine.update).
 */
export class AccountMailbox {
  account: Account;
  /** The engine's connection (its context's), for what concerns the whole database. */
  readonly #db: Db;
  readonly #history: History;
  readonly #sync: SyncState;
  readonly #unanalysed: UnanalysedLog;
  readonly #delivery: DeliveryService;
  readonly #now: () => number;
  /** When Rejects was last looked through for rejects past the retention period. */
  #retiredAt = -Infinity;
  /** What the history no longer needs, deleted a slice at each catch-up (docs/history.md). */
  readonly #retention: Retention;

  private constructor(context: EngineContext, account: Account, options: MailboxOptions) {
    this.account = account;
    const db = context.db;
    this.#db = db;
    this.#history = new History(db, account.id);
    this.#retention = new Retention(this.#history);
    this.#sync = new SyncState(db, account.id);
    this.#unanalysed = new UnanalysedLog(db, account.id);
    this.#now = options.now ?? Date.now;
    const { providerHosts, folders } = account.config;
    this.#delivery = DeliveryService.forAccount(context, {
      account: account.id,
      overrides: { ...(providerHosts.length > 0 && { providerHosts }), ...(folders.rejects && { rejectsMailbox: folders.rejects }) },
    });
    // Settings that no longer validate stop the account here, with the error that says how to mend them.
    void this.#delivery.settings;
  }

  static open(context: EngineContext, account: Account, options: MailboxOptions = {}): AccountMailbox {
    return new AccountMailbox(context, account, options);
  }

  /**
   * Catches up with INBOX over an open session (see catchUp), reporting each event to `emit` as
   * it happens, then backs the database up when a backup is due (daily, docs/backups.md). A
   * database that cannot be used (damaged, read-only, disk full) throws a StoreError saying so:
   * the caller stops, it does not retry.
   */
  async catchUp(session: ImapSession, emit: (event: MailboxEvent) => void): Promise<void> {
    try {
      await this.#catchUp(session, emit);
      await backupIfDue(this.#db, this.#now());
    } catch (err) {
      throwIfStoreFault(err, this.#db.name);
      throw err;
    }
  }

  async #catchUp(session: ImapSession, emit: (event: MailboxEvent) => void): Promise<void> {
    const account = this.account.name;
    const sync = this.#sync;
    const learned = (entry: Learned) => emit({ kind: 'learned', account, learned: entry });
    // Junk and Sent first: INBOX is selected last, for IDLE to watch.
    const roles = await session.roles(this.account.config.folders);
    for (const role of ['junk', 'sent'] as const) {
      const path = roles[role];
      if (path && path !== INBOX) await this.#follow(session, path, role, learned);
    }
    // Moves out of other folders a crash interrupted, then rejects due for Trash: before INBOX,
    // which is selected last, for IDLE to watch.
    let repaired = 0;
    for (const entry of sync.pending().filter((e) => e.mailbox !== INBOX)) repaired += await this.#repair(session, entry);
    const retired = await this.#retire(session, roles.trash);
    if (retired > 0) emit({ kind: 'retired', account, moves: retired });
    await this.#retention.run(this.#delivery.settings.historyRetentionDays, this.#now());
    const inbox = await session.open(INBOX);
    const inboxId = this.#history.mailboxId(INBOX);
    const known = sync.get(inboxId);

    if (!known || known.uidValidity !== inbox.uidValidity) {
      // UIDs of another UIDVALIDITY mean nothing now (RFC 3501 section 2.3.1.1): start from
      // here. Nothing is analysed or trained again (docs/design.md invariant 6): the history knows
      // messages by their bytes, not by UID. A move a crash left pending under the old
      // UIDVALIDITY cannot be found by UID any more; the message stays in INBOX.
      sync.set(inboxId, { uidValidity: inbox.uidValidity, lastUid: inbox.uidNext - 1, ...modseqOf(inbox) });
      for (const entry of sync.pending().filter((e) => e.mailbox === INBOX)) sync.done(entry.id, this.#now());
      if (repaired > 0) emit({ kind: 'repaired', account, moves: repaired });
      emit({ kind: 'started', account });
      return;
    }

    for (const entry of sync.pending().filter((e) => e.mailbox === INBOX)) {
      // Still in INBOX under the same UIDVALIDITY: the move was not done. Gone: it was.
      if (entry.uidValidity === inbox.uidValidity && (await session.has(entry.uid))) await session.move(entry.uid, entry.target);
      sync.done(entry.id, this.#now());
      repaired++;
    }
    if (repaired > 0) emit({ kind: 'repaired', account, moves: repaired });

    // Flags the user set on messages Warden has seen, since the last look.
    if (known.highestModseq && inbox.highestModseq) await this.#flagged(session, known.highestModseq, known.lastUid, learned);

    const point: InboxPoint = { session, id: inboxId, uidValidity: inbox.uidValidity, lastUid: known.lastUid, highestModseq: known.highestModseq };
    const arrived = (arrival: Arrival) => emit({ kind: 'arrival', account, arrival });
    const maxBytes = this.#delivery.settings.maxMessageBytes;
    for await (const batch of session.fetch(await session.uidsAfter(known.lastUid), maxBytes)) {
      for (const message of batch) arrived(await this.#arrive(message, point));
    }
    // Those that could not be analysed before, when their pause is over.
    const due = new Map(this.#unanalysed.due(inboxId, inbox.uidValidity, this.#now()).map((e) => [e.uid, e]));
    const present = new Set<number>();
    for await (const batch of session.fetch([...due.keys()], maxBytes)) {
      for (const message of batch) {
        present.add(message.uid);
        arrived(await this.#arrive(message, point, due.get(message.uid)));
      }
    }
    for (const [uid, entry] of due) if (!present.has(uid)) this.#unanalysed.resolved(entry.id, this.#now());
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
    const inbox = await session.open(INBOX);
    const inboxId = this.#history.mailboxId(INBOX);
    let known = this.#sync.get(inboxId);
    if (!known || known.uidValidity !== inbox.uidValidity) {
      // Watching starts here, as on a first run: what is above is catch-up's.
      known = { uidValidity: inbox.uidValidity, lastUid: inbox.uidNext - 1, ...modseqOf(inbox) };
      if (!options.dryRun) this.#sync.set(inboxId, known);
    }
    const watermark = known.lastUid;
    const uids = (await session.search({ seen: false, flagged: false, ...(options.since && { since: options.since }) })).filter((uid) => uid <= watermark);
    const point: InboxPoint = { session, id: inboxId, uidValidity: inbox.uidValidity, lastUid: watermark, ...modseqOf(known) };
    let done = 0;
    for await (const batch of session.fetch(uids, this.#delivery.settings.maxMessageBytes)) {
      for (const message of batch) {
        if (options.signal?.aborted) return done;
        options.onArrival(options.dryRun ? await this.#preview(message) : await this.#arrive(message, point), ++done, uids.length);
      }
    }
    return done;
  }

  /** What #arrive would do with a message, doing nothing. */
  async #preview(message: Fetched): Promise<Arrival> {
    try {
      return arrivalOf(message.uid, await this.#decide(message));
    } catch (err) {
      return { ...arrivalOf(message.uid), error: (err as Error).message };
    }
  }

  async #decide(message: Fetched): Promise<Decided> {
    if (message.truncated) throw new Error(`it is larger than ${formatBytes(this.#delivery.settings.maxMessageBytes)}, the most Warden analyses (setting maxMessageBytes)`);
    return this.#delivery.decide(message.raw, message.internalDate.getTime());
  }

  /**
   * One new INBOX message (or one tried again). Its decision is recorded in one transaction
   * with the move it calls for and INBOX's new sync point: were a crash to split them, the
   * next run would find a recorded reject still in INBOX and take it for the user's restore.
   * A message that cannot be analysed stays where it is, logged with the error (E7).
   */
  async #arrive(message: Fetched, point: InboxPoint, retry?: UnanalysedEntry): Promise<Arrival> {
    let decided: Decided;
    try {
      decided = await this.#decide(message);
    } catch (err) {
      // The database failing is no fault of the message's: stop, leave it for after the repair.
      throwIfStoreFault(err, this.#db.name);
      return this.#unanalysable(arrivalOf(message.uid), point, (err as Error).message, retry);
    }
    const { facts, decision, known } = decided;
    const arrival = arrivalOf(message.uid, decided);
    // Known and still recorded as a reject that Warden moved out of INBOX: the user put it
    // back. Learned before the sync point moves past it, so a crash cannot skip the lesson.
    if (known?.isReject && this.#sync.moved(facts.fingerprint)) {
      try {
        await this.#delivery.feedback(known.msg, 'ham', message.raw);
        arrival.restored = true;
      } catch (err) {
        throwIfStoreFault(err, this.#db.name);
        arrival.error = `could not learn from the restore: ${(err as Error).message}`;
      }
    }
    const move = !known && !decision.accept && this.account.mode === 'enforce';
    const now = this.#now();
    const entry = this.#history.transaction(() => {
      if (!known) {
        const ids = this.#delivery.record(decided, message.internalDate.getTime());
        Object.assign(arrival, { message: ids.msg, decisionId: ids.decision });
      }
      if (retry) this.#unanalysed.resolved(retry.id, now);
      this.#advance(point, message.uid);
      return move ? this.#sync.journalMove({ mailbox: INBOX, uidValidity: point.uidValidity, uid: message.uid, fingerprint: facts.fingerprint, target: decision.mailbox }, now) : undefined;
    });
    if (entry === undefined) return arrival;
    try {
      await point.session.move(message.uid, decision.mailbox);
      this.#sync.done(entry, this.#now());
      arrival.moved = true;
    } catch (err) {
      // Left in INBOX and in the journal: the next run tries again.
      arrival.error = `could not move it to ${decision.mailbox}: ${(err as Error).message}`;
    }
    return arrival;
  }

  #unanalysable(arrival: Arrival, point: InboxPoint, error: string, retry: UnanalysedEntry | undefined): Arrival {
    const now = this.#now();
    const delay = RETRY_DELAYS_MS[retry?.attempts ?? 0];
    const retryAt = delay === undefined ? undefined : now + delay;
    this.#history.transaction(() => {
      this.#unanalysed.failed({ mailboxId: point.id, uidValidity: point.uidValidity, uid: arrival.uid }, error, now, retryAt);
      this.#advance(point, arrival.uid);
    });
    return { ...arrival, error, ...(retryAt !== undefined && { retryAt }) };
  }

  /** INBOX's sync point moves past `uid` (never back: a retried message is below it). */
  #advance(point: InboxPoint, uid: number): void {
    if (uid <= point.lastUid) return;
    point.lastUid = uid;
    this.#sync.set(point.id, { uidValidity: point.uidValidity, lastUid: uid, ...modseqOf(point) });
  }

  /** A move out of another folder a crash interrupted: finished if the message is still there. */
  async #repair(session: ImapSession, entry: JournalEntry): Promise<number> {
    try {
      const box = await session.open(entry.mailbox);
      if (box.uidValidity === entry.uidValidity && (await session.has(entry.uid))) await session.move(entry.uid, entry.target);
    } catch (err) {
      // The folder is gone: so is the move's reason. Anything else is the connection's.
      if (!(err instanceof ImapError) || err.kind !== 'protocol') throw err;
    }
    this.#sync.done(entry.id, this.#now());
    return 1;
  }

  /**
   * Rejects older than the retention period (counted from when Warden rejected them, E5) moved
   * on to Trash, journalled like any move; at most hourly, a hundred at a time. Off unless set:
   * Warden deletes nothing, and moves nothing the user has not asked it to (docs/analysis.md 8).
   */
  async #retire(session: ImapSession, trash: string | undefined): Promise<number> {
    const days = this.#delivery.settings.rejectsRetentionDays;
    const now = this.#now();
    if (days === null || !trash || now - this.#retiredAt < RETIRE_EVERY_MS) return 0;
    this.#retiredAt = now;
    let retired = 0;
    for (const stored of this.#history.staleRejects(now - days * DAY_MS, 100)) {
      const from = this.#history.lastDecision(stored.id)?.mailbox ?? this.#delivery.settings.rejectsMailbox;
      const found = await locate(session, from, stored).catch((err: unknown) => {
        if (err instanceof ImapError && err.kind === 'protocol') return undefined;
        throw err;
      });
      if (found) {
        const entry = this.#sync.journalMove({ mailbox: from, uidValidity: found.uidValidity, uid: found.uid, fingerprint: stored.fingerprint, target: trash }, now);
        await session.move(found.uid, trash);
        this.#sync.done(entry, this.#now());
        retired++;
      }
      // Moved on, or no longer there (the user's own doing): either way no longer in Rejects.
      this.#history.retire(stored.id, now);
    }
    return retired;
  }

  /**
   * What appeared in Junk (the user judged it junk: retrain, docs/analysis.md 7.2) or in Sent (its
   * recipients become known correspondents, 3.5) since the last look. The first look starts
   * from there: the folder's earlier mail is bootstrap's business.
   */
  async #follow(session: ImapSession, path: string, role: 'junk' | 'sent', learned: (entry: Learned) => void): Promise<void> {
    // STATUS first: most wakes find nothing new there, and need not select the folder.
    const box = await session.status(path);
    const id = this.#history.mailboxId(path);
    const point = this.#sync.get(id);
    if (!point || point.uidValidity !== box.uidValidity) {
      this.#sync.set(id, { uidValidity: box.uidValidity, lastUid: box.uidNext - 1 });
      return;
    }
    if (box.uidNext - 1 <= point.lastUid) return;
    await session.open(path);
    for await (const batch of session.fetch(await session.uidsAfter(point.lastUid))) {
      for (const m of batch) {
        const entry: Learned = { folder: path, role, uid: m.uid, outcome: '' };
        try {
          entry.outcome = role === 'junk' ? await this.#delivery.judge(m.raw, 'spam') : `${await this.#delivery.sent(m.raw, m.internalDate.getTime())} recipients added`;
        } catch (err) {
          throwIfStoreFault(err, this.#db.name);
          entry.error = (err as Error).message;
        }
        this.#sync.set(id, { uidValidity: box.uidValidity, lastUid: m.uid });
        learned(entry);
      }
    }
  }

  /**
   * $Junk or $NotJunk set by the user (in any mail client) on messages in INBOX since `modseq`
   * trains them so (docs/analysis.md 4.4, mox at H: only when exactly one of the two is set).
   */
  async #flagged(session: ImapSession, modseq: string, lastUid: number, learned: (entry: Learned) => void): Promise<void> {
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
          const outcome = await this.#delivery.judge(m.raw, label);
          if (outcome === 'unchanged') continue;
          entry.outcome = `${outcome} as ${label}`;
        } catch (err) {
          throwIfStoreFault(err, this.#db.name);
          entry.error = (err as Error).message;
        }
        learned(entry);
      }
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

/** An arrival as decided, before anything is done with it; without a decision, not analysed. */
function arrivalOf(uid: number, decided?: Decided): Arrival {
  const arrival: Arrival = { uid, subject: '', from: '', decision: undefined, known: false, restored: false, moved: false };
  if (!decided) return arrival;
  const { facts, decision, known } = decided;
  return {
    ...arrival,
    subject: facts.subject,
    from: facts.from ? `${facts.from.local}@${facts.from.domain}` : '',
    decision,
    known: known !== undefined,
    ...(known && { message: known.msg }),
  };
}

/** Where a catch-up is in INBOX. */
interface InboxPoint {
  session: ImapSession;
  id: number;
  uidValidity: number;
  lastUid: number;
  /** INBOX's HIGHESTMODSEQ at the last look: kept until the catch-up ends, for #flagged. */
  highestModseq?: string;
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / (1024 * 1024))} MB` : `${Math.round(n / 1024)} kB`;
}
