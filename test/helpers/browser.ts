import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { ApiService } from '../../src/api/contract.ts';
import { serve, type Served } from '../../src/api/serve.ts';
import { ROOT } from './warden.ts';

/** Debian's chromium (infra.md section 7): the tests never download a browser. */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** A headless Chromium for the end-to-end tests of the UI. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // No sandbox: CI runs as root, where Chromium's sandbox cannot start. Nothing but our own
    // server on loopback is loaded. The rest keeps Chromium off the network.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/**
 * The built UI served over `api` as `warden serve` serves it, and a Chromium page the size of a
 * laptop's window: what each end-to-end test of the UI starts from. Close the browser, then the
 * server.
 */
export async function openUi(api: ApiService): Promise<{ served: Served; browser: Browser; page: Page }> {
  const ui = join(ROOT, 'renderer', 'dist');
  if (!existsSync(join(ui, 'index.html'))) throw new Error('the UI is not built: npm run build:ui (npm test does it first)');
  const served = await serve(api, { staticDir: ui });
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
  return { served, browser, page };
}

/**
 * Where the end-to-end tests put their screenshots: docs/screenshots, which the README shows,
 * when `npm run screenshots` asks for them (WARDEN_SCREENSHOTS=1); otherwise `scratch`, a folder
 * the test removes, so that running the tests never changes tracked files.
 */
export function screenshotFolder(scratch: string): string {
  const folder = process.env.WARDEN_SCREENSHOTS === '1' ? join(ROOT, 'docs', 'screenshots') : scratch;
  mkdirSync(folder, { recursive: true });
  return folder;
}
