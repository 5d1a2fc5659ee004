import type { Fetched, ImapSession } from '../imap/session.ts';
import { fingerprint } from '../mail/fingerprint.ts';
import { throwIfStoreFault } from '../store/database.ts';
import type { UnanalysedEntry, UnanalysedLog } from '../store/unanalysed.ts';
import type { Claims } from './claims.ts';
import type { Decided } from './delivery.ts';
import type { Arrival } from './events.ts';
import { UNSURE_KEYWORD } from './keywords.ts';
import { INBOX, modseqOf, type MailboxState } from './mailbox-state.ts';
import { setKeyword } from './unsure-mark.ts';

/**
 * Pauses before the retries of a message that could not be analysed (docs/analysis.md E7, section
 * 8: "retried with backoff a few times"); after the last, Warden gives up and leaves it.
 */
export const RETRY_DELAYS_MS = [60_000, 10 * 60_000, 60 * 60_000];

/** Where a catch-up is in INBOX. */
export interface InboxPoint {
  session: ImapSession;
  id: number;
  uidValidity: number;
  lastUid: number;
  /** INBOX's HIGHESTMODSEQ at the last look: kept until the catch-up ends, for the flag scan. */
  highestModseq?: string;
}

/**
 * New INBOX messages, one at a time: each is analysed, recorded with INBOX's new sync point, and
 * in enforce mode moved to Rejects. A message that cannot be analysed stays where it is, logged
 * for a retry (fail open, docs/analysis.md section 8).
 */
export class Arrivals {
  readonly #state: MailboxState;
  readonly #unanalysed: UnanalysedLog;
  readonly #claims: Claims;

  constructor(state: MailboxState, unanalysed: UnanalysedLog, claims: Claims) {
    this.#state = state;
    this.#unanalysed = unanalysed;
    this.#claims = claims;
  }

