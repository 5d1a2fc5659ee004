import { ImapFlow } from 'imapflow';
import { claimSupportOf, type ClaimSupport } from './claim-support.ts';
import { describe, ImapError, type Attempt } from './errors.ts';
import { attemptOf, DEFAULT_TIMEOUT_MS, imapflowOptions, listFolders, withLogin, type ImapEndpoint } from './probe.ts';
import { folderRoles, type Folder, type FolderRole } from './roles.ts';
import { withTlsHint } from './tls-hint.ts';

/** A message as fetched, without setting \Seen (BODY.PEEK[], docs/design.md invariant 2). */
export interface Fetched {
  uid: number;
  raw: Buffer;
  internalDate: Date;
  /** Only the first bytes were fetched: the message is larger than asked for. */
  truncated: boolean;
  /** Its flags and keywords when fetched: another engine's claim shows here (src/imap/claim.ts). */
  flags: Set<string>;
  /** Its MODSEQ when fetched, where the session has CONDSTORE (RFC 7162 section 3.1.4). */
  modseq?: bigint;
}

/**
 * Whether one message can be moved without touching others: with MOVE (RFC 6851), or with UID
 * COPY and UID EXPUNGE of exactly its UID (UIDPLUS, RFC 4315). Without both, imapflow would copy
 * and send a plain EXPUNGE, which removes every message marked \Deleted (docs/design.md invariant 1).
 */
export function canMoveOnly(capabilities: string[]): boolean {
  return capabilities.includes('MOVE') || capabilities.includes('UIDPLUS');
}

/**
 * How long one IDLE lasts before it is renewed: under the 30 minutes after which servers may
 * drop it (RFC 2177), and under the 5 minutes after which many NAT routers forget a silent
 * connection.
 */
export const IDLE_MS = 4 * 60_000;

/**
 * How long a session may hear nothing from the server while it waits for an answer before the
 * connection counts as stalled and is dropped (to be reconnected): a command's answer, or
 * IDLE's, which is renewed every STALL_MS * 2/3 so that a live connection is never quiet that
 * long. A peer gone silent in IDLE is found after at most two of these (imapflow first asks NOOP).
 */
export const STALL_MS = 25_000;

/** How many messages are fetched before they are analysed and moved (no command runs inside a fetch). */
const FETCH_BATCH = 20;

/**
 * One logged-in IMAP session on one account, for catching up with INBOX: its UIDVALIDITY and
 * UIDNEXT, the messages after a UID, and moving one by UID. Errors are ImapError.
 */
export class ImapSession {
  readonly #client: ImapFlow;
  readonly #attempt: Attempt & { stallMs: number };

  #folders: Folder[] | undefined;

  /** How many times INBOX changed (a message came or went) while this session was open. */
  #changes = 0;

  private constructor(client: ImapFlow, attempt: Attempt & { stallMs: number }) {
    this.#client = client;
    this.#attempt = attempt;
    // Counted all the time, not only while waiting: a message that arrives during a catch-up
    // is announced then, in the reply to some other command, and must not be missed.
    const count = (event: { path?: string }) => {
      if (event.path === 'INBOX') this.#changes++;
    };
    client.on('exists', count);
    client.on('expunge', count);
    // imapflow reports its socket timeout as an error event, then fails what was pending as a
    // lost connection: remembered, so that the error says it stalled.
    client.on('error', (err: { code?: unknown }) => {
      if (err.code === 'ETIMEOUT') this.#stalled = true;
    });
  }

  /** The connection went quiet for STALL_MS while an answer was due, and was dropped. */
  #stalled = false;

  /** A mark to pass to waitForChange: changes after it end the wait at once. */
  get changes(): number {
    return this.#changes;
  }

  static open(endpoint: ImapEndpoint, timeoutMs = DEFAULT_TIMEOUT_MS, stallMs = STALL_MS): Promise<ImapSession> {
    return withLogin(endpoint, (loggingIn) => ImapSession.#open(loggingIn, timeoutMs, stallMs));
  }

  static async #open(endpoint: ImapEndpoint, timeoutMs: number, stallMs: number): Promise<ImapSession> {
    const attempt = { ...attemptOf(endpoint, timeoutMs), stallMs };
    // Silence while an answer is due is a stall (STALL_MS); IDLE is renewed often enough to
    // never be that quiet when the server is there.
    const client = new ImapFlow({ ...imapflowOptions(endpoint, timeoutMs), socketTimeout: stallMs, maxIdleTime: Math.round((stallMs * 2) / 3) });
    // Errors also arrive as events; without a listener they would crash the process.
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (err) {
      client.close();
      throw await withTlsHint(describe(err, attempt), attempt);
    }
    return new ImapSession(client, attempt);
  }

