import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../../src/api/api.ts';
import type { ApiEvent } from '../../src/api/contract.ts';
import { serve, type Served } from '../../src/api/serve.ts';
import { axeFindings, contrast, type Finding } from '../helpers/axe.ts';
import { launchBrowser, screenshotFolder } from '../helpers/browser.ts';
import { borderColours, focusRing } from '../helpers/focus-ring.ts';
import { startMailboxFixture, type MailboxFixture } from '../helpers/mailbox-fixture.ts';
import { ROOT, runWarden } from '../helpers/warden.ts';

/**
 * The UI for a keyboard and a screen reader, in Chromium against `warden serve` and a real
 * Dovecot: axe-core over every view in light and dark, with mail in them (docs/accessibility.md).
 */

const UI = join(ROOT, 'renderer', 'dist');

let f: MailboxFixture;
let api: Api;
let served: Served;
let browser: Browser;

/** Resolves on the engine's first event that passes `test`. */
function engineEvent(test: (e: ApiEvent) => boolean): Promise<ApiEvent> {
  return new Promise((resolve) => {
    const off = api.subscribe((e) => {
      if (test(e)) {
        off();
        resolve(e);
      }
    });
  });
}

/** Appends a message as another mail client delivers it, and waits for Warden's decision on it. */
async function deliver(kind: 'ham' | 'spam'): Promise<string> {
  let subject = '';
  const decided = engineEvent((e) => e.kind === 'arrival' && e.arrival.subject === subject && e.arrival.decisionId !== undefined);
  subject = await f.append(kind);
  await decided;
  return subject;
}

beforeAll(async () => {
  if (!existsSync(join(UI, 'index.html'))) throw new Error('the UI is not built: npm run build:ui (npm test does it first)');
  f = await startMailboxFixture('a11y');
  process.env.HOME_PASSWORD = f.env.HOME_PASSWORD;
  expect(runWarden(['--data-dir', f.data, 'account', 'mode', 'home', 'enforce']).status).toBe(0);
  // Offline: the synthetic mail is judged by its content alone, with no DNS to wait for.
  api = await Api.open(f.data, { offline: true });
  const started = engineEvent((e) => e.kind === 'started');
  api.start();
  await started;
  served = await serve(api, { staticDir: UI });
  browser = await launchBrowser();
  // Every kind of row: accepted, rejected, and a reject the user restored.
  for (const kind of ['ham', 'spam', 'ham', 'spam', 'spam', 'spam'] as const) await deliver(kind);
  const rejects = await api.call('rejects.list', {});
  if (!rejects.ok) throw new Error(rejects.error);
  const restored = engineEvent((e) => e.kind === 'arrival' && e.arrival.restored);
  expect(await api.call('rejects.restore', { account: 'home', messages: [rejects.result.items.at(-1)!.message] })).toMatchObject({ ok: true, result: { restored: 1 } });
  await restored;
  expect(await api.call('settings.set', { changes: { rulesets: [{ headersRegexp: { '^list-id$': 'lists\\.example\\.org' }, listAllowDomain: 'lists.example.org', isForward: false }] } })).toMatchObject({ ok: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await served?.close();
  await api?.close();
  delete process.env.HOME_PASSWORD;
  await f?.close();
});

async function openView(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name, exact: true }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

const rows = (page: Page, list: string) => page.getByRole('list', { name: list }).getByRole('listitem');

/** Each view in each of its states, with mail in it: how to get there, ready for axe. */
const VIEWS: [string, (page: Page) => Promise<void>][] = [
  ['Activity', async (page) => {
    await openView(page, 'Activity');
    await expect.poll(() => rows(page, 'Decisions').count()).toBe(6);
  }],
  ['Activity, a decision open', async (page) => {
    await rows(page, 'Decisions').first().getByRole('button').first().click();
    await page.getByRole('region', { name: /^Why: / }).getByText('Authentication').waitFor();
  }],
  ['Rejects', async (page) => {
    await openView(page, 'Rejects');
    await expect.poll(() => rows(page, 'Rejected messages').count()).toBe(3);
  }],
  ['Rejects, a preview open', async (page) => {
    await rows(page, 'Rejected messages').first().getByRole('button').first().click();
    await page.getByRole('region', { name: /Preview/ }).getByText('Subject').waitFor();
  }],
  ['Rejects, none matching', async (page) => {
    await page.getByLabel('Search subject or sender').fill('nothing matches this');
    await page.getByText('No rejects match.').waitFor();
  }],
  ['Rules', async (page) => {
    await openView(page, 'Rules');
    await page.getByText(/lists\.example\.org/).first().waitFor();
  }],
  ['Stats', async (page) => {
    await openView(page, 'Stats');
    await page.getByRole('img', { name: 'Decisions per day, by reason' }).waitFor();
  }],
  ['Settings', async (page) => {
    await openView(page, 'Settings');
    await page.getByRole('button', { name: 'Save' }).waitFor();
  }],
  ['Accounts', async (page) => {
    await openView(page, 'Accounts');
    await page.getByRole('region', { name: 'Account home' }).getByText('Watching INBOX.').waitFor();
  }],
  ['Accounts, removing', async (page) => {
    await page.getByRole('button', { name: 'Remove…' }).click();
    await page.getByRole('button', { name: 'Keep it' }).waitFor();
  }],
];

/** The findings as a line per view: serious and critical rules, and the elements they flag. */
function table(scheme: string, found: Record<string, Finding[]>): string {
  const lines = Object.entries(found).map(([view, findings]) => {
    const nodes = findings.reduce((n, x) => n + x.targets.length, 0);
    return `  ${view.padEnd(28)} ${String(findings.length).padStart(2)} rules, ${String(nodes).padStart(3)} elements  ${findings.map((x) => `${x.rule} (${x.impact}, ${x.targets.length})`).join(', ')}`;
  });
  return `axe, serious and critical, ${scheme}:\n${lines.join('\n')}`;
}

describe('axe-core over every view', { timeout: 120_000 }, () => {
  it.each(['light', 'dark'] as const)('finds nothing serious or critical in %s mode', async (scheme) => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 760 }, colorScheme: scheme });
    try {
      await page.goto(served.url);
      const found: Record<string, Finding[]> = {};
      for (const [view, reach] of VIEWS) {
        await reach(page);
        found[view] = await axeFindings(page);
      }
      console.log(table(scheme, found));
      expect(Object.fromEntries(Object.entries(found).filter(([, x]) => x.length > 0))).toEqual({});
    } finally {
      await page.close();
    }
  });
});

