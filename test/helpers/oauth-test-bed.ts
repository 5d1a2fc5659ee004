import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { launchBrowser } from './browser.ts';
import { startOAuthMailbox, type OAuthMailbox } from './oauth-server.ts';

/** What a test of signing in works with; each field is set by the hooks before a test runs. */
export interface OAuthTestBed {
  /** The sign-in server, the Dovecot checking its tokens and alice's sign-in request, for the file. */
  mailbox: OAuthMailbox;
  browser: Browser;
  /** A new browser page for each test. */
  page: Page;
  /** A new, empty data folder for each test. */
  data: string;
}

/**
 * Registers a test file's hooks for signing in: one OAuth mailbox and browser for the file, and
 * for each test a fresh data folder (named from `prefix`) and page, removed afterwards.
 */
export function oauthTestBed(prefix: string): OAuthTestBed {
  const bed = {} as OAuthTestBed;
  beforeAll(async () => {
    bed.mailbox = await startOAuthMailbox();
    bed.browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await bed.browser?.close();
    await bed.mailbox?.stop();
  });
  beforeEach(async () => {
    bed.data = mkdtempSync(join(tmpdir(), prefix));
    bed.page = await bed.browser.newPage();
  });
  afterEach(async () => {
    await bed.page.close();
    rmSync(bed.data, { recursive: true, force: true });
  });
  return bed;
}
