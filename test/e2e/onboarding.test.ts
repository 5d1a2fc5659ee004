import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Api } from '../../src/api/api.ts';
import { serve, type Served } from '../../src/api/serve.ts';
import { launchBrowser, screenshotFolder } from '../helpers/browser.ts';
import { startMailboxFixture, type MailboxFixture } from '../helpers/mailbox-fixture.ts';
import { browserElsewhere, CLIENT_ID, IMAP_SCOPE, signInOnPage, startOAuthServer, type OAuthTestServer } from '../helpers/oauth-server.ts';
import { ROOT, runWarden } from '../helpers/warden.ts';

/**
 * Onboarding in the UI, in Chromium against `warden serve`: the providers the engine offers, and
 * a mailbox connected by signing in in the browser (OAuth2), all real: oidc-provider as the
 * provider, its pages filled in the tab the app opened, Dovecot checking the tokens against it.
 * Screenshots go to docs/screenshots with `npm run screenshots` (screenshotFolder).
 */

const UI = join(ROOT, 'renderer', 'dist');
const PASSWORD = 'alice-onboarding-password';

let as: OAuthTestServer;
let f: MailboxFixture;
let api: Api;
let served: Served;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let shots: string;

beforeAll(async () => {
  if (!existsSync(join(UI, 'index.html'))) throw new Error('the UI is not built: npm run build:ui (npm test does it first)');
  as = await startOAuthServer({ users: { alice: PASSWORD } });
  f = await startMailboxFixture('onboarding', { oauth2: { introspectionUrl: as.introspectionUrl, scope: IMAP_SCOPE } });
  shots = screenshotFolder(join(f.dir, 'screenshots'));
  // The UI connects the mailbox itself.
  expect(runWarden(['--data-dir', f.data, 'account', 'remove', 'home']).status).toBe(0);
  // A Gmail sign-in app configured, as a build with one registered has it (README: Register a
  // sign-in app); none for Microsoft.
  vi.stubEnv('WARDEN_GMAIL_CLIENT_ID', 'warden-e2e.apps.googleusercontent.com');
  vi.stubEnv('WARDEN_GMAIL_CLIENT_SECRET', 'e2e-secret');
  vi.stubEnv('WARDEN_MICROSOFT_CLIENT_ID', undefined);
  api = await Api.open(f.data, { offline: true });
  api.start();
  served = await serve(api, { staticDir: UI });
  browser = await launchBrowser();
  // One context: the sign-in page opens in a tab of the same browser, as window.open does.
  context = await browser.newContext({ viewport: { width: 1200, height: 860 } });
  page = await context.newPage();
}, 120_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await browser?.close();
  await served?.close();
  await api?.close();
  await f?.close();
  await as?.close();
});

const card = () => page.getByRole('region', { name: 'Account home' });
const sidebar = () => page.getByRole('region', { name: 'Accounts status' });

/**
 * Clicks a button that opens the sign-in page and answers its tab. The provider's session from
 * an earlier sign-in is forgotten first, so its pages ask for the password and then consent, as
 * signInOnPage fills them.
 */
async function openSignIn(name: string): Promise<Page> {
  await context.clearCookies();
  const tab = context.waitForEvent('page');
  await page.getByRole('button', { name }).click();
  return tab;
}

