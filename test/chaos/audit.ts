import Database from 'better-sqlite3';
import type { ImapFlow } from 'imapflow';
import { fingerprint } from '../../src/mail/fingerprint.ts';

/**
 * The checks on each delivered message, by the name they are printed under; every one must find
 * nothing. lost: in neither INBOX nor Rejects. duplicated: found more than once, in one folder or
 * across both. reRejected: put back in INBOX by the user, and not in INBOX at the end. misplaced:
 * not where Warden's decision puts it (a reject in INBOX, accepted mail in Rejects). undecided: no
 * decision recorded. decidedTwice: a message is analysed once (docs/analysis.md E1). unlearned: put
 * back by the user, and still recorded as a reject (by any computer that decided it before; one that
 * first saw it after the restore, claimed by the other, cannot tell it from a message claimed and
 * not yet moved, and records it as decided elsewhere, docs/design.md). actedTwice:
 * with two computers on the mailbox, moved by both (each journalled the move as done).
 */
export const CHECKS = {
  lost: 'lost',
  duplicated: 'duplicated',
  reRejected: 're-rejected after restore',
  misplaced: 'misplaced (not where decided)',
  undecided: 'undecided',
  decidedTwice: 'decided twice',
  unlearned: 'restores not learned',
  learnedWrongly: 'rejects learned as wanted mail, not put back',
  actedTwice: 'acted on by both computers',
} as const;
export type Check = keyof typeof CHECKS;

/** A delivered message that failed a check, with what is known of it. */
export interface Finding {
  check: Check;
  fingerprint: string;
  inInbox: number;
  inRejects: number;
  restoredByUser: boolean;
  /** The first recorded decision, and whether the history still has it as a reject. */
  recorded?: { accept: boolean; reason: string; isReject: boolean };
}

/** Where the backlog ended up, against what Warden decided and what the user did. */
export interface Audit {
  counts: Record<Check, number>;
  findings: Finding[];
  inInbox: number;
  inRejects: number;
  accepted: number;
  rejected: number;
  /** Moves journalled and never marked done. */
  pendingMoves: number;
  /** Per computer: the messages it moved out of INBOX, and those it recorded as decided elsewhere. */
  computers: { moved: number; elsewhere: number }[];
  /** Messages in INBOX or Rejects that are not of the backlog. */
  strays: number;
}

interface Recorded {
  accept: boolean;
  reason: string;
  mailbox: string;
  isReject: boolean;
  decisions: number;
  decidedAt: number;
  /** This computer moved it out of INBOX (its journal says so). */
  moved: boolean;
  elsewhere: boolean;
}

/**
 * Reads INBOX and Rejects whole and the history in each data directory (one per computer on the
 * mailbox), and checks every delivered message: found exactly once, in the folder its decision
 * puts it in, or in INBOX if the user put it back (and that learned); with two computers, acted
 * on by one. The decision that counts is the one of the computer that moved it, else one that
 * rejected it, else any.
 */
