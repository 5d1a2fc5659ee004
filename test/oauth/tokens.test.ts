import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountSignIn } from '../../src/engine/account-sign-in.ts';
import { AccountService, endpointOf, type Account } from '../../src/engine/accounts.ts';
import { AccountMailbox } from '../../src/engine/mailbox.ts';
import { EngineContext } from '../../src/engine/context.ts';
import { watch, type WatchEvent } from '../../src/engine/watch.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { ALICE_PASSWORD, signInWithBrowser, startOAuthMailbox } from '../helpers/oauth-server.ts';
import { SPAM_WORDS } from '../helpers/synthetic-mail.ts';

/**
 * An account signed in with OAuth2, watched: access tokens refreshed as they expire, a refused
 * token renewed once, a provider out of reach retried, a revoked sign-in stopping the account
 * with nothing moved. Real oidc-provider, Dovecot and Chromium.
 */

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
}, 30_000);

afterAll(async () => {
  await browser?.close();
});

/** A provider, a Dovecot checking its tokens, and alice signed in to a new data folder. */
async function signedIn(accessTokenTtl: number) {
  const mailbox = await startOAuthMailbox({ accessTokenTtl });
  const { as, dovecot } = mailbox;
  const data = mkdtempSync(join(tmpdir(), 'warden-tokens-'));
  const signIn = await AccountSignIn.start(data, mailbox.request);
  const page = await browser.newPage();
  await signInWithBrowser(page, signIn.url, 'alice', ALICE_PASSWORD);
  await page.close();
  const account = await signIn.account;
  /** Another mail client of alice's, with her password, for one piece of work. */
  const withClient = async <T>(work: (client: ImapFlow) => Promise<T>): Promise<T> => {
    const client = new ImapFlow({ host: '127.0.0.1', port: dovecot.imapPort, secure: false, doSTARTTLS: false, auth: { user: 'alice', pass: dovecot.users[0]!.password }, logger: false });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.logout();
    }
  };
  return {
    as,
    dovecot,
    data,
    account,
    append: (raw: string) => withClient((c) => c.append('INBOX', raw)),
    withClient,
    async close() {
      await mailbox.stop();
      rmSync(data, { recursive: true, force: true });
    },
  };
}

/** A watcher of the account, with its events, and a way to wait for the next of a kind. */
function watching(data: string, account: Account) {
  const events: WatchEvent[] = [];
  const waiters: { kind: WatchEvent['kind']; test: (e: WatchEvent) => boolean; resolve: (e: WatchEvent) => void }[] = [];
  const controller = new AbortController();
  const context = EngineContext.open(data, { offline: true });
  const done = watch(AccountMailbox.open(context, account), {
    signal: controller.signal,
    backoff: { firstMs: 50, maxMs: 500 },
    endpoint: endpointOf(account, process.env),
    onEvent: (event) => {
      events.push(event);
      for (const w of waiters.filter((w) => w.kind === event.kind && w.test(event))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(event);
      }
    },
  }).finally(() => context.close());
  return {
    events,
    done,
    /** The next event of a kind from now on, that passes `test`. */
    next: (kind: WatchEvent['kind'], test: (e: WatchEvent) => boolean = () => true) => new Promise<WatchEvent>((resolve) => waiters.push({ kind, test, resolve })),
    stop: async () => {
      controller.abort();
      await done;
    },
  };
}

/** Dovecot's log line of a refused OAuth2 login of alice. */
const REFUSED = /\((auth failed|user disabled)[^)]*\): user=<alice>, method=(OAUTHBEARER|XOAUTH2)/;

const message = (subject: string, body = 'Hello Alice, lunch tomorrow?') =>
  `From: Bob <bob@example.org>\r\nTo: alice@example.org\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@example.org>\r\nDate: ${new Date().toUTCString()}\r\n\r\n${body}\r\n`;

