import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claim, claimedBy, claimKeyword, LEASE_MS, LEASE_PREFIX, MailboxLease } from '../../src/imap/claim.ts';
import { probe } from '../../src/imap/probe.ts';
import { ImapSession } from '../../src/imap/session.ts';
import { startDovecot, type Dovecot } from '../helpers/dovecot.ts';
import { syntheticMessage } from '../helpers/synthetic-mail.ts';

const LAPTOP = claimKeyword('00000000aa');
const DESKTOP = claimKeyword('00000000bb');

describe('claimedBy', () => {
  it('tells this engine’s claim from another’s, without case, and ignores other keywords', () => {
    expect(claimedBy(new Set(['\\Seen', '$Junk']), LAPTOP)).toBe('none');
    expect(claimedBy(new Set([LAPTOP.toUpperCase()]), LAPTOP)).toBe('mine');
    expect(claimedBy(new Set([DESKTOP]), LAPTOP)).toBe('other');
    // Both: each engine sees the other's, so neither acts.
    expect(claimedBy(new Set([LAPTOP, DESKTOP]), LAPTOP)).toBe('other');
    expect(() => claimKeyword('A b')).toThrow(/ten hex digits/);
  });
});

/** Two engines' sessions on one account, and a third client that delivers and reads. */
async function twoEngines(dovecot: Dovecot, user = 0): Promise<{ laptop: ImapSession; desktop: ImapSession; client: ImapFlow; close: () => Promise<void> }> {
  const alice = dovecot.users[user]!;
  const endpoint = { host: '127.0.0.1', port: dovecot.imapPort, tls: 'plain' as const, user: alice.name, password: alice.password };
  const laptop = await ImapSession.open(endpoint);
  const desktop = await ImapSession.open(endpoint);
  const client = new ImapFlow({ host: '127.0.0.1', port: dovecot.imapPort, secure: false, doSTARTTLS: false, auth: { user: alice.name, pass: alice.password }, logger: false });
  client.on('error', () => {});
  await client.connect();
  return {
    laptop,
    desktop,
    client,
    close: async () => {
      await laptop.close();
      await desktop.close();
      await client.logout();
    },
  };
}

/** Appends `n` messages to INBOX; returns their UIDs. */
async function deliver(client: ImapFlow, n: number, from = 0): Promise<number[]> {
  const uids: number[] = [];
  for (let i = 0; i < n; i++) {
    const appended = await client.append('INBOX', syntheticMessage('spam', from + i));
    uids.push(appended && appended.uid ? appended.uid : 0);
  }
  return uids;
}

async function fetchedOf(session: ImapSession, uids: number[]) {
  const all = [];
  for await (const batch of session.fetch(uids)) all.push(...batch);
  return all;
}

describe('claim with CONDSTORE (a conditional STORE, RFC 7162 section 3.1.3)', () => {
  let dovecot: Dovecot;
  beforeAll(async () => {
    dovecot = await startDovecot({ users: ['alice'] });
  });
  afterAll(async () => {
    await dovecot?.stop();
  });

  it('gives each message to exactly one of two engines that claim it at once', async () => {
    const { laptop, desktop, client, close } = await twoEngines(dovecot);
    try {
      const uids = await deliver(client, 20);
      await laptop.open('INBOX');
      await desktop.open('INBOX');
      expect(laptop.claimSupport).toBe('condstore');
      // What warden account test says.
      const alice = dovecot.users[0]!;
      expect((await probe({ host: '127.0.0.1', port: dovecot.imapPort, tls: 'plain', user: alice.name, password: alice.password })).claims).toBe('condstore');
      // Both fetched before either claimed: the same flags and MODSEQ, as two engines deciding together.
      const [a, b] = await Promise.all([fetchedOf(laptop, uids), fetchedOf(desktop, uids)]);
      const outcomes = await Promise.all(
        uids.map(async (uid, i) => {
          const [l, d] = await Promise.all([claim(laptop, uid, LAPTOP, a[i]!, new MailboxLease()), claim(desktop, uid, DESKTOP, b[i]!, new MailboxLease())]);
          return [l, d].sort().join(' ');
        }),
      );
      expect(new Set(outcomes)).toEqual(new Set(['lost won']));
      // On the server, each message carries exactly one claim: the winner's.
      await client.mailboxOpen('INBOX');
      for await (const m of client.fetch(uids.join(','), { uid: true, flags: true }, { uid: true })) {
        expect([...m.flags!].filter((f) => f.startsWith('$Warden-'))).toHaveLength(1);
      }
    } finally {
      await close();
    }
  });

  it('claims a message changed since it was fetched (read meanwhile), and knows its own claim after a restart', async () => {
    const { laptop, client, close } = await twoEngines(dovecot);
    try {
      const [uid] = await deliver(client, 1, 100);
      await laptop.open('INBOX');
      const [seen] = await fetchedOf(laptop, [uid!]);
      await client.mailboxOpen('INBOX');
      await client.messageFlagsAdd(`${uid}`, ['\\Seen'], { uid: true });
      expect(await claim(laptop, uid!, LAPTOP, seen!, new MailboxLease())).toBe('won');
      const [again] = await fetchedOf(laptop, [uid!]);
      expect(again!.flags.has(LAPTOP)).toBe(true);
      // A crash between the claim and the move: the next run finds its own keyword, and goes on.
      expect(await claim(laptop, uid!, LAPTOP, again!, new MailboxLease())).toBe('won');
    } finally {
      await close();
    }
  });

  it('loses to a claim already on the message, and finds a message gone', async () => {
    const { laptop, desktop, client, close } = await twoEngines(dovecot);
    try {
      const [first, second] = await deliver(client, 2, 200);
      await laptop.open('INBOX');
      await desktop.open('INBOX');
      const [f] = await fetchedOf(desktop, [first!]);
      expect(await claim(desktop, first!, DESKTOP, f!, new MailboxLease())).toBe('won');
      const [fl] = await fetchedOf(laptop, [first!]);
      expect(await claim(laptop, first!, LAPTOP, fl!, new MailboxLease())).toBe('lost');
      const [s] = await fetchedOf(laptop, [second!]);
      await client.mailboxOpen('INBOX');
      await client.messageMove(`${second}`, 'Junk', { uid: true });
      expect(await claim(laptop, second!, LAPTOP, s!, new MailboxLease())).toBe('gone');
    } finally {
      await close();
    }
  });
});

