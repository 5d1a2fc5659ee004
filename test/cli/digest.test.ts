import { join } from 'node:path';
import Database from 'better-sqlite3';
import { decode as decodeQuotedPrintable } from 'libqp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMailboxFixture, type MailboxFixture } from '../helpers/mailbox-fixture.ts';
import { runWarden, watchWarden } from '../helpers/warden.ts';

/**
 * The daily digest against a real Dovecot (docs/digest.md): appended to INBOX once its hour has
 * come, listing the rejects since the last one; none on a day with nothing rejected; none again
 * after a restart the same day; and never taken for mail by the arrival loop.
 */

const DAY_MS = 24 * 60 * 60_000;

let f: MailboxFixture;
/** Warden's clock in UTC, so the digest's hour is this one whatever the machine's zone. */
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  f = await startMailboxFixture('digest');
  env = { ...f.env, TZ: 'UTC' };
  expect(runWarden(['--data-dir', f.data, 'account', 'mode', 'home', 'enforce']).status).toBe(0);
});

afterAll(async () => {
  await f?.close();
});

const warden = (args: string[]) => runWarden(['--data-dir', f.data, ...args], { env });

/** Turns the digest on or off, at this hour. */
function digest(enabled: boolean): void {
  const set = warden(['settings', '--set', JSON.stringify({ digest: { enabled, hour: new Date().getUTCHours() } })]);
  expect(set.status, set.stderr).toBe(0);
}