describe('access tokens that expire', { timeout: 60_000 }, () => {
  it('are refreshed before use, so a reconnect after expiry logs in at once, and mail goes on being decided', async () => {
    const s = await signedIn(3);
    const w = watching(s.data, s.account);
    try {
      // Started, not just connected: mail that is in INBOX before the first catch-up is where
      // Warden starts watching from, not an arrival.
      await w.next('started');
      const first = w.next('arrival');
      await s.append(message('before expiry'));
      expect(await first).toMatchObject({ arrival: { subject: 'before expiry' } });
      const refreshed = s.as.grants.refresh_token ?? 0;

      // Past the token's 3 s; then every session is cut.
      await new Promise((r) => setTimeout(r, 3_500));
      const again = w.next('connected');
      await s.dovecot.restart();
      await again;
      expect(s.as.grants.refresh_token).toBe(refreshed + 1);
      const second = w.next('arrival');
      await s.append(message('after expiry'));
      expect(await second).toMatchObject({ arrival: { subject: 'after expiry' } });
      expect(w.events.filter((e) => e.kind === 'stopped')).toEqual([]);
      // The token was fresh when used: Dovecot never refused one.
      expect(s.dovecot.log(400)).not.toMatch(REFUSED);

      // Everything of the account in this process shares one refresh at a time: a rotated
      // refresh token presented twice would revoke the sign-in.
      const before = s.as.grants.refresh_token!;
      const tokens = endpointOf(s.account).tokens!;
      const got = await Promise.all([tokens.renew(), tokens.renew(), endpointOf(s.account).tokens!.renew()]);
      expect(new Set(got).size).toBe(1);
      expect(s.as.grants.refresh_token).toBe(before + 1);
      expect(s.as.grants['refresh_token refused']).toBeUndefined();
    } finally {
      await w.stop();
      await s.close();
    }
  });
});

describe('a sign-in that lasts', { timeout: 60_000 }, () => {
  it('renews a token the server revoked early, once, and goes on; retries while the provider is down; stops when the sign-in is revoked, moving nothing', async () => {
    const s = await signedIn(600);
    const accounts = AccountService.open(s.data);
    accounts.setMode('alice', 'enforce');
    const account = accounts.get('alice');
    accounts.close();
    const w = watching(s.data, account);
    try {
      await w.next('connected');
      const refreshed = s.as.grants.refresh_token ?? 0;

      // Revoked before its time: Dovecot refuses it, Warden gets a new one and logs in again.
      await s.as.revokeAccessTokens();
      let connected = w.next('connected');
      await s.dovecot.restart();
      await connected;
      expect(s.dovecot.log(400)).toMatch(REFUSED);
      expect(s.as.grants.refresh_token).toBe(refreshed + 1);

      // The provider is down: Dovecot cannot check the token (UNAVAILABLE); Warden retries.
      await s.as.stop();
      const unavailable = w.next('disconnected', (e) => e.kind === 'disconnected' && /could not check the login of alice right now/.test(e.error));
      await s.dovecot.restart();
      expect(await unavailable).toMatchObject({ retryInMs: expect.any(Number) });
      connected = w.next('connected');
      await s.as.start();
      await connected;
      expect(w.events.filter((e) => e.kind === 'stopped')).toEqual([]);

      // Revoked sign-in: the account stops, saying to sign in again; a spam arriving stays put.
      await s.as.revokeUser('alice');
      const stopped = w.next('stopped');
      await s.dovecot.restart();
      expect(await stopped).toMatchObject({ signIn: true, error: expect.stringMatching(/account alice: .*refused Warden's sign-in \(invalid_grant.*sign in again/) });
      await w.done;
      await s.append(message('Cheap pills', SPAM_WORDS.join(' ')));
      const refused = s.as.grants['refresh_token refused'];
      await new Promise((r) => setTimeout(r, 1_500));
      expect(refused).toBe(1);
      expect(s.as.grants['refresh_token refused']).toBe(1);
      const { messages, folders } = await s.withClient(async (c) => ({ messages: ((await c.status('INBOX', { messages: true })) || {}).messages, folders: (await c.list()).map((f) => f.path) }));
      expect(messages).toBe(1);
      expect(folders).not.toContain('Rejects');
    } finally {
      await w.stop();
      await s.close();
    }
  });
});
