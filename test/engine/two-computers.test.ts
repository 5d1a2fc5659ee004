import Database from 'better-sqlite3';
import { ImapFlow } from 'imapflow';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseFile } from '../../src/engine/data-dir.ts';
import { CLAIM_PREFIX } from '../../src/imap/claim.ts';
import { startDovecot, type Dovecot } from '../helpers/dovecot.ts';
import { syntheticMessage } from '../helpers/synthetic-mail.ts';
import { runWarden, watchWarden, type WatchedWarden } from '../helpers/warden.ts';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

/**
 * Two computers on one mailbox (docs/design.md): a laptop and a desktop, each with its own data
 * folder, both watching the same account in enforce mode. Each message is acted on by exactly
 * one of them, through the claim on the server; the other records it as decided elsewhere;
 * both learn from the user's restores and Junk moves.
 */

interface Computer {
  name: string;
  data: string;
  engine?: WatchedWarden;
}

interface Bed {
  dir: string;
  dovecot: Dovecot;
  client: ImapFlow;
  env: NodeJS.ProcessEnv;
  laptop: Computer;
  desktop: Computer;
}

let bed: Bed | undefined;

afterEach(async () => {
  if (!bed) return;
  for (const c of [bed.laptop, bed.desktop]) c.engine?.child.kill('SIGKILL');
  await bed.client.logout().catch(() => {});
  await bed.dovecot.stop();
  rmSync(bed.dir, { recursive: true, force: true });
  bed = undefined;
});

/** A Dovecot account, and two data folders trained alike, both watching it in enforce mode. */
async function twoComputers(withoutCondstore = false): Promise<Bed> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-two-'));
  const dovecot = await startDovecot({ users: ['alice'], withoutCondstore });
  const alice = dovecot.users[0]!;
  const env = { HOME_PASSWORD: alice.password };
  for (const kind of ['ham', 'spam'] as const) {
    mkdirSync(join(dir, kind));
    for (let i = 0; i < (kind === 'ham' ? 50 : 20); i++) writeFileSync(join(dir, kind, `${i}.eml`), syntheticMessage(kind, i));
  }
  const computer = (name: string): Computer => {
    const data = join(dir, name);
    const steps = [
      ['junk', 'train', '--ham', join(dir, 'ham'), '--spam', join(dir, 'spam')],
      ['account', 'add', 'home', '--host', dovecot.host, '--port', String(dovecot.imapPort), '--tls', 'plain', '--allow-plain', '--user', alice.name, '--password-env', 'HOME_PASSWORD'],
      ['account', 'mode', 'home', 'enforce'],
      // The first run notes where INBOX is: what comes after is new mail.
      ['run', '--once'],
    ];
    for (const step of steps) {
      const r = runWarden(['--data-dir', data, ...step], { env });
      if (r.status !== 0) throw new Error(`${name}: warden ${step.slice(0, 2).join(' ')} failed: ${r.stderr}`);
    }
    return { name, data };
  };
  const client = new ImapFlow({ host: dovecot.host, port: dovecot.imapPort, secure: false, doSTARTTLS: false, auth: { user: alice.name, pass: alice.password }, logger: false });
  client.on('error', () => {});
  await client.connect();
  return { dir, dovecot, client, env, laptop: computer('laptop'), desktop: computer('desktop') };
}

function start(b: Bed, c: Computer): WatchedWarden {
  c.engine = watchWarden(['--data-dir', c.data, 'run', '--json', '--offline'], b.env);
  return c.engine;
}

async function kill(c: Computer): Promise<void> {
  const child = c.engine!.child;
  child.kill('SIGKILL');
  if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('exit', resolve));
}

/** Delivers message `n` (spam when `n` is odd); returns its Message-ID. */
async function deliver(b: Bed, n: number): Promise<string> {
  const raw = syntheticMessage(n % 2 === 1 ? 'spam' : 'ham', 5000 + n);
  await b.client.append('INBOX', raw.replace(/\n/g, '\r\n'));
  return raw.match(/^Message-ID: (.*)$/m)![1]!;
}