describe('claim without CONDSTORE: under a lease on the mailbox', () => {
  let dovecot: Dovecot;
  beforeAll(async () => {
    dovecot = await startDovecot({ users: ['alice', 'bob'], withoutCondstore: true });
  });
  afterAll(async () => {
    await dovecot?.stop();
  });

  it('lets one engine claim at a time, and never sends a conditional STORE as a plain one', async () => {
    const { laptop, desktop, client, close } = await twoEngines(dovecot);
    try {
      const uids = await deliver(client, 10);
      await laptop.open('INBOX');
      await desktop.open('INBOX');
      expect(laptop.claimSupport).toBe('lease');
      const alice = dovecot.users[0]!;
      expect((await probe({ host: '127.0.0.1', port: dovecot.imapPort, tls: 'plain', user: alice.name, password: alice.password })).claims).toBe('lease');
      await expect(laptop.addKeyword(uids[0]!, LAPTOP, 1n)).rejects.toThrow(/no CONDSTORE/);
      const laptopLease = new MailboxLease();
      const desktopLease = new MailboxLease();
      const [a, b] = await Promise.all([fetchedOf(laptop, uids), fetchedOf(desktop, uids)]);
      // Each engine claims its messages one after the other, as it decides them; the two at once.
      const outcomes: string[] = [];
      for (const [i, uid] of uids.entries()) {
        outcomes.push((await Promise.all([claim(laptop, uid, LAPTOP, a[i]!, laptopLease), claim(desktop, uid, DESKTOP, b[i]!, desktopLease)])).join(' '));
      }
      // Whoever took the lease claims all ten; the other is told to try later, not that it lost.
      expect(new Set(outcomes).size).toBe(1);
      expect(['won later', 'later won']).toContain(outcomes[0]);
      expect(await laptop.foldersNamed(LEASE_PREFIX)).toEqual([`${LEASE_PREFIX}1`]);
    } finally {
      await close();
    }
  });

  it('passes a lease on only after it ran out, by the waiting engine’s clock, when its holder was killed', async () => {
    // Another account: the first test's lease is still there, held by no one alive.
    const { laptop, desktop, client, close } = await twoEngines(dovecot, 1);
    try {
      const uids = await deliver(client, 2, 300);
      await laptop.open('INBOX');
      await desktop.open('INBOX');
      let clock = 1_000_000;
      const now = () => clock;
      const holder = new MailboxLease(now);
      const waiting = new MailboxLease(now);
      expect(await holder.hold(laptop)).toBe(true);
      // The holder is killed here (its session and state dropped); the other engine waits its LEASE_MS.
      expect(await waiting.hold(desktop)).toBe(false);
      clock += LEASE_MS - 1;
      expect(await waiting.hold(desktop)).toBe(false);
      clock += 1;
      expect(await waiting.hold(desktop)).toBe(true);
      expect(await desktop.foldersNamed(LEASE_PREFIX)).toEqual([`${LEASE_PREFIX}2`]);
      // The old holder, back, is not the holder: a newer generation exists.
      const [m] = await fetchedOf(laptop, [uids[0]!]);
      expect(await claim(laptop, uids[0]!, LAPTOP, m!, holder)).toBe('later');
      const [d] = await fetchedOf(desktop, [uids[0]!]);
      expect(await claim(desktop, uids[0]!, DESKTOP, d!, waiting)).toBe('won');
      const [after] = await fetchedOf(laptop, [uids[0]!]);
      expect(await claim(laptop, uids[0]!, LAPTOP, after!, holder)).toBe('lost');
    } finally {
      await close();
    }
  });
});
