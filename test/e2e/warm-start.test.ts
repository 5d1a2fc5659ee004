import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../../src/api/api.ts';
import type { Served } from '../../src/api/serve.ts';
import { openUi } from '../helpers/browser.ts';
import { startMailboxFixture, type MailboxFixture } from '../helpers/mailbox-fixture.ts';
import { syntheticMessage } from '../helpers/synthetic-mail.ts';

/**
 * A warm start from the account card (docs/analysis.md E8), in Chromium against the engine and a
 * real Dovecot, on a filter that starts empty: after Learn from existing folders, with fewer than
 * 50 wanted messages filed, the card says so and offers read INBOX mail; taking the offer learns it.
 */

const DAY_MS = 86_400_000;
let f: MailboxFixture;
let api: Api;
let served: Served;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  f = await startMailboxFixture('warm-ui', { untrained: true });
  await f.client.mailboxCreate('Archive');
  const put = (folder: string, n: number, flags: string[], daysAgo: number) =>
    f.client.append(folder, syntheticMessage('ham', n).replace(/\n/g, '\r\n'), flags, new Date(Date.now() - daysAgo * DAY_MS));
  for (let i = 0; i < 5; i++) await put('Archive', 100 + i, ['\\Seen'], 90);
  for (let i = 0; i < 60; i++) await put('INBOX', 200 + i, ['\\Seen'], 60);
  // Unread: not offered.
  for (let i = 0; i < 4; i++) await put('INBOX', 300 + i, [], 60);
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

describe('a warm start from the account card', { timeout: 90_000 }, () => {
  it('says the filter knows too few wanted messages, and learns read INBOX mail when asked', async () => {
    await page.goto(served.url);
    await page.getByRole('link', { name: 'Accounts' }).click();
    const card = page.getByRole('region', { name: 'Account home' });
    await card.getByRole('button', { name: 'Learn from existing folders' }).click();
    await expect.poll(() => card.getByRole('status').first().textContent(), { timeout: 30_000 }).toMatch(/^Learned from the existing folders/);
    await card.getByText('Warden knows 5 wanted messages, fewer than the 50 it needs before it calls anything junk.', { exact: false }).waitFor();
    const days = card.getByLabel('Learn read INBOX mail older than this many days as wanted');
    await days.fill('30');
    await card.getByRole('button', { name: 'Learn read INBOX mail' }).click();
    await expect.poll(() => card.getByRole('status').first().textContent(), { timeout: 30_000 }).toMatch(/INBOX: 64 messages known, without a judgement, 60 read ones newly learned as wanted/);
    // Enough now: the offer is gone.
    expect(await card.getByRole('button', { name: 'Learn read INBOX mail' }).count()).toBe(0);
    expect(await api.call('stats.get', { days: 30 })).toMatchObject({ ok: true, result: { training: { hamMessages: 65, spamMessages: 0 } } });
  });
});