/** The decision id of the row that has the keyboard, and the subject it shows. */
async function focusedRow(page: Page): Promise<{ id: string | null; subject: string | null }> {
  const focused = page.locator(':focus');
  return { id: await focused.locator('xpath=ancestor::*[@data-id]').getAttribute('data-id'), subject: await focused.locator('.subject').textContent() };
}

/** The accessible name of what has the keyboard: its aria-label, or its text. */
async function focusedName(page: Page): Promise<string | null> {
  const focused = page.locator(':focus');
  return (await focused.getAttribute('aria-label')) ?? (await focused.textContent());
}
const announced = (page: Page) => page.locator('.announcer').textContent();

describe('the focus ring and the controls\' borders', { timeout: 60_000 }, () => {
  it.each(['light', 'dark'] as const)('are 3:1 against what they are drawn on in %s mode, and a list row shows its ring whole', async (scheme) => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 760 }, colorScheme: scheme });
    try {
      await page.goto(served.url);
      await openView(page, 'Activity');
      await axeFindings(page);
      // From the search box, Tab goes to the first row.
      await page.getByLabel('Search subject or sender').focus();
      await page.keyboard.press('Tab');
      expect(await page.locator(':focus').locator('xpath=ancestor::*[@role="listitem"]').count()).toBe(1);
      const inRow = await focusRing(page);
      expect(inRow).toMatchObject({ style: 'solid', whole: true });
      expect(await contrast(page, inRow.colour, inRow.background)).toBeGreaterThanOrEqual(3);
      // On the navigation's panel.
      await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Activity' }).focus();
      const inNav = await focusRing(page);
      expect(inNav.style).toBe('solid');
      expect(await contrast(page, inNav.colour, inNav.background)).toBeGreaterThanOrEqual(3);
      // On the page, and the borders of every control in Settings.
      await openView(page, 'Settings');
      // By the keyboard: a ring shows for it, not for a click (:focus-visible).
      await page.getByRole('button', { name: 'Save' }).focus();
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('Tab');
      expect(await focusedName(page)).toBe('Save');
      const onPage = await focusRing(page);
      expect(onPage.style).toBe('solid');
      expect(await contrast(page, onPage.colour, onPage.background)).toBeGreaterThanOrEqual(3);
      const controls = page.locator('main').locator('input:not([type=checkbox]), select, textarea');
      expect(await controls.count()).toBeGreaterThan(3);
      for (const control of await controls.all()) {
        const { border, background } = await borderColours(control);
        expect(await contrast(page, border, background)).toBeGreaterThanOrEqual(3);
      }
    } finally {
      await page.close();
    }
  });
});