export async function audit(client: ImapFlow, dbFiles: string[], account: string, delivered: string[], restored: Map<string, number>): Promise<Audit> {
  const inbox = await folderContents(client, 'INBOX');
  const rejects = await folderContents(client, 'Rejects');
  const folders = new Map([['INBOX', inbox], ['Rejects', rejects]]);
  const histories = dbFiles.map((file) => history(file, account));
  const count = (m: Map<string, number>, id: string) => m.get(id) ?? 0;
  const a: Audit = {
    counts: { lost: 0, duplicated: 0, reRejected: 0, misplaced: 0, undecided: 0, decidedTwice: 0, unlearned: 0, learnedWrongly: 0, actedTwice: 0 },
    findings: [],
    inInbox: 0,
    inRejects: 0,
    accepted: 0,
    rejected: 0,
    pendingMoves: histories.reduce((n, h) => n + h.pendingMoves, 0),
    strays: 0,
    computers: histories.map((h) => ({ moved: [...h.messages.values()].filter((m) => m.moved).length, elsewhere: [...h.messages.values()].filter((m) => m.elsewhere).length })),
  };
  for (const id of delivered) {
    const i = count(inbox, id);
    const r = count(rejects, id);
    const put = restored.has(id);
    const records = histories.map((h) => h.messages.get(id)).filter((m): m is Recorded => m !== undefined);
    const decision = records.find((m) => m.moved) ?? records.find((m) => !m.accept) ?? records[0];
    const failed = (check: Check) => {
      a.counts[check]++;
      a.findings.push({
        check,
        fingerprint: id,
        inInbox: i,
        inRejects: r,
        restoredByUser: put,
        ...(decision && { recorded: { accept: decision.accept, reason: decision.reason, isReject: decision.isReject } }),
      });
    };
    a.inInbox += i;
    a.inRejects += r;
    if (i + r === 0) failed('lost');
    if (i + r > 1) failed('duplicated');
    if (put && i === 0) failed('reRejected');
    if (!decision) {
      failed('undecided');
      continue;
    }
    if (decision.accept) a.accepted++;
    else a.rejected++;
    if (records.some((m) => m.decisions > 1)) failed('decidedTwice');
    if (put && records.some((m) => m.isReject && !(m.elsewhere && m.decidedAt >= restored.get(id)!))) failed('unlearned');
    // What two engines on one folder did: one's move taken by the other for the user's restore.
    if (!put && records.some((m) => !m.accept && !m.isReject)) failed('learnedWrongly');
    if (records.filter((m) => m.moved).length > 1) failed('actedTwice');
    const expected = folders.get(put || decision.accept ? 'INBOX' : decision.mailbox);
    if (i + r === 1 && (!expected || count(expected, id) !== 1)) failed('misplaced');
  }
  const backlog = new Set(delivered);
  for (const folder of [inbox, rejects]) for (const [id, n] of folder) if (!backlog.has(id)) a.strays += n;
  return a;
}

/** How many times each message (by fingerprint) is in a folder; empty when the folder does not exist. */
async function folderContents(client: ImapFlow, path: string): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  if (!(await client.list()).some((m) => m.path === path)) return found;
  const lock = await client.getMailboxLock(path, { readOnly: true });
  try {
    if (client.mailbox && client.mailbox.exists === 0) return found;
    for await (const m of client.fetch('1:*', { source: true })) {
      const id = fingerprint(m.source!);
      found.set(id, (found.get(id) ?? 0) + 1);
    }
  } finally {
    lock.release();
  }
  return found;
}

/** The account's recorded decisions by fingerprint (the first decision's outcome), and its unfinished moves. */
function history(file: string, account: string): { messages: Map<string, Recorded>; pendingMoves: number } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const id = (db.prepare('SELECT id FROM account WHERE name = ?').get(account) as { id: number }).id;
    const rows = db
      .prepare(
        `SELECT m.fingerprint, m.is_reject, m.elsewhere_at, d.decided_at, d.accept, d.reason, d.mailbox, (SELECT count(*) FROM decision WHERE msg_id = m.id) AS decisions,
           EXISTS (SELECT 1 FROM journal j WHERE j.account_id = m.account_id AND j.fingerprint = m.fingerprint AND j.mailbox = 'INBOX' AND j.done_at IS NOT NULL) AS moved
         FROM msg m JOIN decision d ON d.id = (SELECT min(id) FROM decision WHERE msg_id = m.id)
         WHERE m.account_id = ?`,
      )
      .all(id) as { fingerprint: string; is_reject: number; elsewhere_at: number | null; decided_at: number; accept: number; reason: string; mailbox: string; decisions: number; moved: number }[];
    const messages = new Map<string, Recorded>(
      rows.map((r) => [
        r.fingerprint,
        { accept: r.accept === 1, reason: r.reason, mailbox: r.mailbox, isReject: r.is_reject === 1, decisions: r.decisions, decidedAt: r.decided_at, moved: r.moved === 1, elsewhere: r.elsewhere_at !== null },
      ]),
    );
    const pending = db.prepare('SELECT count(*) AS n FROM journal WHERE account_id = ? AND done_at IS NULL').get(id) as { n: number };
    return { messages, pendingMoves: pending.n };
  } finally {
    db.close();
  }
}
