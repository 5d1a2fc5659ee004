import { statSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { AccountSignIn, type SignInRequest } from '../../src/engine/account-sign-in.ts';
import { AccountService } from '../../src/engine/accounts.ts';
import { databaseFile } from '../../src/engine/data-dir.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { ALICE_PASSWORD, CLIENT_ID, type OAuthMailbox, signInElsewhere, signInWithBrowser, startOAuthMailbox } from '../helpers/oauth-server.ts';

/**
 * Signing an account in with OAuth2 (RFC 8252), all real: oidc-provider as the provider, its
 * pages filled in Chromium, Dovecot checking the tokens against it (oauth.md recipe).
 */

let mailbox: OAuthMailbox;
let as: OAuthMailbox['as'];
let dovecot: OAuthMailbox['dovecot'];
let browser: Browser;
let page: Page;
let data: string;

beforeAll(async () => {
  mailbox = await startOAuthMailbox();
  ({ as, dovecot } = mailbox);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await mailbox?.stop();
});

beforeEach(async () => {
  data = mkdtempSync(join(tmpdir(), 'warden-sign-in-'));
  page = await browser.newPage();
});

afterEach(async () => {
  await page.close();
  rmSync(data, { recursive: true, force: true });
});

const request = (): SignInRequest => ({ ...mailbox.request });

/** Whether anything still listens on a loopback port. */
const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

describe('signing in with OAuth2', () => {
  it('signs in in the browser with PKCE, keeps only the refresh token, in a file only the user reads, and logs in to IMAP', async () => {
    const signIn = await AccountSignIn.start(data, request());
    expect(signIn.url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(signIn.url.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(signIn.url.searchParams.get('login_hint')).toBe('alice');

    const landed = await signInWithBrowser(page, signIn.url, 'alice', ALICE_PASSWORD);
    const account = await signIn.account;
    expect(await page.textContent('h1')).toBe('Signed in');
    expect(new URL(landed).searchParams.has('code')).toBe(true);

    expect(account).toMatchObject({ name: 'alice', mode: 'observe', config: { auth: 'oauth2', oauth: { issuer: as.issuer, clientId: CLIENT_ID }, secret: { from: 'file' } } });
    const file = (account.config.secret as { path: string }).path;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const refreshToken = readFileSync(file, 'utf8');
    expect(refreshToken.length).toBeGreaterThan(20);
    expect(readFileSync(databaseFile(data)).includes(refreshToken)).toBe(false);

    // One redirect, then the listener is gone.
    expect(await listening(Number(new URL(signIn.redirectUri).port))).toBe(false);

    const accounts = AccountService.open(data);
    try {
      const { probe } = await accounts.test('alice');
      expect(probe.roles).toMatchObject({ inbox: 'INBOX', junk: 'Junk', sent: 'Sent' });
    } finally {
      accounts.close();
    }
    expect(dovecot.log(200)).toMatch(/method=(OAUTHBEARER|XOAUTH2)/);
  });

  it('finishes with the address pasted from a browser on another machine, whose redirect never arrived', async () => {
    const signIn = await AccountSignIn.start(data, request());
    const landed = await signInElsewhere(browser, as.issuer, signIn.url, 'alice', ALICE_PASSWORD);
    const waiting = await Promise.race([signIn.account.then(() => 'signed in'), new Promise((r) => setTimeout(() => r('waiting'), 300))]);
    expect(waiting).toBe('waiting');
    signIn.paste(`  ${landed}\n`);
    expect((await signIn.account).config.oauth?.issuer).toBe(as.issuer);
  });

  it("refuses an answer that is not this sign-in's: another state, or a code redeemed without its PKCE verifier", async () => {
    const first = await AccountSignIn.start(data, request());
    first.cancel();
    await expect(first.account).rejects.toThrow(/cancelled/);
    // The first sign-in's answer, as a browser elsewhere ends on it.
    const answer = new URL(await signInElsewhere(browser, as.issuer, first.url, 'alice', ALICE_PASSWORD));

    const second = await AccountSignIn.start(data, request());
    second.paste(answer.href);
    await expect(second.account).rejects.toThrow(/not for this sign-in \(its state differs\)/);

    // The code with the right state: the server redeems it only with the first sign-in's verifier.
    const third = await AccountSignIn.start(data, request());
    const forged = new URL(answer);
    forged.searchParams.set('state', new URL(third.url).searchParams.get('state')!);
    third.paste(forged.href);
    await expect(third.account).rejects.toThrow(/refused Warden's sign-in \(invalid_grant/);
    expect(AccountService.account.bind(null, data, 'alice')).toThrow(/no account named alice/);
  });

  it('tells when the user did not allow access, and keeps nothing', async () => {
    const signIn = await AccountSignIn.start(data, request());
    await signInWithBrowser(page, signIn.url, 'alice', ALICE_PASSWORD, { consent: 'deny' });
    await expect(signIn.account).rejects.toThrow(/did not finish \(access was not allowed\): sign in again, and allow Warden to read your mail/);
    // The browser tab says why too: its answer waited for the outcome.
    expect(await page.textContent('h1')).toBe('Sign-in did not finish');
    expect(await page.textContent('p')).toMatch(/access was not allowed/);
    expect(AccountService.account.bind(null, data, 'alice')).toThrow(/no account named alice/);
  });

  it('stops waiting for the browser after the timeout, and closes the listener', async () => {
    const signIn = await AccountSignIn.start(data, request(), { timeoutMs: 200 });
    await expect(signIn.account).rejects.toThrow(/no sign-in came back/);
    expect(await listening(Number(new URL(signIn.redirectUri).port))).toBe(false);
  });

  it('names what is missing before any browser opens', async () => {
    await expect(AccountSignIn.start(data, { ...request(), clientId: undefined })).rejects.toThrow(/client ID/);
    await expect(AccountSignIn.start(data, { name: 'g', user: 'me@gmail.com', provider: 'gmail' }, { env: {} })).rejects.toThrow(
      /no Gmail sign-in app of its own yet: register one .*WARDEN_GMAIL_CLIENT_ID/,
    );
    await expect(AccountSignIn.start(data, { name: 'f', user: 'me@fastmail.com', provider: 'fastmail' })).rejects.toThrow(/app password/);
    await expect(AccountSignIn.start(data, { ...request(), issuer: 'http://auth.example.com' })).rejects.toThrow(/not HTTPS/);
  });
});