describe('in a narrow window (640 px, as 1280 px at 200% zoom)', { timeout: 60_000 }, () => {
  let page: Page;
  let shots: string;
  beforeAll(async () => {
    shots = screenshotFolder(join(f.dir, 'screenshots'));
    page = await browser.newPage({ viewport: { width: 640, height: 900 } });
    await page.goto(served.url);
  });
  afterAll(() => page?.close());

  /** The page is no wider than the window: nothing to scroll sideways for. */
  const pageWidth = () => page.locator('html').evaluate((e: { scrollWidth: number }) => e.scrollWidth);

  it('puts the navigation in a bar on top, and the details under the list, each the width of the view', async () => {
    await openView(page, 'Activity');
    const nav = (await page.getByRole('navigation', { name: 'Views' }).boundingBox())!;
    expect(nav).toMatchObject({ x: 0, y: 0, width: 640 });
    expect(nav.height).toBeLessThan(200);
    const list = page.getByRole('list', { name: 'Decisions' });
    await rows(page, 'Decisions').first().getByRole('button').click();
    const panel = page.getByRole('region', { name: /^Why: / });
    await panel.getByText('Authentication').waitFor();
    const [l, p] = [(await list.boundingBox())!, (await panel.boundingBox())!];
    expect(l.y).toBeGreaterThanOrEqual(nav.y + nav.height);
    expect(l.width).toBeGreaterThan(560);
    expect(p.width).toBeGreaterThan(560);
    expect(p.y).toBeGreaterThanOrEqual(l.y + l.height);
    expect(await pageWidth()).toBe(640);
    await page.screenshot({ path: join(shots, 'narrow-activity.png') });
    await page.keyboard.press('Escape');
  });

  it('shows Rejects\' subjects whole, and the preview under the list', async () => {
    await openView(page, 'Rejects');
    const first = rows(page, 'Rejected messages').first();
    const subject = first.locator('.subject');
    expect((await subject.boundingBox())!.width).toBeGreaterThan(100);
    expect(await subject.evaluate((e: { scrollWidth: number; clientWidth: number }) => e.scrollWidth <= e.clientWidth)).toBe(true);
    await first.getByRole('button').first().click();
    const panel = page.getByRole('region', { name: /^Preview: / });
    await panel.getByText('Subject').waitFor();
    const l = (await page.getByRole('list', { name: 'Rejected messages' }).boundingBox())!;
    expect((await panel.boundingBox())!.y).toBeGreaterThanOrEqual(l.y + l.height);
    expect(await pageWidth()).toBe(640);
    await page.screenshot({ path: join(shots, 'narrow-rejects.png') });
    await page.keyboard.press('Escape');
  });

  it('lays out Accounts and Settings in the width', async () => {
    await openView(page, 'Accounts');
    expect(await pageWidth()).toBe(640);
    await page.screenshot({ path: join(shots, 'narrow-accounts.png') });
    await page.emulateMedia({ colorScheme: 'dark' });
    await openView(page, 'Settings');
    expect(await pageWidth()).toBe(640);
    await page.screenshot({ path: join(shots, 'narrow-settings-dark.png') });
  });
});

