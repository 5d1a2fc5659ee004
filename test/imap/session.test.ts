import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapError } from '../../src/imap/errors.ts';
import { canMoveOnly, ImapSession, STALL_MS } from '../../src/imap/session.ts';
import { startDovecot, type Dovecot } from '../helpers/dovecot.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

describe('canMoveOnly', () => {
  it('moves with MOVE, or with UIDPLUS (UID COPY, UID EXPUNGE of that UID), never by plain EXPUNGE', () => {
    expect(canMoveOnly(['IMAP4REV1', 'MOVE'])).toBe(true);
    expect(canMoveOnly(['IMAP4REV1', 'UIDPLUS'])).toBe(true);
    expect(canMoveOnly(['IMAP4REV1', 'IDLE'])).toBe(false);
  });
});

describe('waitForChange', () => {
  let dovecot: Dovecot;
  let proxy: TcpProxy;
  beforeAll(async () => {
    dovecot = await startDovecot({ users: ['alice'] });
    proxy = await startTcpProxy({ host: dovecot.host, port: dovecot.imapPort });
  });
  afterAll(async () => {
    await proxy?.stop();
    await dovecot?.stop();
  });

  it('fails at once on a connection lost before it began, instead of waiting for nothing', async () => {
    const alice = dovecot.users[0]!;
    const session = await ImapSession.open({ host: '127.0.0.1', port: proxy.port, tls: 'plain', user: alice.name, password: alice.password });
    try {
      await session.open('INBOX');
      const lost = new Promise((resolve) => setTimeout(resolve, 100));
      expect(proxy.cutAll()).toBe(1);
      await lost;
      // Had it waited, the test would end by its maxMs (resolved) or the test timeout.
      await expect(session.waitForChange(new AbortController().signal, 60_000, session.changes)).rejects.toThrow(/was lost/);
    } finally {
      await session.close();
    }
  });

  // The session's stall limit is shortened here (STALL_MS in use): the mechanism is the same.
  const STALL = 1_500;
  const stalled = () => {
    const alice = dovecot.users[0]!;
    return ImapSession.open({ host: '127.0.0.1', port: proxy.port, tls: 'plain', user: alice.name, password: alice.password }, undefined, STALL);
  };

  it('finds a connection that stalls during a command within its stall limit', async () => {
    const session = await stalled();
    try {
      await session.open('INBOX');
      expect(proxy.stallAll()).toBe(1);
      const started = Date.now();
      const error = await session.uidsAfter(0).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(ImapError);
      expect(error).toMatchObject({ kind: 'timeout', message: `the connection to 127.0.0.1:${proxy.port} stalled: nothing came for 2 s` });
      expect(Date.now() - started).toBeLessThan(2 * STALL + 1_000);
    } finally {
      await session.close();
      proxy.cutAll();
    }
  });

  it('keeps a live IDLE from looking stalled, and finds one that stalls within two stall limits', async () => {
    const session = await stalled();
    try {
      await session.open('INBOX');
      // Three stall limits of a quiet mailbox: IDLE is renewed, so the connection stays.
      await session.waitForChange(new AbortController().signal, 3 * STALL, session.changes);
      expect(proxy.open()).toBe(1);
      const waiting = session.waitForChange(new AbortController().signal, 60_000, session.changes).then(
        () => 'ended without a change',
        (err: unknown) => (err as Error).message,
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = Date.now();
      proxy.stallAll();
      expect(await waiting).toBe(`the connection to 127.0.0.1:${proxy.port} stalled: nothing came for 2 s`);
      expect(Date.now() - started).toBeLessThan(2 * STALL + 1_000);
    } finally {
      await session.close();
      proxy.cutAll();
    }
  });

  it('gives up on a stalled connection within a minute by default', () => {
    // A command's stall is found after STALL_MS; IDLE's after at most two (see STALL_MS).
    expect(2 * STALL_MS).toBeLessThanOrEqual(60_000);
  });
});
