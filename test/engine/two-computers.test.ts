import Database from 'better-sqlite3';
import { ImapFlow } from 'imapflow';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountService, endpointOf } from '../../src/engine/accounts.ts';
import { EngineContext } from '../../src/engine/context.ts';
import { AccountMailbox } from '../../src/engine/mailbox.ts';
import { ImapSession } from '../../src/imap/session.ts';
import { databaseFile } from '../../src/engine/data-dir.ts';
import { CLAIM_PREFIX } from '../../src/imap/claim.ts';
import { startDovecot, type Dovecot } from '../helpers/dovecot.ts';
import { syntheticMessage } from '../helpers/synthetic-mail.ts';
import { runWarden, watchWarden, type WatchedWarden } from '../helpers/warden.ts';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

let bed: Bed;

beforeAll(async () => {
  bed = await twoComputers();
}, 120_000);

afterAll(async () => {
  if (!bed) return;
  for (const c of [bed.laptop, bed.desktop]) c.engine?.child.kill('SIGKILL');
  await bed.client.logout().catch(() => {});
  await bed.dovecot.stop();
  rmSync(bed.dir, { recursive: true, force: true });
});

/**
 * A Dovecot account, and two data folders trained alike, both with the account in enforce
 * mode: the desktop's a copy of the laptop's made before either engine ran (each makes its own
 * engine id at its first claim).
 */
async function twoComputers(): Promise<Bed> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-two-'));
  const dovecot = await startDovecot({ users: ['alice'] });
  const alice = dovecot.users[0]!;
  const env = { HOME_PASSWORD: alice.password };
  for (const kind of ['ham', 'spam'] as const) {
    mkdirSync(join(dir, kind));
    for (let i = 0; i < (kind === 'ham' ? 50 : 20); i++) writeFileSync(join(dir, kind, `${i}.eml`), syntheticMessage(kind, i));
  }
  const laptop = { name: 'laptop', data: join(dir, 'laptop') };
  const steps = [
    ['junk', 'train', '--ham', join(dir, 'ham'), '--spam', join(dir, 'spam')],
    ['account', 'add', 'home', '--host', dovecot.host, '--port', String(dovecot.imapPort), '--tls', 'plain', '--allow-plain', '--user', alice.name, '--password-env', 'HOME_PASSWORD'],
    ['account', 'mode', 'home', 'enforce'],
  ];
  for (const step of steps) {
    const r = runWarden(['--data-dir', laptop.data, ...step], { env });
    if (r.status !== 0) throw new Error(`warden ${step.slice(0, 2).join(' ')} failed: ${r.stderr}`);
  }
  const desktop = { name: 'desktop', data: join(dir, 'desktop') };
  cpSync(laptop.data, desktop.data, { recursive: true });
  const client = new ImapFlow({ host: dovecot.host, port: dovecot.imapPort, secure: false, doSTARTTLS: false, auth: { user: alice.name, pass: alice.password }, logger: false });
  client.on('error', () => {});
  await client.connect();
  const b = { dir, dovecot, client, env, laptop, desktop };
  // The first catch-up notes where INBOX is: what comes after is new mail.
  for (const c of [laptop, desktop]) await inProcess(c).catchUp('home', env);
  return b;
}

/**
 * A computer's engine in this process: its context, and one mailbox per account kept across
 * catch-ups as the engine keeps them (the lease lives there).
 */
