import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../../src/api/api.ts';
import { serve, type Served } from '../../src/api/serve.ts';
import { launchBrowser, screenshotFolder } from '../helpers/browser.ts';
import { startDnsmasq, type Dnsmasq } from '../helpers/dnsmasq.ts';
import { startMailboxFixture, type MailboxFixture } from '../helpers/mailbox-fixture.ts';
import { dkimKeyRecord, providerMessage } from '../helpers/provider-mail.ts';
import { SPAM_WORDS } from '../helpers/synthetic-mail.ts';
import { ROOT, runWarden } from '../helpers/warden.ts';

/**
 * The UI in Chromium against `warden serve` and a real Dovecot (and dnsmasq, so a sender can
 * authenticate): what a user does, from connecting a mailbox to restoring a reject. Screenshots
 * go to docs/screenshots with `npm run screenshots` (screenshotFolder).
 */

const UI = join(ROOT, 'renderer', 'dist');
const SENDER = { ip: '198.51.100.40', ehlo: 'mx.offers.test', from: 'deals@offers.test' };
const SPAMMY = `${SPAM_WORDS.join(' ')}.\r\n${SPAM_WORDS.slice(0, 10).join(' ')}.\r\n`;

let f: MailboxFixture;
let dns: Dnsmasq;
let api: Api;
let served: Served;
let browser: Browser;
let page: Page;
let shots: string;

beforeAll(async () => {
  if (!existsSync(join(UI, 'index.html'))) throw new Error('the UI is not built: npm run build:ui (npm test does it first)');
  f = await startMailboxFixture('ui');
  shots = screenshotFolder(join(f.dir, 'screenshots'));
  // The UI connects the mailbox itself.
  expect(runWarden(['--data-dir', f.data, 'account', 'remove', 'home']).status).toBe(0);
  dns = await startDnsmasq({
    hosts: [{ name: SENDER.ehlo, ips: [SENDER.ip] }],
    txts: [{ name: 'offers.test', value: 'v=spf1 ip4:198.51.100.0/24 -all' }, { name: '_dmarc.offers.test', value: 'v=DMARC1; p=none' }, dkimKeyRecord('offers.test')],
  });
  api = await Api.open(f.data, { dnsServers: [dns.server] });
  api.start();
  served = await serve(api, { staticDir: UI });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await served?.close();
  await api?.close();
  await dns?.stop();
  await f?.close();
});

const sendSpam = async (subject: string) => {
  await f.client.append('INBOX', await providerMessage({ ...SENDER, mailFrom: SENDER.from, sign: 'offers.test', subject, body: SPAMMY }));
  return subject;
};