  /** What `arrive` would do with a message, doing nothing; nothing for Warden's own digest. */
  async preview(message: Fetched, point: InboxPoint): Promise<Arrival | undefined> {
    if (this.#isDigest(message, point)) return undefined;
    try {
      return arrivalOf(message.uid, await this.#decide(message));
    } catch (err) {
      return { ...arrivalOf(message.uid), error: (err as Error).message };
    }
  }

  async #decide(message: Fetched): Promise<Decided> {
    const { delivery } = this.#state;
    if (message.truncated) throw new Error(`it is larger than ${formatBytes(delivery.settings.maxMessageBytes)}, the most Warden analyses (setting maxMessageBytes)`);
    return delivery.decide(message.raw, message.internalDate.getTime());
  }

  /**
   * One new INBOX message (or one tried again). Its decision is recorded in one transaction
   * with the move it calls for and INBOX's new sync point: were a crash to split them, the
   * next run would find a recorded reject still in INBOX and take it for the user's restore.
   * The move waits for the message's claim (docs/design.md, "Two computers, one mailbox"): one
   * another engine claimed is recorded as decided elsewhere, and left to it. A message that
   * cannot be analysed stays where it is, logged with the error (E7). Warden's own digest is
   * passed over: not analysed, recorded or learned from, and no arrival.
   */
  async arrive(message: Fetched, point: InboxPoint, retry?: UnanalysedEntry): Promise<Arrival | undefined> {
    const { db, history, sync, delivery, now } = this.#state;
    if (this.#isDigest(message, point)) {
      this.#advance(point, message.uid);
      return undefined;
    }
    let decided: Decided;
    try {
      decided = await this.#decide(message);
    } catch (err) {
      // The database failing is no fault of the message's: stop, leave it for after the repair.
      throwIfStoreFault(err, db.name);
      return this.#unanalysable(arrivalOf(message.uid), point, (err as Error).message, retry);
    }
    const { facts, decision, known } = decided;
    const arrival = arrivalOf(message.uid, decided);
    const whose = this.#claims.whose(message.flags);
    // Known and back in INBOX: the user put it back, when it is a reject this engine moved out of
    // INBOX, or, under a UID new to this engine, one another engine acted on or that carries its
    // claim (only a claimed message leaves INBOX for Rejects, and a move keeps its keywords: RFC
    // 3501 section 6.4.7; under its old UID it never left: claimed, and not moved yet). This
    // engine's own claim says nothing more than its journal: a copy of a message it moved and
    // the user restored once already is no second restore. Learned before the sync point moves
    // past it, so a crash cannot skip the lesson.
    const cameBack = message.uid > point.lastUid && (known?.elsewhere === true || whose === 'other');
    if (known && ((known.isReject && sync.moved(facts.fingerprint)) || cameBack)) {
      try {
        await delivery.feedback(known.msg, 'ham', message.raw);
        arrival.restored = true;
      } catch (err) {
        throwIfStoreFault(err, db.name);
        arrival.error = `could not learn from the restore: ${(err as Error).message}`;
      }
    }
    // New, yet claimed already: another engine acted on it (or this one did, and its history
    // has forgotten the message since): not this engine's to move or mark.
    arrival.elsewhere = !known && whose === 'other';
    const enforce = whose === 'none' && this.#state.account().mode === 'enforce';
    const move = !known && !decision.accept && enforce;
    // Accepted unsure: marked where it is, for the user to judge (docs/analysis.md 2.5). In
    // observe mode only recorded: observing changes nothing on the server. Two engines may both
    // mark it: a keyword set twice is set once.
    const mark = !known && decision.accept && decision.unsure === true && enforce;
    const at = now();
    const target = { mailbox: INBOX, uidValidity: point.uidValidity, uid: message.uid, fingerprint: facts.fingerprint, target: decision.mailbox, claimed: false };
    const entry = history.transaction(() => {
      if (!known) {
        const ids = delivery.record(decided, message.internalDate.getTime());
        Object.assign(arrival, { message: ids.msg, decisionId: ids.decision });
        if (arrival.elsewhere) history.decidedElsewhere(ids.msg, at);
      }
      if (retry) this.#unanalysed.resolved(retry.id, at);
      this.#advance(point, message.uid);
      if (mark) return sync.journalKeyword({ ...target, target: UNSURE_KEYWORD }, at);
      return move ? sync.journalMove(target, at) : undefined;
    });
    if (entry === undefined) return arrival;
    if (mark) {
      try {
        await setKeyword(this.#state, point.session, { id: entry, uid: message.uid, target: UNSURE_KEYWORD });
        arrival.marked = true;
      } catch (err) {
        arrival.error = `could not mark it ${UNSURE_KEYWORD}: ${(err as Error).message}`;
      }
      return arrival;
    }
    try {
      const settled = await this.#claims.settle(point.session, { id: entry, action: 'move', ...target }, message);
      arrival.moved = settled === 'moved';
      arrival.elsewhere = settled === 'elsewhere';
      // Another engine holds INBOX's lease: the claim is made at a later catch-up (upkeep).
      if (settled === 'later') arrival.waiting = true;
    } catch (err) {
      // Left in INBOX and in the journal: the next run tries again.
      arrival.error = `could not move it to ${decision.mailbox}: ${(err as Error).message}`;
    }
    return arrival;
  }

  /** One of Warden's daily digests (docs/digest.md), known by its bytes or its UID, never by a header. */
  #isDigest(message: Fetched, point: InboxPoint): boolean {
    return this.#state.digests.isDigest(fingerprint(message.raw), { uidValidity: point.uidValidity, uid: message.uid });
  }

  #unanalysable(arrival: Arrival, point: InboxPoint, error: string, retry: UnanalysedEntry | undefined): Arrival {
    const now = this.#state.now();
    const delay = RETRY_DELAYS_MS[retry?.attempts ?? 0];
    const retryAt = delay === undefined ? undefined : now + delay;
    this.#state.history.transaction(() => {
      this.#unanalysed.failed({ mailboxId: point.id, uidValidity: point.uidValidity, uid: arrival.uid }, error, now, retryAt);
      this.#advance(point, arrival.uid);
    });
    return { ...arrival, error, ...(retryAt !== undefined && { retryAt }) };
  }

  /** INBOX's sync point moves past `uid` (never back: a retried message is below it). */
  #advance(point: InboxPoint, uid: number): void {
    if (uid <= point.lastUid) return;
    point.lastUid = uid;
    this.#state.sync.set(point.id, { uidValidity: point.uidValidity, lastUid: uid, ...modseqOf(point) });
  }
}

/** An arrival as decided, before anything is done with it; without a decision, not analysed. */
function arrivalOf(uid: number, decided?: Decided): Arrival {
  const arrival: Arrival = { uid, subject: '', from: '', decision: undefined, known: false, restored: false, moved: false, elsewhere: false };
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

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / (1024 * 1024))} MB` : `${Math.round(n / 1024)} kB`;
}