/** The Message-IDs in a folder, with the claim keywords of each. */
async function contents(b: Bed, folder: string): Promise<{ id: string; claims: string[] }[]> {
  if (!(await b.client.list()).some((m) => m.path === folder)) return [];
  const lock = await b.client.getMailboxLock(folder);
  try {
    if (b.client.mailbox && b.client.mailbox.exists === 0) return [];
    const found: { id: string; claims: string[] }[] = [];
    for await (const m of b.client.fetch('1:*', { envelope: true, flags: true })) {
      found.push({ id: m.envelope?.messageId ?? '', claims: [...(m.flags ?? [])].filter((f) => f.startsWith(CLAIM_PREFIX)) });
    }
    return found;
  } finally {
    lock.release();
  }
}

/** What one data folder recorded: per Message-ID, whether it moved it, decided it elsewhere, and how the user judged it. */
function recorded(c: Computer): Map<string, { moved: boolean; elsewhere: boolean; notjunk: boolean; junk: boolean; isReject: boolean }> {
  const db = new Database(databaseFile(c.data), { readonly: true });
  try {
    const rows = db
      .prepare(
        `SELECT message_id, elsewhere_at, notjunk, junk, is_reject,
           EXISTS (SELECT 1 FROM journal j WHERE j.fingerprint = m.fingerprint AND j.mailbox = 'INBOX' AND j.done_at IS NOT NULL) AS moved
         FROM msg m`,
      )
      .all() as { message_id: string; elsewhere_at: number | null; notjunk: number; junk: number; is_reject: number; moved: number }[];
    return new Map(rows.map((r) => [`<${r.message_id}>`, { moved: r.moved === 1, elsewhere: r.elsewhere_at !== null, notjunk: r.notjunk === 1, junk: r.junk === 1, isReject: r.is_reject === 1 }]));
  } finally {
    db.close();
  }
}