// Each step waits on a real server and a real browser: generous, so a loaded CI machine passes.
describe('the UI', { timeout: 90_000 }, () => {
  it('without the key in its address, says how to open it, and the API refuses it', async () => {
    await page.goto(`http://127.0.0.1:${served.port}/#/activity`);
    await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/without its key/);
  });

  it('connects a mailbox: the form, the connection test, observe mode', async () => {
    await page.goto(served.url);
    await page.getByRole('link', { name: 'Accounts' }).click();
    await page.getByRole('radio', { name: 'Another server' }).check();
    await page.getByLabel('Name for this account').fill('home');
    await page.getByLabel('IMAP server').fill(f.dovecot.host);
    await page.getByLabel('Port', { exact: true }).fill(String(f.dovecot.imapPort));
    await page.getByLabel('Security').selectOption('plain');
    await page.getByLabel(/^Your address/).fill(f.dovecot.users[0]!.name);
    await page.getByLabel(/^Password/).fill('wrong password');
    // Refused, said beside the control at fault, which gets the keyboard.
    await page.getByRole('button', { name: 'Add account' }).click();
    const security = page.getByLabel('Security');
    await expect.poll(() => security.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator(`#${await security.getAttribute('aria-describedby')}`).textContent()).toMatch(/^plain IMAP sends your password unencrypted/);
    expect(await security.evaluate((e) => e === e.ownerDocument.activeElement)).toBe(true);
    await page.getByLabel(/Send my password unencrypted/).check();
    await page.getByRole('button', { name: 'Add account' }).click();
    // Added, then tested: a wrong password is said in words.
    const card = page.getByRole('region', { name: 'Account home' });
    await expect.poll(() => card.getByRole('alert').textContent(), { timeout: 15_000 }).toMatch(/password/i);
    // Removing asks first.
    await card.getByRole('button', { name: 'Remove…' }).click();
    await card.getByRole('group', { name: 'Remove home?' }).getByRole('button', { name: 'Yes, remove' }).click();
    await expect.poll(() => card.count()).toBe(0);

    await page.getByLabel(/^Password/).fill(f.dovecot.users[0]!.password);
    await page.getByRole('button', { name: 'Add account' }).click();
    await expect.poll(() => card.getByRole('status').first().textContent(), { timeout: 15_000 }).toMatch(/Connected\. Folders: .*Junk \(junk\)/);
    await expect.poll(() => page.getByRole('region', { name: 'Accounts status' }).textContent(), { timeout: 15_000 }).toMatch(/home\s*watching, observing/);
    // The folder roles found, and the user's own choice over them.
    await card.getByText('Folders Warden uses').click();
    await card.getByLabel(/^Trash/).selectOption('Drafts');
    await expect.poll(async () => JSON.stringify(await api.call('accounts.list', {}))).toMatch(/"folders":\{"trash":"Drafts"\}/);
    await card.getByLabel(/^Trash/).selectOption('');
    await expect.poll(async () => JSON.stringify(await api.call('accounts.list', {}))).toMatch(/"folders":\{\}/);
    // A new choice of folders starts the watcher again: the picture once it watches.
    await expect.poll(() => page.getByRole('region', { name: 'Accounts status' }).textContent(), { timeout: 15_000 }).toMatch(/home\s*watching/);
    await page.screenshot({ path: join(shots, 'accounts.png') });
  });

  it('shows a message another client delivers in Activity within seconds, with its reasons', async () => {
    await page.getByRole('link', { name: 'Activity' }).click();
    const subject = await sendSpam('bonus jackpot first');
    // A row is named by what it shows, verdict first.
    const row = page.getByRole('button', { name: new RegExp(`^Rejected ${subject} `) });
    await row.waitFor({ timeout: 15_000 });
    await row.click();
    const why = page.getByRole('region', { name: `Why: ${subject}` });
    await expect.poll(() => why.textContent()).toMatch(/junk/i);
    await expect.poll(() => why.getByRole('list', { name: 'The words that decided' }).textContent()).toMatch(/jackpot|bonus/);
    // Observe mode: nothing moved.
    expect(await f.subjects('INBOX')).toContain(subject);
    await page.screenshot({ path: join(shots, 'activity.png') });
  });

  it('in enforce mode the next reject is moved; restoring it from Rejects moves it back, and the sender is accepted next time', async () => {
    await page.getByRole('link', { name: 'Accounts' }).click();
    await page.getByRole('button', { name: 'Switch to enforce' }).click();
    await expect.poll(() => page.getByRole('region', { name: 'Accounts status' }).textContent(), { timeout: 15_000 }).toMatch(/watching, enforcing/);
    const subject = await sendSpam('bonus jackpot second');
    await expect.poll(() => f.subjects('Rejects'), { timeout: 15_000 }).toContain(subject);

    await page.getByRole('link', { name: 'Rejects' }).click();
    await page.getByRole('button', { name: subject, exact: false }).first().click();
    // The message's text, not only its subject in the heading.
    await expect.poll(() => page.getByRole('region', { name: 'Preview' }).locator('pre').textContent()).toMatch(/jackpot/);
    await page.screenshot({ path: join(shots, 'rejects.png') });
    await page.getByRole('button', { name: `Restore ${subject}` }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/1 restored to INBOX/);
    await expect.poll(() => f.subjects('INBOX'), { timeout: 15_000 }).toContain(subject);
    expect(await f.subjects('Rejects')).not.toContain(subject);

    await page.getByRole('link', { name: 'Activity' }).click();
    const next = await sendSpam('bonus jackpot third');
    const accepted = page.getByRole('button', { name: new RegExp(`^Accepted ${next} `) });
    await accepted.waitFor({ timeout: 15_000 });
    expect(await f.subjects('INBOX')).toContain(next);

    // By keyboard: arrows move between rows; Enter opens the details, Escape closes them and
    // goes back to the row.
    await accepted.focus();
    await page.keyboard.press('ArrowDown');
    // Restored once the engine has seen it back in INBOX; Activity may have loaded before that.
    expect(await page.locator(':focus').textContent()).toMatch(/^(Restored|Rejected)\s*bonus jackpot second\s/);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator(':focus').textContent()).toBe(next);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator(':focus').textContent()).toMatch(new RegExp(`^Accepted\\s*${next}\\s`));
    expect(await page.getByRole('region', { name: `Why: ${next}` }).count()).toBe(0);

    // The user disagrees: from the decision, to Junk.
    await accepted.click();
    await page.getByRole('button', { name: 'Move to Junk' }).click();
    await expect.poll(() => page.getByText('Moved to Junk: Warden learns from it.').count()).toBe(1);
    await expect.poll(() => f.subjects('Junk'), { timeout: 15_000 }).toContain(next);
  });

  it('catches up after its connection to the server dropped: what happened meanwhile shows', async () => {
    await page.getByRole('link', { name: 'Activity' }).click();
    await page.getByRole('button', { name: /^(Accepted|Rejected|Restored) / }).first().waitFor();
    expect(await page.getByRole('region', { name: 'Accounts status' }).textContent()).toMatch(/watching, enforcing/);
    // The server goes away (the engine goes on), and comes back at the same address.
    const { port } = served;
    const token = new URL(served.url).hash.replace('#token=', '');
    await served.close();
    expect(await api.call('accounts.mode', { name: 'home', mode: 'observe' })).toMatchObject({ ok: true });
    await expect.poll(async () => JSON.stringify(await api.call('accounts.list', {})), { timeout: 15_000 }).toMatch(/"state":"watching"/);
    const subject = await sendSpam('bonus jackpot while away');
    await expect.poll(async () => JSON.stringify(await api.call('decisions.list', { search: 'away' })), { timeout: 15_000 }).toContain(subject);
    served = await serve(api, { staticDir: UI, port, token });
    // Their events were lost: the page loads again once its socket is back.
    await page.getByRole('button', { name: new RegExp(`^(Accepted|Rejected) ${subject} `) }).waitFor({ timeout: 45_000 });
    await expect.poll(() => page.getByRole('region', { name: 'Accounts status' }).textContent()).toMatch(/watching, observing/);
  });

  it('shows the charts, and changes the rules and the settings', async () => {
    await page.getByRole('link', { name: 'Stats' }).click();
    await page.getByRole('img', { name: 'Decisions per day, by reason' }).waitFor();
    await expect.poll(() => page.getByText(/has learned from \d+ wanted and \d+ junk messages/).count()).toBe(1);
    await page.screenshot({ path: join(shots, 'stats.png') });

    await page.getByRole('link', { name: 'Rules' }).click();
    await page.getByLabel('Accept mailing lists at this domain').fill('lists.example.org');
    await page.getByRole('button', { name: 'Add' }).first().click();
    await expect.poll(() => page.getByRole('list', { name: 'Rules' }).textContent()).toMatch(/Mailing lists at lists\.example\.org/);

    await page.getByRole('link', { name: 'Settings' }).click();
    // Headless: no desktop app to start at login, and the page says so.
    const atLogin = page.getByLabel('Start Warden when I log in');
    expect(await atLogin.isDisabled()).toBe(true);
    expect(await page.locator(`#${await atLogin.getAttribute('aria-describedby')}`).textContent()).toMatch(/served by warden serve/);
    // A block list given as a URL: refused, said beside its control.
    const zones = page.getByLabel(/DNS block lists/);
    await zones.fill('zen.spamhaus.org\nhttp://bl.example.org/');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => zones.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator(`#${await zones.getAttribute('aria-describedby')}`).textContent()).toBe('"http://bl.example.org/" is not a DNS name: it is a URL: give the name alone (bl.example.org)');
    expect(await api.call('settings.get', {})).toMatchObject({ ok: true, result: { dnsblZones: [] } });
    await zones.fill('');
    await page.getByLabel(/Subject-pass tokens stay valid/).fill('24');
    await page.getByLabel(/Junk threshold/).fill('0.97');
    await page.getByLabel(/Move rejects to Trash after/).fill('30');
    await page.getByLabel(/Notify me when mail is rejected/).uncheck();
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toMatch(/Saved/);
    expect(await zones.getAttribute('aria-invalid')).toBe('false');
    expect(await api.call('filter.get', {})).toEqual({ ok: true, result: { threshold: 0.97 } });
    expect(await api.call('preferences.get', {})).toEqual({ ok: true, result: { notifications: false, startAtLogin: null } });
    expect(await api.call('settings.get', {})).toMatchObject({ ok: true, result: { subjectpassHours: 24, rejectsRetentionDays: 30, rulesets: [{ listAllowDomain: 'lists.example.org' }] } });
    await page.screenshot({ path: join(shots, 'settings.png') });
  });
});