function inProcess(c: Computer): { catchUp: (account: string, env: NodeJS.ProcessEnv, mode?: 'observe' | 'enforce') => Promise<void>; close: () => void } {
  const context = EngineContext.open(c.data, { offline: true });
  const mailboxes = new Map<string, AccountMailbox>();
  return {
    async catchUp(name, env, mode) {
      const accounts = AccountService.onDatabase(context.db);
      const account = accounts.get(name);
      let mailbox = mailboxes.get(name);
      if (!mailbox) mailboxes.set(name, (mailbox = AccountMailbox.open(context, account)));
      mailbox.account = { ...account, mode: mode ?? account.mode };
      const session = await ImapSession.open(endpointOf(account, env));
      try {
        await mailbox.catchUp(session, () => {});
      } finally {
        await session.close();
      }
    },
    close: () => context.close(),
  };
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
async function deliver(client: ImapFlow, n: number): Promise<string> {
  const raw = syntheticMessage(n % 2 === 1 ? 'spam' : 'ham', 5000 + n);
  await client.append('INBOX', raw.replace(/\n/g, '\r\n'));
  return messageId(raw);
}

function messageId(raw: string): string {
  return raw.match(/^Message-ID: (.*)$/m)![1]!;
}

/** The Message-IDs in a folder, with the claim keywords of each. */
async function contents(client: ImapFlow, folder: string): Promise<{ id: string; claims: string[] }[]> {
  if (!(await client.list()).some((m) => m.path === folder)) return [];
  const lock = await client.getMailboxLock(folder);
  try {
    if (client.mailbox && client.mailbox.exists === 0) return [];
    const found: { id: string; claims: string[] }[] = [];
    for await (const m of client.fetch('1:*', { envelope: true, flags: true })) {
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

async function until(what: string, check: () => Promise<boolean>, seconds: number, describe: () => Promise<string>): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not within ${seconds} s: ${what}; ${await describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Waits until every spam delivered is in Rejects and no move is left pending, then checks:
 * each message is where its decision puts it, once (0 lost, 0 duplicated); each reject carries
 * one claim and was moved by exactly one of the two; the other, where it saw it, recorded it as
 * decided elsewhere. Returns how many the two recorded as decided elsewhere.
 */
async function settled(client: ImapFlow, computers: Computer[], delivered: string[]): Promise<number> {
  const ours = new Set(delivered);
  const spam = delivered.filter((_, n) => n % 2 === 1);
  const ham = delivered.filter((_, n) => n % 2 === 0);
  const mine = async (folder: string) => (await contents(client, folder)).filter((m) => ours.has(m.id));
  await until(
    'every spam in Rejects, and no move left pending',
    async () => (await mine('Rejects')).length >= spam.length && computers.every((c) => pending(c) === 0),
    60,
    async () => `INBOX ${JSON.stringify(await mine('INBOX'))}; pending moves ${computers.map(pending).join(', ')}; ${computers.map((c) => c.engine?.stderr().slice(-300)).join(' | ')}`,
  );
  const rejects = await mine('Rejects');
  const inbox = await mine('INBOX');
  expect(rejects.map((m) => m.id).sort()).toEqual([...spam].sort());
  expect(inbox.map((m) => m.id).sort()).toEqual([...ham].sort());
  for (const m of rejects) expect(m.claims, m.id).toHaveLength(1);
  for (const m of inbox) expect(m.claims, m.id).toEqual([]);
  const [first, second] = computers.map(recorded);
  let elsewhere = 0;
  for (const id of spam) {
    const records = [first!.get(id), second!.get(id)];
    expect(records.filter((r) => r?.moved), `${id} moved by exactly one`).toHaveLength(1);
    const other = records.find((r) => r && !r.moved);
    if (other) expect(other.elsewhere, `${id} decided elsewhere by the other`).toBe(true);
    if (other) elsewhere++;
  }
  return elsewhere;
}

/** Moves the message with this Message-ID, as the user does in another mail client. */
async function userMoves(client: ImapFlow, id: string, from: string, to: string): Promise<void> {
  const lock = await client.getMailboxLock(from);
  try {
    const [uid] = (await client.search({ header: { 'message-id': id } }, { uid: true })) || [];
    await client.messageMove(`${uid}`, to, { uid: true });
  } finally {
    lock.release();
  }
}

describe('two computers on one mailbox, enforce mode', () => {
  it('acts on each message once while both engines run and are killed and restarted', async () => {
    const b = bed;
    const delivered: string[] = [];
    start(b, b.laptop);
    start(b, b.desktop);
    await Promise.all([b.laptop.engine!.next((e) => e.kind === 'connected'), b.desktop.engine!.next((e) => e.kind === 'connected')]);
    for (let n = 0; n < 16; n++) {
      delivered.push(await deliver(b.client, n));
      // SIGKILL in the middle of the arrivals, each started again at once; mail goes on
      // arriving while it starts, then both race for each message again.
      if (n === 5 || n === 11) {
        const c = n === 5 ? b.laptop : b.desktop;
        await kill(c);
        start(b, c);
        delivered.push(await deliver(b.client, ++n));
        await c.engine!.next((e) => e.kind === 'connected');
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await settled(b.client, [b.laptop, b.desktop], delivered);
    for (const c of [b.laptop, b.desktop]) await kill(c);
  }, 120_000);

  it('splits mail both engines fetched before either claimed it, and leaves a message another engine claimed to it', async () => {
    const b = bed;
    const laptop = inProcess(b.laptop);
    const desktop = inProcess(b.desktop);
    try {
      const delivered: string[] = [];
      for (let n = 100; n < 110; n++) delivered.push(await deliver(b.client, n));
      // Mail claimed by a third engine (killed between its claim and its move): both leave it.
      const claimed = syntheticMessage('spam', 7777);
      await b.client.append('INBOX', claimed.replace(/\n/g, '\r\n'), [`${CLAIM_PREFIX}00000000ff`]);
      // Both catch up at once: each fetches the batch before analysing, so most messages are
      // seen by both, and the claim decides who moves each.
      await Promise.all([laptop.catchUp('home', b.env), desktop.catchUp('home', b.env)]);
      await Promise.all([laptop.catchUp('home', b.env), desktop.catchUp('home', b.env)]);
      await settled(b.client, [b.laptop, b.desktop], delivered);
      for (const c of [b.laptop, b.desktop]) expect(recorded(c).get(messageId(claimed)), c.name).toMatchObject({ moved: false, elsewhere: true });
      expect((await contents(b.client, 'INBOX')).map((m) => m.id)).toContain(messageId(claimed));
    } finally {
      laptop.close();
      desktop.close();
    }
  }, 60_000);

  it('lets both learn from the user’s restores and Junk moves, also of a message the other moved', async () => {
    const b = bed;
    const laptop = inProcess(b.laptop);
    const desktop = inProcess(b.desktop);
    try {
      // The desktop decides a spam without moving it (observe mode), then the laptop moves it:
      // the desktop knows it as a reject it never moved, and never saw claimed.
      const spam = await deliver(b.client, 201);
      const ham = await deliver(b.client, 202);
      await desktop.catchUp('home', b.env, 'observe');
      await laptop.catchUp('home', b.env);
      await desktop.catchUp('home', b.env);
      expect((await contents(b.client, 'Rejects')).map((m) => m.id)).toContain(spam);
      expect(recorded(b.desktop).get(spam)).toMatchObject({ moved: false, elsewhere: false, isReject: true });

      // The user restores the spam and files the ham as junk in another mail client: both
      // engines learn from both, the desktop from the claim the restored message carries.
      await userMoves(b.client, spam, 'Rejects', 'INBOX');
      await userMoves(b.client, ham, 'INBOX', 'Junk');
      await laptop.catchUp('home', b.env);
      await desktop.catchUp('home', b.env);
      for (const c of [b.laptop, b.desktop]) {
        expect(recorded(c).get(spam), c.name).toMatchObject({ notjunk: true, isReject: false });
        expect(recorded(c).get(ham), c.name).toMatchObject({ junk: true });
      }
      // Restored mail is never rejected again.
      expect((await contents(b.client, 'INBOX')).map((m) => m.id)).toContain(spam);
    } finally {
      laptop.close();
      desktop.close();
    }
  }, 60_000);
});

describe('two computers on one mailbox, on a server without CONDSTORE', () => {
  it('acts on each message once under the lease', async () => {
    const b = bed;
    const dovecot = await startDovecot({ users: ['alice'], withoutCondstore: true });
    const alice = dovecot.users[0]!;
    const env = { LEASE_PASSWORD: alice.password };
    const client = new ImapFlow({ host: dovecot.host, port: dovecot.imapPort, secure: false, doSTARTTLS: false, auth: { user: alice.name, pass: alice.password }, logger: false });
    client.on('error', () => {});
    await client.connect();
    const computers = [b.laptop, b.desktop].map((c) => ({ c, engine: inProcess(c) }));
    try {
      for (const { c } of computers) {
        const accounts = AccountService.open(c.data);
        try {
          const home = accounts.get('home').config;
          accounts.add('lease', { ...home, port: dovecot.imapPort, secret: { from: 'env', name: 'LEASE_PASSWORD' } });
          accounts.setMode('lease', 'enforce');
        } finally {
          accounts.close();
        }
      }
      for (const { engine } of computers) await engine.catchUp('lease', env);
      const delivered: string[] = [];
      for (let n = 300; n < 312; n++) delivered.push(await deliver(client, n));
      // Both at once, then again: the one without the lease claims at a later catch-up, and
      // finds each message gone (moved by the lease holder).
      for (let round = 0; round < 2; round++) await Promise.all(computers.map(({ engine }) => engine.catchUp('lease', env)));
      await settled(client, [b.laptop, b.desktop], delivered);
      expect((await client.list()).filter((m) => m.path.startsWith('Warden-lease-')).map((m) => m.path)).toEqual(['Warden-lease-1']);
    } finally {
      for (const { engine } of computers) engine.close();
      await client.logout().catch(() => {});
      await dovecot.stop();
    }
  }, 60_000);
});
