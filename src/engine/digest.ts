import { fingerprint } from '../mail/fingerprint.ts';
import { ImapSession } from '../imap/session.ts';
import { DigestLog } from '../store/digests.ts';
import { endpointOf, type Account, type AppSecrets } from './accounts.ts';
import type { EngineContext } from './context.ts';
import { INBOX } from './mailbox-state.ts';

const DAY_MS = 24 * 60 * 60_000;

/** How often the engine looks whether a digest is due: a computer woken from sleep sends it within this. */
export const DIGEST_CHECK_MS = 5 * 60_000;

export interface DigestOptions {
  now?: () => number;
  appSecrets?: AppSecrets;
}

/**
 * The daily digest of one account (docs/digest.md): when the setting is on and the day's hour
 * has come, one message listing the rejects since the last digest, made here and appended to
 * INBOX (RFC 3501 section 6.3.11), never sent. Each digest is recorded, the message's SHA-256
 * before it is appended, so that a restart makes no second one the same day and the arrival
 * loop knows the message for Warden's own. Returns how many rejects the digest appended now
 * lists, or undefined when none was appended (not due, or nothing rejected).
 */
export async function digestIfDue(context: EngineContext, account: Account, options: DigestOptions = {}): Promise<number | undefined> {
  const { enabled, hour } = context.settings.get().digest;
  if (!enabled) return undefined;
  const now = options.now ?? Date.now;
  const at = now();
  const due = dueAt(hour, at);
  const log = new DigestLog(context.db, account.id);
  const last = log.last();
  if (last && last.madeAt >= due) return undefined;
  // The first digest covers the day before its hour.
  const since = last?.madeAt ?? due - DAY_MS;
  const upTo = log.lastDecisionId();
  const rejects = log.rejects(last?.lastDecisionId ?? 0, upTo, last ? 0 : since);
  if (rejects.length === 0) {
    log.record({ madeAt: at, lastDecisionId: upTo, rejects: 0 });
    return undefined;
  }
  const session = await ImapSession.open(endpointOf(account, process.env, options.appSecrets));
  try {
    // A digest whose APPEND got no answer (the connection dropped) may be in INBOX all the same:
    // then it was the day's, and a second would be a duplicate.
    const unconfirmed = log.unconfirmed();
    if (unconfirmed) {
      await session.open(INBOX);
      if ((await session.search({ header: { 'Message-ID': unconfirmed.messageId } })).length > 0) {
        log.appended(unconfirmed.id, now());
        return undefined;
      }
    }
    // Loaded when a digest is made: the composer (nodemailer's) is not needed between digests.
    const { digestMessage } = await import('./digest-message.ts');
    const message = await digestMessage({ account: account.name, user: account.config.user }, rejects, since, at);
    // Known before it can appear in INBOX: the arrival loop may see it before APPEND answers.
    const id = log.record({ madeAt: at, lastDecisionId: upTo, rejects: rejects.length, message: { fingerprint: fingerprint(message.raw), messageId: message.messageId } });
    log.appended(id, now(), await session.append(INBOX, message.raw));
    return rejects.length;
  } finally {
    await session.close();
  }
}

/** The last time the clock of this computer showed `hour`:00, at or before `now`. */
export function dueAt(hour: number, now: number): number {
  const d = new Date(now);
  d.setHours(hour, 0, 0, 0);
  if (d.getTime() > now) d.setDate(d.getDate() - 1);
  return d.getTime();
}
