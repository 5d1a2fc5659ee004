import type { Folder, FolderRole } from '../imap/roles.ts';
import { ImapSession } from '../imap/session.ts';
import { History } from '../store/history.ts';
import { SyncState } from '../store/sync.ts';
import { endpointOf, type Account } from './accounts.ts';
import type { MailboxOptions } from './mailbox.ts';
import type { EngineContext } from './context.ts';
import { DeliveryService } from './delivery.ts';
import { SIGNIFICANT_HAM } from './junk.ts';
import { JUNK_KEYWORDS, UNSURE_KEYWORD } from './keywords.ts';

/** What a folder's mail teaches: Junk is spam, filed mail ham, INBOX neither, Sent whom the user writes to. */
export type FolderKind = 'spam' | 'ham' | 'neutral' | 'sent';

export interface FolderPlan {
  path: string;
  kind: FolderKind;
}

export interface BootstrapOptions extends MailboxOptions {
  /** Only mail received on or after this date (default: a year back). */
  since?: Date;
  /** At most this many messages per folder, the newest (default 5000). */
  limit?: number;
  /** Called after each message and at each folder's start. */
  onProgress?: (p: { folder: string; kind: FolderKind; done: number; total: number }) => void;
  /** Stops at the next message (Ctrl-C): what is done is kept, and the next run goes on from there. */
  signal?: AbortSignal;
  /**
   * Opt-in: INBOX mail the user has read, received more than this many days ago and not marked
   * junk or unsure, trains the content filter as wanted mail (docs/analysis.md E8, "warm start").
   */
  inboxAsHam?: number;
}

export interface BootstrapResult {
  /** `asHam`: INBOX's read mail newly trained as wanted (inboxAsHam). */
  folders: { path: string; kind: FolderKind; messages: number; added: number; errors: number; asHam?: number }[];
  /**
   * Wanted messages the content filter knows after the run. Under `needHam` (mox's 50), it
   * judges nothing junk yet: the caller offers inboxAsHam.
   */
  hamTrained: number;
  needHam: number;
  /** Stopped by `signal` before the end. */
  interrupted?: true;
}

const DAY_MS = 24 * 3600_000;
const YEAR_MS = 365 * DAY_MS;

/**
 * The folders bootstrap reads, and what each teaches (docs/analysis.md E8). Left out: Rejects (its
 * mail was never the user's judgement), Trash (deleted is not judged, E3), Drafts, folders that
 * hold no mail, and the virtual ones that show mail of other folders again (\All, \Flagged,
 * Gmail's Important), which would count it twice.
 */
export function bootstrapPlan(folders: Folder[], roles: Partial<Record<FolderRole, string>>): FolderPlan[] {
  const skip = new Set([roles.rejects, roles.trash, roles.drafts].filter((p): p is string => p !== undefined));
  const plan: FolderPlan[] = [];
  for (const f of folders) {
    if (f.noselect || skip.has(f.path) || f.specialUse === '\\All' || f.specialUse === '\\Flagged' || f.specialUse === '\\Important') continue;
    const kind: FolderKind = f.path === roles.junk ? 'spam' : f.path === roles.sent ? 'sent' : f.path.toUpperCase() === 'INBOX' ? 'neutral' : 'ham';
    plan.push({ path: f.path, kind });
  }
  return plan;
}

/**
 * Builds an account's history from the mail it already has, so that Warden knows the user's
 * correspondents and judgements from the first day: recipients from Sent, spam from Junk, ham
 * from filed folders, INBOX's mail without a judgement (docs/analysis.md E8). Nothing is moved or
 * analysed. Resumable: each folder's progress is kept per message, and a second run goes on
 * where the first stopped (and then reads only mail filed since).
 */