describe('by keyboard', { timeout: 120_000 }, () => {
  let page: Page;
  beforeAll(async () => {
    page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
    await page.goto(served.url);
  });
  afterAll(() => page?.close());

  it('opens a decision with Enter, and closes it with Escape or Close, back on its row', async () => {
    await openView(page, 'Activity');
    await rows(page, 'Decisions').first().getByRole('button').focus();
    const row = await focusedRow(page);
    await page.keyboard.press('Enter');
    const panel = page.getByRole('region', { name: /^Why: / });
    await expect.poll(() => panel.locator('h2:focus').textContent()).toBe(row.subject);
    await page.keyboard.press('Escape');
    await expect.poll(() => panel.count()).toBe(0);
    await expect.poll(() => focusedRow(page)).toEqual(row);

    await page.keyboard.press('Enter');
    await panel.getByRole('button', { name: 'Close' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await focusedName(page)).toBe('Close');
    await page.keyboard.press('Enter');
    await expect.poll(() => panel.count()).toBe(0);
    await expect.poll(() => focusedRow(page)).toEqual(row);
  });

  it('leaves the keyboard where the user moved it when the details come late', async () => {
    // The engine's answer held back 1.5 s, as on a slow machine.
    await page.route('**/api/decisions.get', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await route.continue();
    });
    try {
      await rows(page, 'Decisions').first().getByRole('button').focus();
      await page.keyboard.press('Enter');
      await page.keyboard.press('ArrowDown');
      const moved = await focusedRow(page);
      await page.getByRole('region', { name: /^Why: / }).waitFor();
      await page.waitForTimeout(300);
      expect(await focusedRow(page)).toEqual(moved);
    } finally {
      await page.unroute('**/api/decisions.get');
    }
    await page.getByRole('region', { name: /^Why: / }).getByRole('button', { name: 'Close' }).click();
  });

  it('previews a reject with Enter, and closes it with Escape or Close, back on its row', async () => {
    await openView(page, 'Rejects');
    await rows(page, 'Rejected messages').first().getByRole('button').first().focus();
    const row = await focusedRow(page);
    await page.keyboard.press('Enter');
    const panel = page.getByRole('region', { name: /^Preview: / });
    await panel.getByText('Subject').waitFor();
    expect(await page.locator(':focus').textContent()).toBe(row.subject);
    await page.keyboard.press('Escape');
    await expect.poll(() => panel.count()).toBe(0);
    await expect.poll(() => focusedRow(page)).toEqual(row);

    await page.keyboard.press('Enter');
    await panel.getByText('Subject').waitFor();
    await page.keyboard.press('Tab');
    expect(await focusedName(page)).toBe('Close');
    await page.keyboard.press('Enter');
    await expect.poll(() => panel.count()).toBe(0);
    await expect.poll(() => focusedRow(page)).toEqual(row);
  });

  it('says an error in the live region: a reject another client moved away cannot be previewed', async () => {
    await f.move('Rejects', '1:*', 'Trash');
    await rows(page, 'Rejected messages').first().getByRole('button').first().press('Enter');
    await expect.poll(() => announced(page), { timeout: 15_000 }).toMatch(/is no longer in Rejects/);
    await page.keyboard.press('Escape');
    await f.move('Trash', '1:*', 'Rejects');
  });

  it('keeps the focused row on its message while mail arrives, and says the new decisions in one go', async () => {
    await openView(page, 'Activity');
    // Everything the live region says from now on, kept in the page (the test's DOM types are not loaded: declared here).
    await page.locator('.announcer').evaluate((region: { textContent: string | null }) => {
      type Observer = new (callback: () => void) => { observe(node: unknown, options: object): void };
      const { MutationObserver: Observe } = globalThis as unknown as { MutationObserver: Observer };
      const said: string[] = [];
      new Observe(() => region.textContent && said.push(region.textContent)).observe(region, { childList: true, characterData: true, subtree: true });
      Object.assign(globalThis, { said });
    });
    await rows(page, 'Decisions').nth(2).getByRole('button').focus();
    const row = await focusedRow(page);
    const before = await rows(page, 'Decisions').count();
    let count = 0;
    const decided = engineEvent((e) => e.kind === 'arrival' && e.arrival.decisionId !== undefined && ++count === 4);
    for (const kind of ['ham', 'spam', 'ham', 'spam'] as const) await f.append(kind);
    await decided;
    await expect.poll(() => rows(page, 'Decisions').count()).toBe(before + 4);
    expect(await focusedRow(page)).toEqual(row);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator(':focus').textContent()).toBe(row.subject);
    await page.keyboard.press('Escape');
    // Told in batches: every decision counted, in fewer sentences than decisions.
    // (An announcement may carry others that came while the one before was held: announcement-queue.ts.)
    const told = async () => (await page.evaluate(() => (globalThis as unknown as { said: string[] }).said)).flatMap((s) => [...s.matchAll(/(\d+) new decisions?:/g)]);
    await expect.poll(async () => (await told()).reduce((n, m) => n + Number(m[1]), 0), { timeout: 10_000 }).toBe(4);
    expect((await told()).length).toBeLessThan(4);
  });

  it('restores by keyboard: the keyboard goes on to the next row, the one before at the end, then the status line', async () => {
    for (const kind of ['spam', 'spam', 'spam'] as const) await deliver(kind);
    await openView(page, 'Rejects');
    const restoreButtons = page.getByRole('list', { name: 'Rejected messages' }).getByRole('button', { name: /^Restore / });
    // The three just rejected, the two of the arrivals above, and the three first ones.
    await expect.poll(() => restoreButtons.count()).toBe(8);
    const names = await Promise.all((await restoreButtons.all()).map((b) => b.getAttribute('aria-label')));
    await restoreButtons.first().focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => focusedName(page), { timeout: 15_000 }).toBe(names[1]);
    // The view's status line says it (the live region too, unless a batch of the decisions above took it over since).
    const status = page.locator('p.status');
    await expect.poll(() => status.textContent()).toMatch(/^1 restored to INBOX/);
    expect(await f.subjects('INBOX')).toContain(names[0]!.replace(/^Restore /, ''));

    await page.keyboard.press('End');
    expect(await focusedName(page)).toBe(names[7]);
    await page.keyboard.press('Enter');
    await expect.poll(() => focusedName(page), { timeout: 15_000 }).toBe(names[6]);
    await expect.poll(() => status.textContent()).toMatch(/^1 restored to INBOX/);

    await page.getByRole('button', { name: /^Select all/ }).focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Shift+Tab');
    expect(await focusedName(page)).toMatch(/^Restore selected \(6\)/);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator(':focus').getAttribute('class'), { timeout: 15_000 }).toMatch(/\bstatus\b/);
    expect(await page.locator(':focus').textContent()).toMatch(/^6 restored to INBOX/);
    await expect.poll(() => f.subjects('Rejects'), { timeout: 15_000 }).toEqual([]);
  });

  // Last: it removes the account.
  it('asks before removing an account, on Keep it; Escape and Keep it go back to Remove…; removed, the keyboard goes on', async () => {
    await openView(page, 'Accounts');
    const remove = page.getByRole('button', { name: 'Remove…' });
    await remove.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => focusedName(page)).toBe('Keep it');
    await page.keyboard.press('Escape');
    await expect.poll(() => focusedName(page)).toBe('Remove…');
    await page.keyboard.press('Enter');
    await expect.poll(() => focusedName(page)).toBe('Keep it');
    await page.keyboard.press('Enter');
    await expect.poll(() => focusedName(page)).toBe('Remove…');
    expect(await api.call('accounts.list', {})).toMatchObject({ ok: true, result: [{ name: 'home' }] });

    await page.keyboard.press('Enter');
    await expect.poll(() => focusedName(page)).toBe('Keep it');
    await page.keyboard.press('Shift+Tab');
    expect(await focusedName(page)).toBe('Yes, remove');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator(':focus').getAttribute('aria-label')).toBe('Connect a mailbox');
    // Said at once, or at most HOLD_MS later with what came meanwhile (announcement-queue.ts).
    await expect.poll(() => announced(page), { timeout: 5_000 }).toContain('home removed from Warden.');
    expect(await api.call('accounts.list', {})).toEqual({ ok: true, result: [] });
  });
});
