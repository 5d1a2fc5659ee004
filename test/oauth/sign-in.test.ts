import { statSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { AccountSignIn, type SignInRequest } from '../../src/engine/account-sign-in.ts';
import { AccountService } from '../../src/engine/accounts.ts';
import { databaseFile } from '../../src/engine/data-dir.ts';
import { ALICE_PASSWORD, CLIENT_ID, signInElsewhere, signInWithBrowser } from '../helpers/oauth-server.ts';
import { oauthTestBed } from '../helpers/oauth-test-bed.ts';

/**
 * Signing an account in with OAuth2 (RFC 8252), all real: oidc-provider as the provider, its
 * pages filled in Chromium, Dovecot checking the tokens against it (oauth.md recipe).
 */

const bed = oauthTestBed('warden-sign-in-');

const request = (): SignInRequest => ({ ...bed.mailbox.request });

/** Whether anything still listens on a loopback port. */
const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

describe('signing in with OAuth2', () => {
  it('signs in in the browser with PKCE, keeps only the refresh token, in a file only the user reads, and logs in to IMAP', async () => {
    const signIn = await AccountSignIn.start(bed.data, request());
    expect(signIn.url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(signIn.url.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(signIn.url.searchParams.get('login_hint')).toBe('alice');

    const landed = await signInWithBrowser(bed.page, signIn.url, 'alice', ALICE_PASSWORD);
    const account = await signIn.account;
    expect(await bed.page.textContent('h1')).toBe('Signed in');
    expect(new URL(landed).searchParams.has('code')).toBe(true);

    expect(account).toMatchObject({ name: 'alice', mode: 'observe', config: { auth: 'oauth2', oauth: { issuer: bed.mailbox.as.issuer, clientId: CLIENT_ID }, secret: { from: 'file' } } });
    const file = (account.config.secret as { path: string }).path;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const refreshToken = readFileSync(file, 'utf8');
    expect(refreshToken.length).toBeGreaterThan(20);
    expect(readFileSync(databaseFile(bed.data)).includes(refreshToken)).toBe(false);

    // One redirect, then the listener is gone.
    expect(await listening(Number(new URL(signIn.redirectUri).port))).toBe(false);

    const accounts = AccountService.open(bed.data);
    try {
      const { probe } = await accounts.test('alice');
      expect(probe.roles).toMatchObject({ inbox: 'INBOX', junk: 'Junk', sent: 'Sent' });
    } finally {
      accounts.close();
    }
    expect(bed.mailbox.dovecot.log(200)).toMatch(/method=(OAUTHBEARER|XOAUTH2)/);
  });

  it('finishes with the address pasted from a browser on another machine, whose redirect never arrived', async () => {
    const signIn = await AccountSignIn.start(bed.data, request());
    const landed = await signInElsewhere(bed.browser, bed.mailbox.as.issuer, signIn.url, 'alice', ALICE_PASSWORD);
    const waiting = await Promise.race([signIn.account.then(() => 'signed in'), new Promise((r) => setTimeout(() => r('waiting'), 300))]);
    expect(waiting).toBe('waiting');
    signIn.paste(`  ${landed}\n`);
    expect((await signIn.account).config.oauth?.issuer).toBe(bed.mailbox.as.issuer);
  });

  it("refuses an answer that is not this sign-in's: another state, or a code redeemed without its PKCE verifier", async () => {
    const first = await AccountSignIn.start(bed.data, request());
    first.cancel();
    await expect(first.account).rejects.toThrow(/cancelled/);
    // The first sign-in's answer, as a browser elsewhere ends on it.
    const answer = new URL(await signInElsewhere(bed.browser, bed.mailbox.as.issuer, first.url, 'alice', ALICE_PASSWORD));

    const second = await AccountSignIn.start(bed.data, request());
    second.paste(answer.href);
    await expect(second.account).rejects.toThrow(/not for this sign-in \(its state differs\)/);

    // The code with the right state: the server redeems it only with the first sign-in's verifier.
    const third = await AccountSignIn.start(bed.data, request());
    const forged = new URL(answer);
    forged.searchParams.set('state', new URL(third.url).searchParams.get('state')!);
    third.paste(forged.href);
    await expect(third.account).rejects.toThrow(/refused Warden's sign-in \(invalid_grant/);
    expect(AccountService.account.bind(null, bed.data, 'alice')).toThrow(/no account named alice/);
  });

  it('tells when the user did not allow access, and keeps nothing', async () => {
    const signIn = await AccountSignIn.start(bed.data, request());
    await signInWithBrowser(bed.page, signIn.url, 'alice', ALICE_PASSWORD, { consent: 'deny' });
    await expect(signIn.account).rejects.toThrow(/did not finish \(access was not allowed\): sign in again, and allow Warden to read your mail/);
    // The browser tab says why too: its answer waited for the outcome.
    expect(await bed.page.textContent('h1')).toBe('Sign-in did not finish');
    expect(await bed.page.textContent('p')).toMatch(/access was not allowed/);
    expect(AccountService.account.bind(null, bed.data, 'alice')).toThrow(/no account named alice/);
  });

  it('stops waiting for the browser after the timeout, and closes the listener', async () => {
    const signIn = await AccountSignIn.start(bed.data, request(), { timeoutMs: 200 });
    await expect(signIn.account).rejects.toThrow(/no sign-in came back/);
    expect(await listening(Number(new URL(signIn.redirectUri).port))).toBe(false);
  });

  it('names what is missing before any browser opens', async () => {
    await expect(AccountSignIn.start(bed.data, { ...request(), clientId: undefined })).rejects.toThrow(/client ID/);
    await expect(AccountSignIn.start(bed.data, { name: 'g', user: 'me@gmail.com', provider: 'gmail' }, { env: {} })).rejects.toThrow(
      /no Gmail sign-in app of its own yet: register one .*WARDEN_GMAIL_CLIENT_ID/,
    );
    await expect(AccountSignIn.start(bed.data, { name: 'f', user: 'me@fastmail.com', provider: 'fastmail' })).rejects.toThrow(/app password/);
    await expect(AccountSignIn.start(bed.data, { ...request(), issuer: 'http://auth.example.com' })).rejects.toThrow(/not HTTPS/);
  });
});
