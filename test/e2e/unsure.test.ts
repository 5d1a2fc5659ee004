import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../../src/api/api.ts';
import type { Served } from '../../src/api/serve.ts';
import { axeFindings, contrast } from '../helpers/axe.ts';
import { openUi } from '../helpers/browser.ts';
import { startMailboxFixture, type MailboxFixture } from '../helpers/mailbox-fixture.ts';
import { HAM_WORDS, NOVEL_WORDS, SPAM_WORDS } from '../helpers/synthetic-mail.ts';

/**
 * The unsure band in the UI (docs/analysis.md 2.5), in Chromium against the engine and a real
 * Dovecot: Settings turns it on and says where it starts, Activity lists unsure decisions under a
 * filter of their own, with their own colour and words, and the evidence explains the band.
 */

let f: MailboxFixture;
let api: Api;
let served: Served;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  f = await startMailboxFixture('unsure-ui');
  // The engine runs in this process: the account's password is where the fixture named it.
  process.env.HOME_PASSWORD = f.env.HOME_PASSWORD;
  api = await Api.open(f.data, { offline: true });
  api.start();
  ({ served, browser, page } = await openUi(api));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await served?.close();
  await api?.close();
  await f?.close();
  delete process.env.HOME_PASSWORD;
});

/** Three wanted words, four junk ones and words never seen (test/cli/unsure.test.ts): it scores about 0.6. */
const mixed = () => f.append('ham', { from: 'Mixed <mixed@elsewhere.example>', words: NOVEL_WORDS, extraBody: [[...HAM_WORDS.slice(0, 3), ...SPAM_WORDS.slice(0, 4)].join(' ')] });

async function flagsOf(subject: string): Promise<string[]> {
  const lock = await f.client.getMailboxLock('INBOX');
  try {
    const [uid] = (await f.client.search({ subject }, { uid: true })) || [];
    const m = uid === undefined ? undefined : await f.client.fetchOne(`${uid}`, { flags: true }, { uid: true });
    return m ? [...(m.flags ?? [])].filter((x) => x !== '\\Recent') : [];
  } finally {
    lock.release();
  }
}

describe('the unsure band in the UI', { timeout: 90_000 }, () => {
  it('Settings turns it on and says where it starts; a value out of range is not saved', async () => {
    await page.goto(served.url);
    await page.getByRole('link', { name: 'Settings' }).click();
    const box = page.getByRole('checkbox', { name: 'Mark mail Warden is unsure of' });
    expect(await box.isChecked()).toBe(false);
    // Off: where it starts is not asked.
    expect(await page.getByLabel(/^Unsure from this junk probability/).count()).toBe(0);
    await box.check();
    const from = page.getByLabel(/^Unsure from this junk probability/);
    expect(await from.inputValue()).toBe('0.5');
    // The browser holds the form back (its own check of min and max), saying so at the field.
    await from.fill('1.5');
    await page.getByRole('button', { name: 'Save' }).click();
    // Typed here: the tests are compiled without the DOM's types.
    type Input = { validity: { rangeOverflow: boolean }; matches(selector: string): boolean };
    expect(await from.evaluate((e) => (e as unknown as Input).validity.rangeOverflow && (e as unknown as Input).matches(':focus'))).toBe(true);
    expect(await api.call('settings.get', {})).toMatchObject({ ok: true, result: { unsure: false } });
    await from.fill('0.3');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/^Saved\./).waitFor();
    expect(await api.call('settings.get', {})).toMatchObject({ ok: true, result: { unsure: true, unsureFrom: 0.3 } });
  });

  it('Activity lists unsure mail under Unsure, in its own colour, and the evidence says why', async () => {
    expect(await api.call('accounts.mode', { name: 'home', mode: 'enforce' })).toMatchObject({ ok: true });
    // Watching started from the mail there then: what comes after is decided.
    await expect.poll(async () => ((await api.call('accounts.list', {})) as { ok: true; result: { state: string }[] }).result[0]?.state, { timeout: 30_000 }).toBe('watching');
    const unsure = await mixed();
    const ham = await f.append('ham');
    await page.getByRole('link', { name: 'Activity' }).click();
    const row = (subject: string) => page.getByRole('button', { name: new RegExp(`^\\S+ ${subject} `) });
    await row(ham).waitFor({ timeout: 30_000 });
    await row(unsure).waitFor();
    expect(await row(unsure).textContent()).toMatch(/^Unsure/);
    expect(await row(ham).textContent()).toMatch(/^Accepted/);
    expect(await flagsOf(unsure)).toEqual(['$Unsure']);

    await page.getByLabel('Show').selectOption('unsure');
    await expect.poll(() => row(ham).count()).toBe(0);
    expect(await row(unsure).count()).toBe(1);

    // Its own colour, readable on the page (WCAG 1.4.3, 4.5:1), not the accept's.
    type Styles = { getComputedStyle(e: unknown): { color: string } };
    const colour = (subject: string) => row(subject).locator('.verdict').evaluate((e) => (globalThis as unknown as Styles).getComputedStyle(e).color);
    expect(await colour(unsure)).toBe('rgb(133, 93, 0)');
    expect(await axeFindings(page)).toEqual([]);
    expect(await contrast(page, await colour(unsure), 'rgb(255, 255, 255)')).toBeGreaterThanOrEqual(4.5);
    await page.getByLabel('Show').selectOption('all');
    await row(ham).waitFor();
    expect(await colour(ham)).not.toBe(await colour(unsure));
    await page.getByLabel('Show').selectOption('unsure');
    await expect.poll(() => row(ham).count()).toBe(0);

    await row(unsure).click();
    const panel = page.getByRole('region', { name: /^Why: / });
    await panel.getByText('Accepted, but Warden is unsure: left in INBOX for you to judge').waitFor();
    expect(await panel.textContent()).toMatch(/unsure: junk \d+(\.\d)?%, between 30% and \d+(\.\d)?%/);
    expect(await panel.textContent()).toMatch(/between 0\.300 and 0\.9\d\d, your unsure band/);
  });
});
