import type { Db } from '../store/database.ts';
import type { History } from '../store/history.ts';
import type { SyncState } from '../store/sync.ts';
import type { Account } from './accounts.ts';
import type { DeliveryService } from './delivery.ts';

export const INBOX = 'INBOX';

/**
 * What the parts of an account's mailbox loop (arrivals, learning, upkeep) share: the account as
 * it is now (its mode may change between two messages), the engine's connection, the account's
 * history and sync points, its analysis, and the clock.
 */
export interface MailboxState {
  readonly account: () => Account;
  readonly db: Db;
  readonly history: History;
  readonly sync: SyncState;
  readonly delivery: DeliveryService;
  readonly now: () => number;
}

/** The HIGHESTMODSEQ to keep, when there is one. */
export function modseqOf(box: { highestModseq?: string }): { highestModseq?: string } {
  return box.highestModseq === undefined ? {} : { highestModseq: box.highestModseq };
}
