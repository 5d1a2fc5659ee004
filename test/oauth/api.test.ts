import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../../src/api/api.ts';
import type { ApiEvent, AppSecretStore } from '../../src/api/contract.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { ALICE_PASSWORD, type OAuthMailbox, signInWithBrowser, startOAuthMailbox } from '../helpers/oauth-server.ts';

/** Sign-in through the API, as the app drives it: the address, the `signin` event, the account watched; signing in again after a revoke. */

let mailbox: OAuthMailbox;
let as: OAuthMailbox['as'];
let dovecot: OAuthMailbox['dovecot'];
let browser: Browser;
let data: string;

beforeAll(async () => {
  mailbox = await startOAuthMailbox();
  ({ as, dovecot } = mailbox);
  browser = await launchBrowser();
  data = mkdtempSync(join(tmpdir(), 'warden-oauth-api-'));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await mailbox?.stop();
  rmSync(data, { recursive: true, force: true });
});

/** The desktop app's keyring, as the API sees it (encryption is Electron's, tested in test/electron). */
class Keyring implements AppSecretStore {
  readonly values = new Map<string, string>();
  set(account: string, secret: string) {
    this.values.set(account, secret);
    return Promise.resolve();
  }
  get(account: string) {
    return Promise.resolve(this.values.get(account));
  }
  delete(account: string) {
    this.values.delete(account);
    return Promise.resolve();
  }
}

function events(api: Api) {
  const seen: ApiEvent[] = [];
  api.subscribe((e) => seen.push(e));
  const until = (test: (e: ApiEvent) => boolean) =>
    new Promise<ApiEvent>((resolve) => {
      const found = seen.find(test);
      if (found) return resolve(found);
      const off = api.subscribe((e) => {
        if (test(e)) {
          off();
          resolve(e);
        }
      });
    });
  return { seen, until };
}

describe('accounts.signIn', () => {
  it('gives the address to open, opens it where the app can, tells the end with a signin event, and watches the account; after a revoke, says to sign in again, and signing in again resumes', async () => {
    const keyring = new Keyring();
    const opened: string[] = [];
    const api = await Api.open(data, { offline: true, secrets: keyring, openBrowser: (url) => (opened.push(url), Promise.resolve()) });
    const page = await browser.newPage();
    try {
      const e = events(api);
      const providers = await api.call('providers.list', {});
      expect(providers.ok && providers.result.find((p) => p.id === 'gmail')).toMatchObject({ signIn: 'oauth2', host: 'imap.gmail.com' });

      const started = await api.call('accounts.signIn', mailbox.request);
      if (!started.ok) throw new Error(started.error);
      expect(started.result.opened).toBe(true);
      expect(opened).toEqual([started.result.url]);
      await signInWithBrowser(page, started.result.url, 'alice', ALICE_PASSWORD);
      expect(await e.until((x) => x.kind === 'signin')).toMatchObject({ kind: 'signin', name: 'alice', ok: true, account: { auth: 'oauth2', user: 'alice' } });
      await e.until((x) => x.kind === 'account' && x.account.state === 'watching');
      // The refresh token is in the app's keyring, not in a file.
      expect(keyring.values.get('alice')?.length).toBeGreaterThan(20);

      await as.revokeUser('alice');
      await dovecot.restart();
      const stopped = await e.until((x) => x.kind === 'account' && x.account.state === 'stopped');
      expect(stopped).toMatchObject({ account: { needsSignIn: true, error: expect.stringMatching(/sign in again/) } });

      const again = await api.call('accounts.signIn', { name: 'alice' });
      if (!again.ok) throw new Error(again.error);
      const revoked = keyring.values.get('alice');
      await signInWithBrowser(page, again.result.url, 'alice', ALICE_PASSWORD);
      await e.until((x) => x.kind === 'signin' && x !== e.seen.find((y) => y.kind === 'signin'));
      const watching = await e.until((x) => x.kind === 'account' && x.account.state === 'watching' && e.seen.indexOf(x) > e.seen.indexOf(stopped));
      expect(watching).toMatchObject({ account: { name: 'alice', state: 'watching' } });
      expect(keyring.values.get('alice')).not.toBe(revoked);
      const list = await api.call('accounts.list', {});
      expect(list.ok && list.result).toMatchObject([{ name: 'alice', auth: 'oauth2', state: 'watching' }]);
    } finally {
      await page.close();
      await api.close();
    }
  });

  it('names the problem of a sign-in that cannot start, and of a paste with no sign-in waiting', async () => {
    const api = await Api.open(data, { offline: true });
    try {
      expect(await api.call('accounts.signIn', { name: 'g', user: 'me@gmail.com', provider: 'gmail' })).toMatchObject({ ok: false, error: expect.stringMatching(/client ID/) });
      expect(await api.call('accounts.signInPaste', { name: 'g', address: 'http://127.0.0.1:1/callback?state=x' })).toEqual({ ok: false, error: 'no sign-in of g is waiting: start it again' });
    } finally {
      await api.close();
    }
  });
});