export async function bootstrap(context: EngineContext, account: Account, options: BootstrapOptions = {}): Promise<BootstrapResult> {
  const history = new History(context.db, account.id);
  const sync = new SyncState(context.db, account.id);
  const delivery = DeliveryService.forAccount(context, { account: account.id });
  const session = await ImapSession.open(endpointOf(account, process.env, options.appSecrets));
  // The wanted mail filed is scored held-out by everything the set-up trained, for the fitted
  // threshold (src/junk/threshold.ts); what a failed run trained too, since its training stays.
  const setUp = delivery.junk.beginSetUp();
  try {
    const plan = bootstrapPlan(await session.folders(), await session.roles(account.config.folders));
    const since = options.since ?? new Date(Date.now() - YEAR_MS);
    const limit = options.limit ?? 5000;
    const result: BootstrapResult = { folders: [], hamTrained: 0, needHam: SIGNIFICANT_HAM };
    const finish = (): BootstrapResult => ({ ...result, hamTrained: delivery.junk.trained().ham });
    for (const { path, kind } of plan) {
      const box = await session.open(path);
      const id = history.mailboxId(path);
      const point = sync.bootstrapPoint(id);
      // Read INBOX mail taken as wanted: INBOX is read again whole, whatever an earlier run without
      // it did; what it recorded is not recorded again, nor trained twice (idempotent by bytes).
      const asHam = kind === 'neutral' && options.inboxAsHam !== undefined;
      const done = point && point.uidValidity === box.uidValidity && !asHam ? point : undefined;
      let selected = (await session.search({ since })).slice(-limit);
      const wanted = new Set(asHam ? await session.search({ since, seen: true, before: new Date(Date.now() - options.inboxAsHam! * DAY_MS), without: [...JUNK_KEYWORDS, UNSURE_KEYWORD] }) : []);
      const hamBefore = delivery.junk.trained().ham;
      if (kind === 'neutral') {
        // INBOX's mail above where watching starts is catch-up's to analyse, not history.
        const watched = sync.get(id);
        const lastUid = watched && watched.uidValidity === box.uidValidity ? watched.lastUid : box.uidNext - 1;
        if (!watched || watched.uidValidity !== box.uidValidity) sync.set(id, { uidValidity: box.uidValidity, lastUid, ...(box.highestModseq && { highestModseq: box.highestModseq }) });
        selected = selected.filter((uid) => uid <= lastUid);
      }
      // What is left: older mail than done (a wider bound), newest first so that the done
      // range stays one range whenever it stops; then newer mail, oldest first.
      const older = done ? selected.filter((uid) => uid < done.firstUid).reverse() : [];
      const newer = done ? selected.filter((uid) => uid > done.lastUid) : selected;
      const range = { uidValidity: box.uidValidity, firstUid: done?.firstUid ?? newer[0] ?? 0, lastUid: done?.lastUid ?? 0 };
      const entry = { path, kind, messages: older.length + newer.length, added: 0, errors: 0 };
      result.folders.push(entry);
      let count = 0;
      options.onProgress?.({ folder: path, kind, done: 0, total: entry.messages });
      for (const [uids, down] of [[older, true], [newer, false]] as const) {
        for await (const batch of session.fetch(uids, delivery.settings.maxMessageBytes)) {
          for (const m of batch) {
            if (options.signal?.aborted) break;
            try {
              if (m.truncated) entry.errors++;
              else if (kind === 'sent') entry.added += (await delivery.sent(m.raw, m.internalDate.getTime())) > 0 ? 1 : 0;
              else {
                // INBOX's mail is not judged; its read mail, when asked, still trains as wanted.
                const label = kind === 'neutral' ? undefined : kind;
                if (await delivery.file(m.raw, m.internalDate.getTime(), label, wanted.has(m.uid) ? 'ham' : label, setUp)) entry.added++;
              }
            } catch {
              // One unreadable message costs only itself (docs/design.md invariant 7).
              entry.errors++;
            }
            options.onProgress?.({ folder: path, kind, done: ++count, total: entry.messages });
          }
          // The training first, then the progress that says it is done.
          delivery.junk.commit();
          if (options.signal?.aborted) {
            // A batch left halfway is not marked done: the next run does it again (training is idempotent).
            result.interrupted = true;
            if (asHam) Object.assign(entry, { asHam: delivery.junk.trained().ham - hamBefore });
            return finish();
          }
          if (batch.length === 0) continue;
          if (down) range.firstUid = batch[0]!.uid;
          else range.lastUid = batch.at(-1)!.uid;
          sync.setBootstrapPoint(id, range);
        }
      }
      sync.setBootstrapPoint(id, { ...range, doneAt: Date.now() });
      if (asHam) Object.assign(entry, { asHam: delivery.junk.trained().ham - hamBefore });
    }
    return finish();
  } finally {
    try {
      delivery.junk.endSetUp(setUp);
    } finally {
      await session.close();
    }
  }
}
