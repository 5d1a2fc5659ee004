import type { Decision } from './delivery.ts';

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
   * destined, and the content filter is trained with it as ham (docs/analysis.md section 8).
   */
  restored: boolean;
  /** Moved to the Rejects folder (enforce mode only). */
  moved: boolean;
  /** Accepted unsure and marked with the $Unsure keyword (enforce mode only, docs/analysis.md 2.5). */
  marked?: true;
  /**
   * Decided elsewhere: another engine watching this mailbox (Warden on another computer) claimed
   * it and acts on it; not moved, and not this engine's reject (docs/design.md).
   */
  elsewhere: boolean;
  /** To be moved once this engine holds INBOX's lease, which another engine holds now (docs/design.md). */
  waiting?: true;
  /** The message's id in the history, and the decision's in the decision log (new decisions only). */
  message?: number;
  decisionId?: number;
  /** Why it was not analysed, or what went wrong after. */
  error?: string;
  /** Not analysed: when Warden tries again; absent when it gave up (docs/analysis.md E7). */
  retryAt?: number;
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

/**
 * What a mailbox's catch-up reports, each as it happens (a decision once it is committed, not
 * when the whole backlog is done): `started` (first run, or INBOX renumbered: existing mail is
 * left alone, docs/analysis.md E8), `repaired` (moves a crash had interrupted, finished now),
 * `retired` (rejects past the retention period moved on to Trash), `arrival`, `learned`.
 */
export type MailboxEvent =
  | { kind: 'started'; account: string }
  | { kind: 'repaired'; account: string; moves: number }
  | { kind: 'retired'; account: string; moves: number }
  | { kind: 'arrival'; account: string; arrival: Arrival }
  | { kind: 'learned'; account: string; learned: Learned };

/** What watching an account reports: its mailbox's events, and its connection's. */
export type WatchEvent =
  | MailboxEvent
  | { kind: 'connected'; account: string }
  | { kind: 'disconnected'; account: string; error: string; retryInMs: number }
  /** `signIn`: the account's OAuth2 sign-in is gone; only signing in again helps. */
  | { kind: 'stopped'; account: string; error: string; signIn?: true }
  /** The daily digest (docs/digest.md): appended to INBOX listing `rejects`, or not, for `error` (tried again later). */
  | { kind: 'digest'; account: string; rejects?: number; error?: string }
  /** The daily backup of the database every account shares failed for `error` (docs/backups.md); tried again later. */
  | { kind: 'backup'; error: string };