// Each step waits on a real server and a real browser: generous, so a loaded CI machine passes.
describe('onboarding', { timeout: 90_000 }, () => {
  it("offers the engine's providers, suggests one from the address, and says what each needs", async () => {
    await page.goto(served.url);
    await page.getByRole('link', { name: 'Accounts' }).click();
    await page.getByLabel(/^Your address/).fill('alice.example@gmail.com');
    expect(await page.getByRole('radio', { name: 'Gmail' }).isChecked()).toBe(true);
    await expect.poll(() => page.getByText('Suggested by your address: Gmail.').count()).toBe(1);
    await page.getByRole('button', { name: 'Sign in with Google' }).waitFor();
    // Its sign-in app is configured: nothing to fill in but the name.
    expect(await page.getByLabel(/^Client ID/).count()).toBe(0);
    expect(await page.getByLabel(/password/i).count()).toBe(0);
    await page.screenshot({ path: join(shots, 'onboarding-provider.png') });

    // Without a sign-in app, said in words, with the field to give one (Microsoft's has no secret).
    await page.getByRole('radio', { name: 'Outlook.com / Microsoft 365' }).check();
    await page.getByText(/no Outlook\.com \/ Microsoft 365 sign-in app of its own yet: register one/).waitFor();
    await page.getByLabel('Client ID of the sign-in app').waitFor();
    expect(await page.getByLabel(/^Client secret/).count()).toBe(0);
    await page.getByRole('button', { name: 'Sign in with Microsoft' }).waitFor();

    // A password provider: its app password, with its help.
    await page.getByRole('radio', { name: 'Fastmail' }).check();
    await page.getByText(/app password made in Fastmail's settings/).waitFor();
    await page.getByLabel('App password').waitFor();
    await page.getByRole('button', { name: 'Add account' }).waitFor();
  });

  it('signs in to another server in the browser: cancelled, denied (said beside the button), then allowed; the account watches with its folders', async () => {
    await page.getByLabel(/^Your address/).fill('alice');
    await page.getByRole('radio', { name: 'Another server' }).check();
    await page.getByRole('radio', { name: 'Sign in in the browser (OAuth2)' }).check();
    await page.getByLabel('Name for this account').fill('home');
    await page.getByLabel('IMAP server').fill(f.dovecot.host);
    await page.getByLabel('Port', { exact: true }).fill(String(f.dovecot.imapPort));
    await page.getByLabel('Security').selectOption('plain');
    await page.getByLabel(/Send my sign-in unencrypted/).check();
    await page.getByLabel(/^Sign-in server/).fill(as.issuer);
    await page.getByLabel(/^Scopes/).fill(`offline_access ${IMAP_SCOPE}`);
    await page.getByLabel('Client ID of the sign-in app').fill(CLIENT_ID);
    const waiting = page.getByRole('group', { name: 'Signing in home' });

    // Cancelled: the engine stops waiting, and the form is back.
    let tab = await openSignIn('Sign in in the browser');
    await expect.poll(() => waiting.getByRole('status').first().textContent()).toMatch(/sign-in page opened in a new tab/);
    await waiting.getByText('The browser is on another computer?').click();
    await page.screenshot({ path: join(shots, 'onboarding-signin.png') });
    await waiting.getByRole('button', { name: 'Cancel the sign-in' }).click();
    await page.getByRole('button', { name: 'Sign in in the browser' }).waitFor();
    expect(await api.call('accounts.signInPaste', { name: 'home', address: tab.url() })).toMatchObject({ ok: false, error: /no sign-in of home is waiting/ });
    await tab.close();

    // Denied at the provider: why, beside the button.
    tab = await openSignIn('Sign in in the browser');
    await signInOnPage(tab, 'alice', PASSWORD, { consent: 'deny' });
    await expect.poll(() => page.getByRole('alert').first().textContent(), { timeout: 15_000 }).toMatch(/access was not allowed/);
    expect(await card().count()).toBe(0);
    await tab.close();

    tab = await openSignIn('Sign in in the browser');
    await signInOnPage(tab, 'alice', PASSWORD);
    await expect.poll(() => tab.textContent('h1')).toBe('Signed in');
    await expect.poll(() => card().getByRole('status').first().textContent(), { timeout: 15_000 }).toMatch(/Connected\. Folders: .*Junk \(junk\)/);
    expect(await card().textContent()).toMatch(/alice at 127\.0\.0\.1:\d+, signed in in the browser/);
    await expect.poll(() => sidebar().textContent(), { timeout: 15_000 }).toMatch(/home\s*watching, observing/);
    expect(await waiting.count()).toBe(0);
    // The keyboard is on the new account.
    expect(await page.locator(':focus').getAttribute('id')).toBe('account-home');
    expect(f.dovecot.log(400)).toMatch(/method=(OAUTHBEARER|XOAUTH2)/);
    await tab.close();

    // The next step, as for any account: learning from the folders, with its progress.
    await card().getByText(/^Next: Learn from existing folders/).waitFor();
    await card().getByRole('button', { name: 'Learn from existing folders' }).click();
    await expect.poll(() => card().getByRole('status').first().textContent(), { timeout: 15_000 }).toMatch(/Learned from the existing folders/);
  });

  it('shows a message another client delivers to the signed-in account in Activity', async () => {
    await page.getByRole('link', { name: 'Activity' }).click();
    const subject = await f.append('spam');
    await page.getByRole('button', { name: subject }).waitFor({ timeout: 15_000 });
  });

  it('stops an account whose sign-in was withdrawn, and signs it in again from a browser on another computer (the address pasted)', async () => {
    await as.revokeUser('alice');
    // The next login finds the sign-in gone.
    await f.dovecot.restart();
    await f.reconnect();
    await page.getByRole('link', { name: 'Accounts' }).click();
    await card().getByRole('button', { name: 'Sign in again' }).waitFor({ timeout: 20_000 });
    expect(await sidebar().textContent()).toMatch(/home\s*stopped/);

    // The tab opened here is of no use when the browser is elsewhere: the address is copied there.
    const tab = await openSignIn('Sign in again');
    await tab.close();
    const waiting = card().getByRole('group', { name: 'Signing in home' });
    const address = await waiting.getByLabel(/^The sign-in page's address/).inputValue();
    // That browser reaches the provider, but not this computer's 127.0.0.1.
    const elsewhere = await browserElsewhere(browser, as.issuer);
    let landed: string;
    try {
      const other = await elsewhere.newPage();
      const unreachable = other.waitForEvent('requestfailed', (r) => new URL(r.url()).pathname === '/callback');
      await other.goto(address);
      landed = await signInOnPage(other, 'alice', PASSWORD);
      expect((await unreachable).failure()?.errorText).toMatch(/PROXY/);
    } finally {
      await elsewhere.close();
    }
    expect(await waiting.count()).toBe(1);
    await waiting.getByText('The browser is on another computer?').click();
    await waiting.getByLabel('The address the browser ended on').fill(landed);
    await waiting.getByRole('button', { name: 'Finish signing in' }).click();
    await expect.poll(() => sidebar().textContent(), { timeout: 15_000 }).toMatch(/home\s*watching, observing/);
    expect(await card().getByRole('button', { name: 'Sign in again' }).count()).toBe(0);

    await page.getByRole('link', { name: 'Activity' }).click();
    const subject = await f.append('ham');
    await page.getByRole('button', { name: subject }).waitFor({ timeout: 15_000 });
  });
});