  get capabilities(): string[] {
    return [...this.#client.capabilities.keys()].map((c) => c.toUpperCase());
  }

  /** Selects a mailbox: its UIDVALIDITY, next UID, and HIGHESTMODSEQ when the server keeps one (CONDSTORE). */
  async open(path: string): Promise<{ uidValidity: number; uidNext: number; highestModseq?: string }> {
    const box = await this.#run(() => this.#client.mailboxOpen(path));
    const modseq = box.highestModseq !== undefined && !box.noModseq ? { highestModseq: box.highestModseq.toString() } : {};
    return { uidValidity: Number(box.uidValidity), uidNext: box.uidNext, ...modseq };
  }

  /** The flags of the messages up to `lastUid` whose flags changed after `modseq` (CONDSTORE, RFC 7162 section 3.1.4). */
  async flagsChangedSince(modseq: string, lastUid: number): Promise<{ uid: number; flags: Set<string> }[]> {
    if (lastUid < 1) return [];
    const changed: { uid: number; flags: Set<string> }[] = [];
    await this.#run(async () => {
      for await (const m of this.#client.fetch(`1:${lastUid}`, { uid: true, flags: true }, { uid: true, changedSince: BigInt(modseq) })) {
        changed.push({ uid: m.uid, flags: m.flags ?? new Set() });
      }
    });
    return changed;
  }

  /** The UIDVALIDITY and next UID of a mailbox, without selecting it (STATUS). */
  async status(path: string): Promise<{ uidValidity: number; uidNext: number }> {
    const status = await this.#run(() => this.#client.status(path, { uidNext: true, uidValidity: true }));
    if (status === false || status.uidValidity === undefined || status.uidNext === undefined) {
      throw new ImapError('protocol', `the server gave no UIDVALIDITY and UIDNEXT for ${path}`);
    }
    return { uidValidity: Number(status.uidValidity), uidNext: status.uidNext };
  }

  /**
   * The account's folders and the roles found for them, with the user's choices first. Listed
   * once per session: folders are rarely renamed, and a new session lists them again.
   */
  async roles(overrides: Partial<Record<FolderRole, string>> = {}): Promise<Partial<Record<FolderRole, string>>> {
    return folderRoles(await this.folders(), overrides);
  }

  /** The account's folders, listed once per session. */
  async folders(): Promise<Folder[]> {
    this.#folders ??= await this.#run(() => listFolders(this.#client));
    return this.#folders;
  }

  /** The UIDs in the selected mailbox above `uid`, ascending. */
  async uidsAfter(uid: number): Promise<number[]> {
    const found = await this.#run(() => this.#client.search({ uid: `${uid + 1}:*` }, { uid: true }));
    // `N:*` also matches the highest UID when it is below N (RFC 3501 section 6.4.8).
    return (found || []).filter((u) => u > uid).sort((a, b) => a - b);
  }

  /**
   * The UIDs in the selected mailbox that are (un)seen, (un)flagged, received since or before a
   * date, have a header field containing a string, or have none of the keywords `without`
   * (RFC 3501 section 6.4.4: SEEN, FLAGGED, SINCE, BEFORE, HEADER, NOT, OR, KEYWORD), ascending.
   */
  async search(query: { seen?: boolean; flagged?: boolean; since?: Date; before?: Date; header?: Record<string, string>; without?: string[] }): Promise<number[]> {
    const { without = [], ...rest } = query;
    const keywords = without.map((keyword) => ({ keyword }));
    const compiled = keywords.length === 0 ? rest : { ...rest, not: keywords.length === 1 ? keywords[0]! : { or: keywords } };
    const found = await this.#run(() => this.#client.search(compiled, { uid: true }));
    return (found || []).sort((a, b) => a - b);
  }

  /**
   * Fetches the messages with these UIDs, in batches, with BODY.PEEK[] (nothing marked seen).
   * The next batch is fetched while the caller works on this one; commands the caller sends
   * meanwhile (a move) queue behind that fetch. A message over `maxBytes` comes with only its
   * first `maxBytes` bytes and `truncated` set.
   */
  async *fetch(uids: number[], maxBytes?: number): AsyncGenerator<Fetched[]> {
    const batches: number[][] = [];
    for (let i = 0; i < uids.length; i += FETCH_BATCH) batches.push(uids.slice(i, i + FETCH_BATCH));
    let next = batches.length > 0 ? this.#fetchBatch(batches[0]!, maxBytes) : undefined;
    for (let i = 0; i < batches.length; i++) {
      const current = await next!;
      next = i + 1 < batches.length ? this.#fetchBatch(batches[i + 1]!, maxBytes) : undefined;
      // Handled here too: a caller that stops early never awaits it, and a lost connection
      // would otherwise reject it unhandled.
      next?.catch(() => {});
      yield current;
    }
  }

  async #fetchBatch(uids: number[], maxBytes: number | undefined): Promise<Fetched[]> {
    const fetched: Fetched[] = [];
    // BODY.PEEK[]<0.N> (RFC 3501 section 6.4.5): a huge message is not downloaded whole.
    const source = maxBytes === undefined ? true : { maxLength: maxBytes };
    await this.#run(async () => {
      for await (const m of this.#client.fetch(uids.join(','), { uid: true, source, size: true, internalDate: true, flags: true }, { uid: true })) {
        if (!m.source) continue;
        fetched.push({
          uid: m.uid,
          raw: m.source,
          internalDate: new Date(m.internalDate ?? Date.now()),
          truncated: (m.size ?? 0) > m.source.length,
          flags: m.flags ?? new Set(),
          // imapflow asks for MODSEQ itself whenever CONDSTORE is enabled.
          ...(m.modseq !== undefined && { modseq: m.modseq }),
        });
      }
    });
    return fetched.sort((a, b) => a.uid - b.uid);
  }

  /** How a message in the selected mailbox can be claimed (claimSupportOf). */
  get claimSupport(): ClaimSupport {
    const support = claimSupportOf(this.#client);
    if (!support) throw new ImapError('protocol', 'no mailbox is selected: a claim is made in the selected mailbox');
    return support;
  }

  /**
   * Adds a keyword to one message of the selected mailbox (UID STORE +FLAGS, RFC 3501 section
   * 6.4.6); a server that keeps no keywords for the mailbox (no \* in PERMANENTFLAGS) refuses: a
   * protocol error. With `unchangedSince`, only if the
   * message's MODSEQ is still at most that (UNCHANGEDSINCE, RFC 7162 section 3.1.3); whether it
   * was stored is for the caller to read back (flagsOf): imapflow answers true for an OK that
   * carries [MODIFIED], and says nothing of which UIDs failed.
   */
  async addKeyword(uid: number, keyword: string, unchangedSince?: bigint): Promise<void> {
    if (unchangedSince !== undefined && this.claimSupport !== 'condstore') {
      throw new ImapError('protocol', `the server at ${this.#attempt.host} has no CONDSTORE for this mailbox: a conditional STORE would be sent as a plain one`);
    }
    const stored = await this.#run(() => this.#client.messageFlagsAdd(`${uid}`, [keyword], { uid: true, ...(unchangedSince !== undefined && { unchangedSince }) }));
    if (!stored) throw new ImapError('protocol', `the server at ${this.#attempt.host} did not store the keyword ${keyword} on message ${uid}`);
  }

  /** The flags (and MODSEQ, with CONDSTORE) of one message in the selected mailbox; undefined when it is gone. */
  async flagsOf(uid: number): Promise<{ flags: Set<string>; modseq?: bigint } | undefined> {
    let found: { flags: Set<string>; modseq?: bigint } | undefined;
    await this.#run(async () => {
      for await (const m of this.#client.fetch(`${uid}`, { uid: true, flags: true }, { uid: true })) {
        if (m.uid === uid) found = { flags: m.flags ?? new Set(), ...(m.modseq !== undefined && { modseq: m.modseq }) };
      }
    });
    return found;
  }

  /**
   * The names of the account's folders that start with `prefix`, listed now (not the session's
   * cached list: another engine may have created or deleted some since).
   */
  async foldersNamed(prefix: string): Promise<string[]> {
    const all = await this.#run(() => this.#client.list());
    return all.map((f) => f.path).filter((p) => p.startsWith(prefix));
  }

  /**
   * Creates a folder; false when it exists already, which is how two sessions racing to
   * create one name learn which of them made it (RFC 3501 section 6.3.3: CREATE of an existing
   * name is an error).
   */
  async createFolder(path: string): Promise<boolean> {
    try {
      const made = await this.#run(() => this.#client.mailboxCreate(path));
      return made.created;
    } catch (err) {
      // A NO without RFC 5530's ALREADYEXISTS: the listing says whether that was why.
      if (err instanceof ImapError && err.kind === 'protocol' && (await this.foldersNamed(path)).includes(path)) return false;
      throw err;
    }
  }

  /** Deletes a folder, and its subscription (CREATE subscribed it); one already gone is no error. */
  async deleteFolder(path: string): Promise<void> {
    try {
      await this.#run(() => this.#client.mailboxUnsubscribe(path));
      await this.#run(() => this.#client.mailboxDelete(path));
    } catch (err) {
      if (!(err instanceof ImapError && err.kind === 'protocol' && !(await this.foldersNamed(path)).includes(path))) throw err;
    }
  }

  /** Whether the selected mailbox still holds the UID. */
  async has(uid: number): Promise<boolean> {
    const found = await this.#run(() => this.#client.search({ uid: `${uid}` }, { uid: true }));
    return (found || []).includes(uid);
  }

  /**
   * Moves one message by UID to `target`, creating it when missing: UID MOVE, or where the
   * server lacks MOVE, imapflow's UID COPY and UID EXPUNGE of exactly that UID (UIDPLUS).
   * Returns its UID in the target when the server says (COPYUID).
   */
  async move(uid: number, target: string): Promise<number | undefined> {
    if (!canMoveOnly(this.capabilities)) {
      throw new ImapError(
        'protocol',
        `the server at ${this.#attempt.host} has neither MOVE nor UIDPLUS: moving a message there would expunge every message marked deleted in INBOX, so Warden leaves it where it is`,
      );
    }
    // The session's folder list (listed once) says whether it exists.
    const folders = await this.folders();
    if (!folders.some((f) => f.path === target)) {
      await this.#run(() => this.#client.mailboxCreate(target));
      folders.push({ path: target, name: target.split('/').pop()!, delimiter: '/' });
    }
    const moved = await this.#run(() => this.#client.messageMove(`${uid}`, target, { uid: true }));
    if (moved === false) throw new ImapError('protocol', `the server did not move message ${uid} to ${target}`);
    return moved.uidMap?.get(uid);
  }

  /**
   * Appends a message to a mailbox, neither seen nor flagged (RFC 3501 section 6.3.11). Returns
   * its UID there when the server says (APPENDUID, RFC 4315).
   */
  async append(path: string, raw: Buffer): Promise<{ uidValidity: number; uid: number } | undefined> {
    const appended = await this.#run(() => this.#client.append(path, raw));
    if (appended === false) throw new ImapError('protocol', `the server did not take the message into ${path}`);
    return appended.uid !== undefined && appended.uidValidity !== undefined ? { uidValidity: Number(appended.uidValidity), uid: appended.uid } : undefined;
  }

  /**
   * Waits in INBOX (selected) until a message comes or goes after `mark` (see `changes`),
   * `maxMs` passes, or `signal` aborts: with IDLE (RFC 2177) where the server has it, else by
   * asking NOOP every few seconds. The next command ends the IDLE. Rejects with ImapError when
   * the connection is lost.
   */
  async waitForChange(signal: AbortSignal, maxMs: number, mark: number): Promise<void> {
    const client = this.#client;
    const idle = client.capabilities.has('IDLE');
    if (this.#changes !== mark) return;
    // Lost already (its close event has come and gone): waiting for one would last maxMs.
    if (!client.usable) throw this.#lost();
    await new Promise<void>((resolve, reject) => {
      let poll: NodeJS.Timeout | undefined;
      const finish = (err?: Error) => {
        client.off('exists', onExists);
        client.off('expunge', onExists);
        client.off('close', onClose);
        clearTimeout(timer);
        clearInterval(poll);
        signal.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      // A new message, or one gone from INBOX (the user may have moved it to Junk).
      const onExists = (event: { path?: string }) => {
        if (event.path === 'INBOX') finish();
      };
      const onAbort = () => finish();
      const onClose = () => finish(this.#lost());
      const timer = setTimeout(() => finish(), maxMs);
      client.on('exists', onExists);
      client.on('expunge', onExists);
      client.on('close', onClose);
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) return finish();
      if (idle) client.idle().catch(() => {});
      else poll = setInterval(() => void client.noop().catch(() => {}), 5_000);
    });
  }

  async close(): Promise<void> {
    try {
      await this.#client.logout();
    } catch {
      this.#client.close();
    }
  }

  #lost(): ImapError {
    if (this.#stalled) return this.#stall();
    return new ImapError('network', `the connection to ${this.#attempt.host}:${this.#attempt.port} was lost`, 'ECONNRESET');
  }

  async #run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw this.#stalled ? this.#stall() : describe(err, this.#attempt);
    }
  }

  /** A stall: the session was up, so no hint about ports or TLS applies. */
  #stall(): ImapError {
    const { host, port, stallMs } = this.#attempt;
    return new ImapError('timeout', `the connection to ${host}:${port} stalled: nothing came for ${Math.round(stallMs / 1000)} s`, 'ETIMEOUT');
  }
}