/** Moves journalled and not yet done (or given up) in a data folder. */
function pending(c: Computer): number {
  const db = new Database(databaseFile(c.data), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM journal WHERE done_at IS NULL').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

async function until<T>(what: string, check: () => Promise<T | undefined>, seconds = 30, describe?: () => Promise<string>): Promise<T> {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    if (Date.now() > end) throw new Error(`not within ${seconds} s: ${what}${describe ? `; ${await describe()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Waits until every spam is in Rejects and no journalled move is left, then checks: each message
 * is where its decision puts it, once (0 lost, 0 duplicated); each reject was moved by exactly
 * one of the two (its journal, and its one claim keyword); the other, where it saw it, recorded it
 * as decided elsewhere.
 */
async function settled(b: Bed, delivered: string[]): Promise<void> {
  const spam = delivered.filter((_, n) => n % 2 === 1);
  const ham = delivered.filter((_, n) => n % 2 === 0);
  const describe = async () =>
    `INBOX ${JSON.stringify(await contents(b, 'INBOX'))}; pending moves: laptop ${pending(b.laptop)}, desktop ${pending(b.desktop)}; ` +
    `stderr: ${b.laptop.engine?.stderr().slice(-500)} | ${b.desktop.engine?.stderr().slice(-500)}`;
  await until('every spam in Rejects, and no move left pending', async () => ((await contents(b, 'Rejects')).length >= spam.length && pending(b.laptop) + pending(b.desktop) === 0 ? true : undefined), 60, describe);
  const rejects = await contents(b, 'Rejects');
  const inbox = await contents(b, 'INBOX');
  expect(rejects.map((m) => m.id).sort()).toEqual([...spam].sort());
  expect(inbox.map((m) => m.id).sort()).toEqual([...ham].sort());
  for (const m of rejects) expect(m.claims, m.id).toHaveLength(1);
  for (const m of inbox) expect(m.claims, m.id).toEqual([]);
  const laptop = recorded(b.laptop);
  const desktop = recorded(b.desktop);
  for (const id of spam) {
    const l = laptop.get(id);
    const d = desktop.get(id);
    expect([l?.moved, d?.moved].filter(Boolean), `${id} moved by exactly one`).toHaveLength(1);
    const loser = l?.moved ? d : l;
    if (loser) expect(loser.elsewhere, `${id} decided elsewhere by the other`).toBe(true);
  }
}

/** `warden run --once` on a computer: a catch-up, as from cron. */
function once(b: Bed, c: Computer): void {
  const r = runWarden(['--data-dir', c.data, 'run', '--once'], { env: b.env });
  if (r.status !== 0) throw new Error(`${c.name}: warden run --once failed: ${r.stderr}`);
}

/** Moves the message with this Message-ID, as the user does in another mail client. */
async function userMoves(b: Bed, id: string, from: string, to: string): Promise<void> {
  const lock = await b.client.getMailboxLock(from);
  try {
    const [uid] = (await b.client.search({ header: { 'message-id': id } }, { uid: true })) || [];
    await b.client.messageMove(`${uid}`, to, { uid: true });
  } finally {
    lock.release();
  }
}

describe('two computers on one mailbox, enforce mode', () => {
  it('acts on each message once while both run and are killed and restarted', async () => {
    const b = (bed = await twoComputers());
    const delivered: string[] = [];
    start(b, b.laptop);
    start(b, b.desktop);
    await Promise.all([b.laptop.engine!.next((e) => e.kind === 'connected'), b.desktop.engine!.next((e) => e.kind === 'connected')]);
    for (let n = 0; n < 24; n++) {
      delivered.push(await deliver(b, n));
      // SIGKILL in the middle of the arrivals, each started again at once; mail goes on
      // arriving while it starts, then both race for each message again.
      if (n === 7 || n === 15) {
        const c = n === 7 ? b.laptop : b.desktop;
        await kill(c);
        start(b, c);
        delivered.push(await deliver(b, ++n));
        await c.engine!.next((e) => e.kind === 'connected');
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await settled(b, delivered);
  }, 120_000);

  it('leaves a message another engine claimed to it, and both learn from the user’s restores and Junk moves', async () => {
    const b = (bed = await twoComputers());
    // The desktop decides a spam without moving it (observe mode), then the laptop moves it:
    // the desktop knows it as a reject it never moved.
    const setMode = (c: Computer, mode: string) => expect(runWarden(['--data-dir', c.data, 'account', 'mode', 'home', mode]).status).toBe(0);
    setMode(b.desktop, 'observe');
    const spam = await deliver(b, 1);
    const ham = await deliver(b, 2);
    once(b, b.desktop);
    setMode(b.desktop, 'enforce');
    once(b, b.laptop);
    once(b, b.desktop);
    expect((await contents(b, 'Rejects')).map((m) => m.id)).toEqual([spam]);
    expect(recorded(b.desktop).get(spam)).toMatchObject({ moved: false, isReject: true });

    // Mail claimed by a third engine (one killed between its claim and its move): both leave it.
    const claimed = syntheticMessage('spam', 7777);
    await b.client.append('INBOX', claimed.replace(/\n/g, '\r\n'), [`${CLAIM_PREFIX}00000000ff`]);
    const claimedId = claimed.match(/^Message-ID: (.*)$/m)![1]!;
    once(b, b.laptop);
    once(b, b.desktop);
    for (const c of [b.laptop, b.desktop]) expect(recorded(c).get(claimedId), c.name).toMatchObject({ moved: false, elsewhere: true });
    expect((await contents(b, 'INBOX')).map((m) => m.id)).toContain(claimedId);

    // The user restores the spam and files the ham as junk: both engines learn from both, the
    // desktop from a restore of a message it did not move (it carries the laptop's claim).
    await userMoves(b, spam, 'Rejects', 'INBOX');
    await userMoves(b, ham, 'INBOX', 'Junk');
    once(b, b.laptop);
    once(b, b.desktop);
    for (const c of [b.laptop, b.desktop]) {
      expect(recorded(c).get(spam), c.name).toMatchObject({ notjunk: true, isReject: false });
      expect(recorded(c).get(ham), c.name).toMatchObject({ junk: true });
    }
    // Restored mail is never rejected again.
    expect((await contents(b, 'INBOX')).map((m) => m.id)).toContain(spam);
  }, 120_000);

  it('acts on each message once under the lease where the server has no CONDSTORE', async () => {
    const b = (bed = await twoComputers(true));
    const delivered: string[] = [];
    start(b, b.laptop);
    start(b, b.desktop);
    await Promise.all([b.laptop.engine!.next((e) => e.kind === 'connected'), b.desktop.engine!.next((e) => e.kind === 'connected')]);
    for (let n = 0; n < 12; n++) delivered.push(await deliver(b, n));
    await settled(b, delivered);
    expect((await b.client.list()).filter((m) => m.path.startsWith('Warden-lease-'))).toHaveLength(1);
  }, 120_000);
});
