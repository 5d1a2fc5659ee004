import type { ApiEvent } from '../src/api/contract.ts';
import { clip } from './tray-state.ts';
import type { View } from './routes.ts';

/** A new message the analysis rejected, as a notification tells it. */
export interface Reject {
  account: string;
  /** The message's UID in INBOX when it arrived. */
  uid: number;
  from: string;
  subject: string;
  /** Why, in words. */
  reason: string;
  /** Moved to Rejects (enforce mode); otherwise left in INBOX (observe mode, or the move failed). */
  moved: boolean;
  /** The message's id in the history (what a restore names) and its decision's (what a click opens). */
  message: number;
  decisionId: number;
}

/**
 * The reject an event reports, if it reports one: a new arrival the analysis rejected. Mail
 * seen before, rejects the user put back, and mail another computer's Warden acted on (decided
 * elsewhere: that one tells of it) are not news.
 */
export function rejectOf(event: ApiEvent): Reject | undefined {
  if (event.kind !== 'arrival') return undefined;
  const { arrival } = event;
  if (arrival.known || arrival.restored || arrival.elsewhere || !arrival.decision?.isReject || arrival.message === undefined || arrival.decisionId === undefined) return undefined;
  return {
    account: event.account,
    uid: arrival.uid,
    from: arrival.from,
    subject: arrival.subject,
    reason: arrival.decision.text,
    moved: arrival.moved,
    message: arrival.message,
    decisionId: arrival.decisionId,
  };
}

export interface NotificationModel {
  title: string;
  body: string;
  /** What a click opens: the reject's decision, or a view. */
  open: { reject: Reject } | View;
  /** The reject a "Restore" button puts back in INBOX; only where the platform shows buttons. */
  restore?: Reject;
}

/** More rejects than this at once make one notification that counts them. */
export const BATCH_ABOVE = 3;

/** Electron shows notification buttons on macOS and Windows; Linux notifications have none. */
export function supportsActions(platform: NodeJS.Platform): boolean {
  return platform === 'darwin' || platform === 'win32';
}

/** The notifications for rejects that arrived together. */
export function notificationsFor(rejects: Reject[], platform: NodeJS.Platform): NotificationModel[] {
  if (rejects.length === 0) return [];
  if (rejects.length > BATCH_ABOVE) return [summaryOf(rejects, platform)];
  return rejects.map((reject) => ({
    title: `${reject.moved ? 'Rejected' : 'Would reject'}: ${plain(reject.from, 60)}`,
    body: forBody(`${plain(reject.subject, 100) || '(no subject)'}\n${plain(reject.reason, 120)}`, platform),
    open: { reject },
    ...(reject.moved && supportsActions(platform) ? { restore: reject } : {}),
  }));
}

function summaryOf(rejects: Reject[], platform: NodeJS.Platform): NotificationModel {
  const moved = rejects.filter((r) => r.moved).length;
  const senders = [...new Set(rejects.map((r) => plain(r.from, 40)))];
  const others = senders.length - BATCH_ABOVE;
  const lines = [`From ${senders.slice(0, BATCH_ABOVE).join(', ')}${others > 0 ? ` and ${others} other sender${others === 1 ? '' : 's'}` : ''}.`];
  if (moved > 0 && moved < rejects.length) lines.push(`${rejects.length - moved} of them left in INBOX.`);
  const accounts = [...new Set(rejects.map((r) => r.account))];
  // Mail left in INBOX is not in the Rejects list, but among the decisions.
  const view = moved === 0 ? 'decisions' : 'rejects';
  return {
    title: moved === 0 ? `${rejects.length} messages would be rejected` : `${rejects.length} messages rejected`,
    body: forBody(lines.join('\n'), platform),
    open: accounts.length === 1 ? { view, account: accounts[0] } : { view },
  };
}

// Bidirectional overrides and isolates (Unicode TR9) let a subject show text in another
// order than it has; controls (line breaks, escape codes) would break the notification's layout.
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;
const CONTROLS = /\p{Cc}+/gu;

/** Text from a message, made safe to show: controls and bidi overrides removed, whitespace collapsed, cut to `max` characters. */
export function plain(text: string, max: number): string {
  return clip(text.replace(BIDI_CONTROLS, '').replace(CONTROLS, ' ').replace(/\s+/g, ' ').trim(), max);
}

/**
 * A notification's body. On Linux, notification servers that announce `body-markup` (Desktop
 * Notifications Specification, "Markup") read the body as markup, and Electron passes it
 * unescaped: a subject could carry <a href> or <img src> (a tracking pixel). There `<`, `>`
 * and `&` become lookalikes, which read the same whether or not the server reads markup. The
 * title (the specification's summary) is plain text everywhere.
 */
export function forBody(text: string, platform: NodeJS.Platform): string {
  return platform === 'linux' ? text.replace(/</g, '\u2039').replace(/>/g, '\u203a').replace(/&/g, '\uff06') : text;
}

/** A clock to wait with; tests pass one they move by hand. */
export interface Clock {
  now(): number;
  /** Calls `fn` after `ms`; returns the cancel function. */
  setTimeout(fn: () => void, ms: number): () => void;
}

/**
 * Gathers rejects that arrive close together (a catch-up after sleep brings many at once) so
 * they make one notification rather than a stream of them: the rejects are handed to `flush`
 * once `quietMs` pass without another, or `maxWaitMs` after the first of them at the latest.
 */
export class RejectBatcher {
  #pending: Reject[] = [];
  #firstAt = 0;
  #cancel: (() => void) | undefined;
  readonly #flush: (rejects: Reject[]) => void;
  readonly #clock: Clock;
  readonly #quietMs: number;
  readonly #maxWaitMs: number;

  constructor(flush: (rejects: Reject[]) => void, clock: Clock, quietMs = 2_000, maxWaitMs = 20_000) {
    this.#flush = flush;
    this.#clock = clock;
    this.#quietMs = quietMs;
    this.#maxWaitMs = maxWaitMs;
  }

  add(reject: Reject): void {
    const now = this.#clock.now();
    if (this.#pending.length === 0) this.#firstAt = now;
    this.#pending.push(reject);
    this.#cancel?.();
    const left = this.#firstAt + this.#maxWaitMs - now;
    if (left <= 0) this.flush();
    else this.#cancel = this.#clock.setTimeout(() => this.flush(), Math.min(this.#quietMs, left));
  }

  /** Hands over what is pending now (also when the app quits). */
  flush(): void {
    this.#cancel?.();
    this.#cancel = undefined;
    const rejects = this.#pending;
    this.#pending = [];
    if (rejects.length > 0) this.#flush(rejects);
  }
}

/**
 * The notice that an account's sign-in is gone (revoked, expired): Warden has stopped filtering
 * it, and only the user, signing in again, can start it. Once per loss: the account's states
 * repeat, the notice does not, until the account is watched again.
 */
export class SignInNotices {
  readonly #told = new Set<string>();

  noticeFor(event: ApiEvent, platform: NodeJS.Platform): NotificationModel | undefined {
    if (event.kind !== 'account') return undefined;
    const { account } = event;
    if (!account.needsSignIn) {
      if (account.state === 'watching') this.#told.delete(account.name);
      return undefined;
    }
    if (this.#told.has(account.name)) return undefined;
    this.#told.add(account.name);
    return {
      title: `Sign in again: ${plain(account.name, 60)}`,
      body: forBody(`${plain(account.user, 80)} at ${plain(account.host, 60)} no longer accepts Warden's sign-in. New mail there is not filtered until you sign in again.`, platform),
      open: { view: 'accounts' },
    };
  }
}
