import { ImapError } from './errors.ts';
import { STALL_MS, type ImapSession } from './session.ts';

/**
 * Claims: how two engines (two computers, each with its own data folder) watching one mailbox
 * agree that exactly one of them acts on a message (docs/design.md, "Two computers, one
 * mailbox"). An engine that is about to move a message first adds its own keyword to it on the
 * server; whoever's keyword the message carries acted on it. The keyword is the engine's own,
 * so that after a crash it can tell its claim from another's by reading the message's flags.
 */

/** The start of every claim keyword. Keywords are atoms, compared without case (RFC 3501 section 2.3.2). */
export const CLAIM_PREFIX = '$Warden-';

/** The claim keyword of the engine whose data folder has this id (ten hex digits). */
export function claimKeyword(engineId: string): string {
  if (!/^[0-9a-f]{10}$/.test(engineId)) throw new Error(`not an engine id (ten hex digits): ${engineId}`);
  return `${CLAIM_PREFIX}${engineId}`;
}

/** Whose claim a message's flags show: this engine's (`keyword`), another's, or none. */
export function claimedBy(flags: Set<string>, keyword: string): 'mine' | 'other' | 'none' {
  const prefix = CLAIM_PREFIX.toLowerCase();
  const mine = keyword.toLowerCase();
  let found: 'mine' | 'none' = 'none';
  for (const flag of flags) {
    const f = flag.toLowerCase();
    if (!f.startsWith(prefix)) continue;
    // Another's claim beside this engine's: both engines then leave the message alone (each
    // sees the other's), which loses nothing; it cannot happen while both claim as they should.
    if (f !== mine) return 'other';
    found = 'mine';
  }
  return found;
}

/**
 * What a claim came to: `won` (this engine acts), `lost` (another engine claimed it), `gone`
 * (no longer in the mailbox: moved by another engine, or by the user), or `later` (no answer
 * now: another engine holds the mailbox's lease, or the message kept changing; try again at the
 * next catch-up).
 */
export type ClaimOutcome = 'won' | 'lost' | 'gone' | 'later';

/** The message's flags (and MODSEQ) as last seen. */
export interface Seen {
  flags: Set<string>;
  modseq?: bigint;
}

/** How many conditional STOREs a claim tries while unrelated changes (a \Seen) keep beating it. */
const CAS_TRIES = 3;

/**
 * Claims one message of the selected mailbox for the engine whose keyword is `keyword`. With
 * CONDSTORE, a compare-and-set: the keyword is stored only if the message is unchanged since
 * `seen.modseq` (UNCHANGEDSINCE, RFC 7162 section 3.1.3), then read back, since imapflow does not
 * report which UIDs a [MODIFIED] response code names. Without CONDSTORE, under the mailbox's
 * lease (MailboxLease): only the lease holder reads and stores claims. A server that keeps no
 * keywords allows no claim: the message is this engine's (as it was before claims existed).
 */
export async function claim(session: ImapSession, uid: number, keyword: string, seen: Seen, lease: MailboxLease): Promise<ClaimOutcome> {
  const whose = claimedBy(seen.flags, keyword);
  if (whose !== 'none') return whose === 'mine' ? 'won' : 'lost';
  const support = session.claimSupport;
  if (support === 'none') return 'won';
  if (support === 'lease') {
    if (!(await lease.hold(session))) return 'later';
    const now = await session.flagsOf(uid);
    if (!now) return 'gone';
    const whoseNow = claimedBy(now.flags, keyword);
    if (whoseNow !== 'none') return whoseNow === 'mine' ? 'won' : 'lost';
    await session.addKeyword(uid, keyword);
    return 'won';
  }
  let state: Seen | undefined = seen;
  for (let i = 0; i < CAS_TRIES; i++) {
    if (state.modseq === undefined) {
      state = await session.flagsOf(uid);
      if (!state) return 'gone';
      if (state.modseq === undefined) throw new ImapError('protocol', `the server gave no MODSEQ for message ${uid}, though it has CONDSTORE`);
    }
    await session.addKeyword(uid, keyword, state.modseq);
    state = await session.flagsOf(uid);
    if (!state) return 'gone';
    const after = claimedBy(state.flags, keyword);
    if (after !== 'none') return after === 'mine' ? 'won' : 'lost';
    // [MODIFIED] for a change that was no claim (the user read it meanwhile): again, from now.
  }
  return 'later';
}

/** The folders that are the lease: `Warden-lease-N`, the highest N the current one. */
export const LEASE_PREFIX = 'Warden-lease-';

/** How long a lease lasts from its taking, by the clock of each engine (no clock is shared). */
export const LEASE_MS = 120_000;

/**
 * The end of a lease in which a claim may still start: the two commands of a claim are answered
 * within STALL_MS each or the connection is dropped, and clocks may run a tenth apart.
 */
const CLAIM_MARGIN_MS = 2 * STALL_MS + LEASE_MS / 10;

/**
 * The lease on one account's INBOX, for servers without CONDSTORE (docs/design.md, "Without
 * CONDSTORE: a lease"). Taking it is creating the folder of the next generation, which only one
 * engine can do (CREATE fails on an existing name, RFC 3501 section 6.3.3). An engine may take
 * generation N+1 when no lease exists, when it took N itself, or when it has seen N unchanged
 * for LEASE_MS by its own clock: N's taker counts its own LEASE_MS from before it asked, so its
 * lease has ended by then, however it ended (killed, cut off, or idle). Kept per account for
 * the life of the engine, across its sessions.
 */
export class MailboxLease {
  readonly #now: () => number;
  /** The generation this engine took, and when it asked for it. */
  #mine: { generation: number; since: number } | undefined;
  /** The newest generation another engine took, and when this engine first saw it. */
  #seen: { generation: number; since: number } | undefined;
  /** The hold in progress: one at a time, or one engine would race itself for the next generation. */
  #holding: Promise<boolean> = Promise.resolve(false);

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Whether this engine holds the lease long enough to claim a message now; takes it when it may. */
  hold(session: ImapSession): Promise<boolean> {
    const next = this.#holding.catch(() => false).then(() => this.#hold(session));
    this.#holding = next;
    return next;
  }

  async #hold(session: ImapSession): Promise<boolean> {
    const mine = this.#mine;
    if (mine && this.#now() < mine.since + LEASE_MS - CLAIM_MARGIN_MS) return true;
    const generations = (await session.foldersNamed(LEASE_PREFIX)).map((path) => Number(path.slice(LEASE_PREFIX.length))).filter((n) => Number.isSafeInteger(n) && n > 0);
    const current = Math.max(0, ...generations);
    const now = this.#now();
    const seenLong = this.#seen?.generation === current && now - this.#seen.since >= LEASE_MS;
    if (!(current === 0 || mine?.generation === current || seenLong)) {
      this.#mine = undefined;
      if (this.#seen?.generation !== current) this.#seen = { generation: current, since: now };
      return false;
    }
    const next = current + 1;
    if (!(await session.createFolder(`${LEASE_PREFIX}${next}`))) {
      // Another engine took it first: its lease starts no earlier than now.
      this.#mine = undefined;
      this.#seen = { generation: next, since: this.#now() };
      return false;
    }
    this.#mine = { generation: next, since: now };
    // The older generations are no one's now: kept, they would only clutter the folder list.
    for (const old of generations) await session.deleteFolder(`${LEASE_PREFIX}${old}`);
    return this.#now() < now + LEASE_MS - CLAIM_MARGIN_MS;
  }
}
