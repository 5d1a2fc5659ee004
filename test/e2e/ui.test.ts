import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../../src/api/api.ts';
import { serve, type Served } from '../../src/api/serve.ts';
import { openUi, screenshotFolder } from '../helpers/browser.ts';
import { startDnsmasq, type Dnsmasq } from '../helpers/dnsmasq.ts';
import { startMailboxFixture, type MailboxFixture } from '../helpers/mailbox-fixture.ts';
import { dkimKeyRecord, providerMessage } from '../helpers/provider-mail.ts';
import { SPAM_WORDS, syntheticMessage } from '../helpers/synthetic-mail.ts';
import { ROOT, runWarden, runWardenAsync } from '../helpers/warden.ts';

/**
 * The UI in Chromium against `warden serve` and a real Dovecot (and dnsmasq, so a sender can
 * authenticate): what a user does, from connecting a mailbox to restoring a reject. Screenshots
 * go to docs/screenshots with `npm run screenshots` (screenshotFolder).
 */

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
  f = await startMailboxFixture('ui');
  shots = screenshotFolder(join(f.dir, 'screenshots'));
  // The UI connects the mailbox itself.
  expect(runWarden(['--data-dir', f.data, 'account', 'remove', 'home']).status).toBe(0);
  dns = await startDnsmasq({
    hosts: [{ name: SENDER.ehlo, ips: [SENDER.ip] }],
    txts: [{ name: 'offers.test', value: 'v=spf1 ip4:198.51.100.0/24 -all' }, { name: '_dmarc.offers.test', value: 'v=DMARC1; p=none' }, dkimKeyRecord('offers.test')],
  });
  // The daily backup looked for often, so that a failure shows within the test (the last step).
  api = await Api.open(f.data, { dnsServers: [dns.server], backupCheckMs: 300 });
  api.start();
  ({ served, browser, page } = await openUi(api));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await served?.close();
  await api?.close();
  await dns?.stop();
  await f?.close();
});

