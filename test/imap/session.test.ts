import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canMoveOnly, ImapSession } from '../../src/imap/session.ts';
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
});