/** `warden run --once --json`: its events. */
function runOnce(): Record<string, unknown>[] {
  const r = warden(['run', '--once', '--json']);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim() === '' ? [] : r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** What the database says of the digests, and of any message Warden recorded with a digest's subject. */
function recorded(): { digests: { rejects: number; appended: number }[]; asMail: number } {
  const db = new Database(join(f.data, 'warden.db'), { readonly: true });
  try {
    return {
      digests: db.prepare('SELECT rejects, appended_at IS NOT NULL AS appended FROM digest ORDER BY id').all() as { rejects: number; appended: number }[],
      asMail: (db.prepare("SELECT count(*) AS n FROM msg WHERE subject LIKE 'Warden rejected%'").get() as { n: number }).n,
    };
  } finally {
    db.close();
  }
}

/** The digests made so far count as made a day earlier: as if a day had passed. */
function aDayPasses(): void {
  const db = new Database(join(f.data, 'warden.db'));
  db.prepare('UPDATE digest SET made_at = made_at - ?').run(DAY_MS);
  db.close();
}

/** The digests in INBOX, whole. */
async function digestsInInbox(): Promise<string[]> {
  const lock = await f.client.getMailboxLock('INBOX');
  try {
    // What other sessions appended since this one last looked.
    await f.client.noop();
    const found: string[] = [];
    for await (const m of f.client.fetch('1:*', { source: true, envelope: true })) {
      if (m.envelope?.subject?.startsWith('Warden rejected')) found.push(m.source!.toString());
    }
    return found;
  } finally {
    lock.release();
  }
}

describe('the daily digest', { timeout: 120_000 }, () => {
  it('appends nothing on a day with nothing rejected', async () => {
    digest(true);
    await f.append('ham');
    const events = runOnce();
    expect(events.map((e) => e.kind)).toEqual(['started']);
    expect(recorded()).toEqual({ digests: [{ rejects: 0, appended: 1 }], asMail: 0 });
    expect(await digestsInInbox()).toEqual([]);
  });

  it('appends one message listing the rejects since the last, with sender, subject and reason', async () => {
    aDayPasses();
    const spam1 = await f.append('spam');
    const ham = await f.append('ham');
    const spam2 = await f.append('spam');
    const events = runOnce();
    expect(events.filter((e) => e.kind === 'arrival').map((e) => [e.subject, e.accept, e.moved])).toEqual([
      [spam1, false, true],
      [ham, true, false],
      [spam2, false, true],
    ]);
    expect(events.filter((e) => e.kind === 'digest')).toEqual([{ kind: 'digest', account: 'home', rejects: 2 }]);
    const [message, ...more] = await digestsInInbox();
    expect(more).toEqual([]);
    const rejects = warden(['rejects', 'list', '--json']).stdout.trim().split('\n').map((l) => JSON.parse(l) as { subject: string; from: string; text: string });
    const body = decodeQuotedPrintable(message!.slice(message!.indexOf('\r\n\r\n') + 4)).toString();
    for (const subject of [spam1, spam2]) {
      const r = rejects.find((x) => x.subject === subject)!;
      expect(body).toContain(`${r.from}\r\n  Subject: ${subject}\r\n  Why: ${r.text}\r\n  Moved to Rejects.`);
    }
    expect(body).not.toContain(ham);
    // RFC 5322's fields, one text/plain UTF-8 part, marked as made by a program (RFC 3834).
    const head = message!.slice(0, message!.indexOf('\r\n\r\n'));
    expect(head).toMatch(/^From: Warden <warden@warden\.invalid>$/m);
    // The account logs in as "alice", which is no address: the digest is to Warden's own.
    expect(head).toMatch(/^To: Warden <warden@warden\.invalid>$/m);
    expect(head).toMatch(/^Date: /m);
    expect(head).toMatch(/^Message-ID: <[0-9a-f-]+@warden\.invalid>$/m);
    expect(head).toMatch(/^Subject: Warden rejected 2 messages since /m);
    expect(head).toMatch(/^Content-Type: text\/plain; charset=utf-8$/m);
    expect(head).toMatch(/^Auto-Submitted: auto-generated$/m);
    expect(recorded()).toEqual({ digests: [{ rejects: 0, appended: 1 }, { rejects: 2, appended: 1 }], asMail: 0 });
  });

  it('is not taken for mail when it shows up in INBOX, and a restart the same day appends no other', async () => {
    // The digest is above INBOX's sync point: this run sees it arrive.
    expect(runOnce()).toEqual([]);
    expect(runOnce()).toEqual([]);
    expect(await digestsInInbox()).toHaveLength(1);
    expect(recorded()).toMatchObject({ digests: [{}, {}], asMail: 0 });
  });

  it('appends no second one when the answer to the APPEND was lost, but the server took it', async () => {
    // What a connection dropped after the APPEND leaves: recorded, not confirmed, in INBOX.
    const db = new Database(join(f.data, 'warden.db'));
    db.prepare('UPDATE digest SET appended_at = NULL, uidvalidity = NULL, uid = NULL WHERE id = (SELECT max(id) FROM digest)').run();
    db.close();
    expect(runOnce()).toEqual([]);
    expect(await digestsInInbox()).toHaveLength(1);
    expect(recorded().digests).toEqual([
      { rejects: 0, appended: 1 },
      { rejects: 2, appended: 1 },
    ]);
  });

  it('is made by the running engine, which passes it over when it arrives', async () => {
    // A reject made while the digest is off, then a new day with the digest on.
    digest(false);
    const spam = await f.append('spam');
    expect(runOnce().filter((e) => e.kind === 'arrival')).toEqual([expect.objectContaining({ subject: spam, moved: true })]);
    aDayPasses();
    digest(true);
    const run = watchWarden(['--data-dir', f.data, 'run', '--json'], env);
    try {
      expect(await run.next((e) => e.kind === 'digest')).toEqual({ kind: 'digest', account: 'home', rejects: 1 });
      // INBOX seen again after the digest came: what arrives next is told, and the digest never.
      const ham = await f.append('ham');
      await run.next((e) => e.kind === 'arrival' && e.subject === ham);
      expect(run.events.filter((e) => e.kind === 'arrival').map((e) => e.subject)).toEqual([ham]);
    } finally {
      expect(await run.stop()).toBe(0);
    }
    const digests = await digestsInInbox();
    expect(digests).toHaveLength(2);
    expect(digests[1]).toContain(spam);
    expect(recorded().asMail).toBe(0);
  });
});