/** A decision's row in Activity, whatever its verdict (the row is named verdict first). */
const rowOf = (subject: string) => page.getByRole('button', { name: new RegExp(`^\\S+ ${subject} `) });

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

  it('on a first run opens Accounts to connect a mailbox; empty lists and Stats say so, drawing no empty chart', async () => {
    await page.goto(served.url);
    await expect.poll(() => new URL(page.url()).hash).toBe('#/accounts');
    await page.getByRole('heading', { name: 'Connect a mailbox' }).waitFor();

    await page.getByRole('link', { name: 'Activity' }).click();
    const empty = page.getByText(/^No decisions yet\./);
    await empty.waitFor();
    // The words keep clear of the list's border.
    const [text, list] = await Promise.all([empty.boundingBox(), page.getByRole('list', { name: 'Decisions' }).boundingBox()]);
    expect(text!.x - list!.x).toBeGreaterThanOrEqual(12);

    await page.getByRole('link', { name: 'Stats' }).click();
    await page.getByText(/^No decisions in this period yet/).waitFor();
    await page.getByText(/^None in this period: you restored no reject/).waitFor();
    // The fixture's filter is trained: that chart has something to show.
    await page.getByRole('img', { name: /Messages the content filter learned from/ }).waitFor();
    expect(await page.getByRole('img', { name: 'Decisions per day, by reason' }).count()).toBe(0);
    expect(await page.getByRole('img', { name: /Rejects restored/ }).count()).toBe(0);
  });

  it('connects a mailbox: the form, the connection test before saving, observe mode', async () => {
    await page.goto(served.url);
    await page.getByRole('link', { name: 'Accounts' }).click();
    await page.getByRole('radio', { name: 'Another server' }).check();
    // No account yet: the name offered is home.
    expect(await page.getByLabel('Name for this account').inputValue()).toBe('home');
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
    // Tested before it is saved: a wrong password is said beside it, nothing is added, and the
    // form keeps what was typed.
    const password = page.getByLabel(/^Password/);
    await expect.poll(() => password.getAttribute('aria-invalid'), { timeout: 15_000 }).toBe('true');
    expect(await page.locator(`#${await password.getAttribute('aria-describedby')}`).textContent()).toMatch(/password.*nothing was saved$/);
    expect(await api.call('accounts.list', {})).toEqual({ ok: true, result: [] });
    expect(await page.getByLabel('IMAP server').inputValue()).toBe(f.dovecot.host);
    expect(await password.inputValue()).toBe('wrong password');
    const card = page.getByRole('region', { name: 'Account home' });
    expect(await card.count()).toBe(0);

    await password.fill(f.dovecot.users[0]!.password);
    await page.getByRole('button', { name: 'Add account' }).click();
    await expect.poll(() => card.getByRole('status').first().textContent(), { timeout: 15_000 }).toMatch(/Connected\. Folders: .*Junk \(junk\)/);
    // Dovecot has CONDSTORE: two Wardens on this mailbox claim each message.
    expect(await card.getByText(/^Two computers on this account: each message is claimed by CONDSTORE/).isVisible()).toBe(true);
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

  it('shows the threshold the filter judges by in Settings: not fitted yet, then fitted on wanted mail trained by hand', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    // The fixture's 50 wanted messages cannot be scored without their own words (each leaves 49).
    expect(await page.getByLabel('Fit a lower threshold on my wanted mail').isChecked()).toBe(true);
    await expect
      .poll(() => page.locator('#fit-note').textContent())
      .toMatch(/Not fitted yet: 0 of the 100 wanted messages a fit needs have a score without their own words\..* judges by your threshold, 0\.95\./);
    // Wanted mail trained by hand (warden junk train through the running Warden: a set-up): the threshold is fitted on it.
    const begun = await api.call('junk.beginSetUp', {});
    if (!begun.ok) throw new Error(begun.error);
    const ham = Array.from({ length: 110 }, (_, i) => Buffer.from(syntheticMessage('ham', 5000 + i)).toString('base64'));
    expect(await api.call('junk.train', { label: 'ham', messages: ham, setUp: begun.result.setUp })).toMatchObject({ ok: true });
    expect(await api.call('junk.endSetUp', { setUp: begun.result.setUp })).toMatchObject({ ok: true });
    const filter = await api.call('filter.get', {});
    if (!filter.ok) throw new Error(filter.error);
    const { judging } = filter.result;
    expect(judging.ham).toBeGreaterThanOrEqual(110);
    expect(judging.threshold).toBeLessThan(0.95);
    await page.getByRole('link', { name: 'Rules' }).click();
    await page.getByRole('link', { name: 'Settings' }).click();
    await expect
      .poll(() => page.locator('#fit-note').textContent())
      .toContain(`Judging by ${judging.threshold.toFixed(3)}, fitted on your wanted mail: the highest of your latest ${judging.ham} wanted messages, each scored without its own words, scored ${judging.highest!.toFixed(3)}.`);
    await page.screenshot({ path: join(shots, 'settings-fitted.png') });
    // Off: the filter judges by the setting again, as the later steps expect: the mail they restore scored as junk.
    await page.getByLabel('Fit a lower threshold on my wanted mail').uncheck();
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('#fit-note').textContent()).toContain('Fitting is off: the filter judges by your threshold, 0.95.');
    expect(await api.call('filter.get', {})).toMatchObject({ ok: true, result: { fitThreshold: false, judging: { threshold: 0.95, ham: 0 } } });
    await page.getByRole('link', { name: 'Accounts' }).click();
  });

  it('edits an account: tests the new settings before saving, says what failed beside it, keeps the form; shows each state with its reason and only its actions', async () => {
    const card = page.getByRole('region', { name: 'Account home' });
    await card.getByRole('button', { name: 'Edit…' }).click();
    const form = card.getByRole('form', { name: 'Edit home' });
    const port = form.getByLabel('Port');
    expect(await port.inputValue()).toBe(String(f.dovecot.imapPort));
    // A server that is not there: refused, beside the server's field; nothing saved.
    await port.fill('1');
    await form.getByRole('button', { name: 'Test and save' }).click();
    const host = form.getByLabel('IMAP server');
    await expect.poll(() => host.getAttribute('aria-invalid'), { timeout: 15_000 }).toBe('true');
    expect(await card.locator(`#${await host.getAttribute('aria-describedby')}`).textContent()).toMatch(/nothing was saved$/);
    expect(await port.inputValue()).toBe('1');
    // A wrong new password: refused beside it.
    await port.fill(String(f.dovecot.imapPort));
    const password = form.getByLabel(/^New password/);
    await password.fill('not the password');
    await form.getByRole('button', { name: 'Test and save' }).click();
    await expect.poll(() => password.getAttribute('aria-invalid'), { timeout: 15_000 }).toBe('true');
    expect(await api.call('accounts.list', {})).toMatchObject({ ok: true, result: [{ name: 'home', port: f.dovecot.imapPort, folders: {} }] });
    // What logs in is saved; the card shows the connection again.
    await password.fill('');
    await form.getByRole('button', { name: 'Test and save' }).click();
    await expect.poll(() => form.count(), { timeout: 15_000 }).toBe(0);
    await expect.poll(() => card.getByRole('status').first().textContent(), { timeout: 15_000 }).toMatch(/^Connected\./);
    await expect.poll(() => card.textContent(), { timeout: 15_000 }).toMatch(/Watching INBOX\./);

    // Paused: said so, and Resume is offered instead of Pause.
    await card.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => card.textContent()).toMatch(/Paused by you/);
    expect(await card.getByRole('button', { name: 'Pause' }).count()).toBe(0);
    await card.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => card.textContent(), { timeout: 15_000 }).toMatch(/Watching INBOX\./);

    // An account the command line adds to the running Warden, whose password variable that
    // Warden's environment lacks: stopped, with the reason, and Start watching, not Pause.
    const added = await runWardenAsync(['--data-dir', f.data, 'account', 'add', 'laptop', '--host', f.dovecot.host, '--port', String(f.dovecot.imapPort), '--tls', 'plain', '--allow-plain', '--user', f.dovecot.users[0]!.name, '--password-env', 'LAPTOP_PASSWORD'], { LAPTOP_PASSWORD: 'set only here' });
    expect(added.status).toBe(0);
    const other = page.getByRole('region', { name: 'Account laptop' });
    await expect.poll(() => other.textContent(), { timeout: 15_000 }).toMatch(/Stopped: the password of account laptop is read from the environment variable LAPTOP_PASSWORD, which is not set: set it where Warden runs/);
    expect(await other.getByRole('button', { name: 'Start watching' }).count()).toBe(1);
    expect(await other.getByRole('button', { name: 'Pause' }).count()).toBe(0);
    // A new account is offered a free name, not one taken.
    await page.getByRole('radio', { name: 'Another server' }).check();
    expect(await page.getByLabel('Name for this account').inputValue()).toBe('home-2');
    // Removing asks first.
    await other.getByRole('button', { name: 'Remove…' }).click();
    await other.getByRole('group', { name: 'Remove laptop?' }).getByRole('button', { name: 'Yes, remove' }).click();
    await expect.poll(() => other.count()).toBe(0);
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
    // The threshold it was held to, and why it is not the one in Settings.
    expect(await why.textContent()).toMatch(/against a threshold of 0\.\d{3}: your threshold 0\.950, moved [−+]0\.\d{3} at random for this message/);
    expect(await why.textContent()).toMatch(/moves the threshold a little at random for each message/);
    // The row's score is labelled.
    expect(await row.textContent()).toMatch(/ · junk \d+%\s*$/);
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
    // The view's own status line: the page's live region may say something newer by then (a batch of decisions).
    await page.getByText(/^1 restored to INBOX; Warden learns from it\./).first().waitFor();
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

    // The restored reject reads Restored, in a colour of its own.
    const restored = rowOf('bonus jackpot second').locator('.verdict');
    await expect.poll(() => restored.textContent(), { timeout: 15_000 }).toBe('Restored');
    // The page's getComputedStyle, typed here: the tests are compiled without the DOM's types.
    type Styles = { getComputedStyle(e: unknown): { color: string } };
    const colour = (l: typeof restored) => l.evaluate((e) => (globalThis as unknown as Styles).getComputedStyle(e).color);
    const rejectedColour = await colour(rowOf('bonus jackpot first').locator('.verdict'));
    const acceptedColour = await colour(accepted.locator('.verdict'));
    expect(new Set([await colour(restored), rejectedColour, acceptedColour]).size).toBe(3);

    // The user disagrees: from the decision, to Junk.
    await accepted.click();
    await page.getByRole('button', { name: 'Move to Junk' }).click();
    await expect.poll(() => f.subjects('Junk'), { timeout: 15_000 }).toContain(next);
    // Once Warden has learned it, the decision says so, and offers Move to Junk no more.
    const why = page.getByRole('region', { name: `Why: ${next}` });
    await expect.poll(() => why.textContent(), { timeout: 15_000 }).toMatch(/Accepted, then filed as junk by you/);
    expect(await why.getByRole('button', { name: 'Move to Junk' }).count()).toBe(0);
    expect(await rowOf(next).locator('.verdict').textContent()).toBe('Junk');
  });

  it('shows mail filed as junk in another mail client as such, without Move to Junk', async () => {
    await page.getByRole('link', { name: 'Activity' }).click();
    const subject = await sendSpam('bonus jackpot filed elsewhere');
    await page.getByRole('button', { name: new RegExp(`^Accepted ${subject} `) }).waitFor({ timeout: 15_000 });
    // Whatever its verdict becomes.
    const row = rowOf(subject);
    await row.click();
    const why = page.getByRole('region', { name: `Why: ${subject}` });
    await why.getByRole('button', { name: 'Move to Junk' }).waitFor();
    const lock = await f.client.getMailboxLock('INBOX');
    let uids: number[] | false | undefined;
    try {
      uids = await f.client.search({ subject }, { uid: true });
    } finally {
      lock.release();
    }
    await f.move('INBOX', String((uids as number[])[0]), 'Junk');
    await expect.poll(() => row.locator('.verdict').textContent(), { timeout: 15_000 }).toBe('Junk');
    await expect.poll(() => why.textContent(), { timeout: 15_000 }).toMatch(/You moved it to Junk, here or in another mail client/);
    expect(await why.getByRole('button', { name: 'Move to Junk' }).count()).toBe(0);
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
    served = await serve(api, { staticDir: join(ROOT, 'renderer', 'dist'), port, token });
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
    await expect.poll(() => page.getByRole('list', { name: 'Rules', exact: true }).textContent()).toMatch(/Mailing lists at lists\.example\.org/);

    await page.getByRole('link', { name: 'Settings' }).click();
    // In a browser: the desktop app's settings are not shown, and the page says where they are.
    await page.getByText(/^Desktop notifications and start at login are settings of the desktop app/).waitFor();
    expect(await page.getByLabel('Start Warden when I log in').count()).toBe(0);
    expect(await page.getByLabel(/Notify me/).count()).toBe(0);
    // Turned off in an earlier step.
    await expect.poll(() => page.locator('#fit-note').textContent()).toContain('Fitting is off: the filter judges by your threshold, 0.95.');
    // Sizes in MB.
    const largest = page.getByLabel(/^Largest message analysed, in MB/);
    expect(await largest.inputValue()).toBe('32');
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
    await largest.fill('10');
    // The daily digest: off, its hour asked for once it is on.
    const digest = page.getByLabel(/Daily digest: once a day/);
    expect(await digest.isChecked()).toBe(false);
    expect(await page.getByLabel(/^Put the digest in INBOX at/).count()).toBe(0);
    await digest.check();
    await page.getByLabel(/^Put the digest in INBOX at/).selectOption('07:00');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toMatch(/Saved/);
    expect(await zones.getAttribute('aria-invalid')).toBe('false');
    expect(await api.call('filter.get', {})).toMatchObject({ ok: true, result: { threshold: 0.97, fitThreshold: false } });
    expect(await api.call('settings.get', {})).toMatchObject({
      ok: true,
      result: { subjectpassHours: 24, rejectsRetentionDays: 30, maxMessageBytes: 10 * 1024 * 1024, rulesets: [{ listAllowDomain: 'lists.example.org' }], digest: { enabled: true, hour: 7 } },
    });
    await page.screenshot({ path: join(shots, 'settings.png') });
    // Off again: no digest in the INBOX the next steps look at.
    await digest.uncheck();
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => JSON.stringify(await api.call('settings.get', {}))).toContain('"digest":{"enabled":false,"hour":7}');

  });

  it('always rejects, or always accepts, a sender: from the Rules view and from a decision, shown in the evidence', async () => {
    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Rules' }).click();
    const senders = page.getByRole('list', { name: 'Senders' });
    await expect.poll(() => senders.textContent()).toMatch(/No senders yet/);
    const field = page.getByLabel(/^An address \(alice@example\.com\), or a domain/);
    // Not a sender: said beside the field, and nothing changes.
    await field.fill('http://offers.test/');
    await page.getByRole('button', { name: 'Always reject', exact: true }).click();
    await expect.poll(() => field.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator(`#${await field.getAttribute('aria-describedby')}`).textContent()).toMatch(/is neither an email address nor a domain/);
    await field.fill('@Offers.test');
    await page.getByRole('button', { name: 'Always reject', exact: true }).click();
    await expect.poll(() => senders.textContent()).toMatch(/Always reject mail from everyone at offers\.test/);
    expect(await api.call('senderRules.list', {})).toEqual({ ok: true, result: [{ sender: 'offers.test', action: 'block' }] });

    // The rule decides over the sender's good reputation, with its own reason.
    await page.getByRole('link', { name: 'Activity' }).click();
    const blocked = await sendSpam('bonus jackpot blocked');
    const row = page.getByRole('button', { name: new RegExp(`^Rejected ${blocked} `) });
    await row.waitFor({ timeout: 20_000 });
    expect(await row.textContent()).toMatch(/you always reject mail from everyone at offers\.test/);
    await row.click();
    const why = page.getByRole('region', { name: `Why: ${blocked}` });
    await expect.poll(() => why.textContent()).toMatch(/reason sender-block/);
    expect(await why.getByText(/^Your sender rule: you always reject mail from everyone at offers\.test/).count()).toBe(1);

    // From the decision: always accept this one address, over its domain's rule.
    await why.getByLabel('A rule for').selectOption({ label: SENDER.from });
    await why.getByRole('button', { name: `Always accept from ${SENDER.from}` }).click();
    await expect.poll(() => why.getByRole('status').last().textContent()).toMatch(/^Always accept mail from deals@offers\.test, from the next message on/);
    const allowed = await sendSpam('bonus jackpot allowed');
    const accepted = page.getByRole('button', { name: new RegExp(`^Accepted ${allowed} `) });
    await accepted.waitFor({ timeout: 20_000 });
    expect(await accepted.textContent()).toMatch(/you always accept mail from deals@offers\.test/);

    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Rules' }).click();
    await expect.poll(() => senders.textContent()).toMatch(/Always accept mail from deals@offers\.test/);
    await page.screenshot({ path: join(shots, 'rules.png') });
    await page.getByRole('button', { name: 'Remove: Always reject mail from everyone at offers.test' }).click();
    await page.getByRole('button', { name: 'Remove: Always accept mail from deals@offers.test' }).click();
    await expect.poll(() => senders.textContent()).toMatch(/No senders yet/);
    expect(await api.call('senderRules.list', {})).toEqual({ ok: true, result: [] });
  });

  it('shows a failing daily backup wherever the user is, also in a window opened later, until a backup is made', async () => {
    const folder = join(f.data, 'backups');
    const banner = page.getByRole('alert').filter({ hasText: "The daily backup of Warden's database failed" });
    expect(await banner.count()).toBe(0);
    // Where the backups go is a file now: the next check fails.
    rmSync(folder, { recursive: true, force: true });
    writeFileSync(folder, 'not a folder');
    try {
      await banner.waitFor();
      expect(await banner.textContent()).toMatch(/failed just now: .*backups.* Mail is still filtered, and Warden tries again every hour/s);
      await page.getByRole('link', { name: 'Rules' }).click();
      await page.reload();
      await banner.waitFor();
      await page.screenshot({ path: join(shots, 'backup-failed.png') });
    } finally {
      rmSync(folder);
      mkdirSync(folder, { mode: 0o700 });
    }
    // The next check makes a backup: the failure is over.
    await expect.poll(async () => JSON.stringify(await api.call('backups.status', {})), { timeout: 15_000 }).toMatch(/^\{"ok":true,"result":\{"newest":\d+\}\}$/);
    await page.reload();
    await page.getByRole('heading', { name: 'Rules', exact: true, level: 1 }).waitFor();
    expect(await banner.count()).toBe(0);
  });
});
