import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Api } from '../../src/api/api.ts';
import { serve } from '../../src/api/serve.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { ROOT } from '../helpers/warden.ts';
import { fixed, printTable } from './table.ts';

const UI = join(ROOT, 'renderer', 'dist');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * The UI against the headless server: its bundle gzipped, and the initial load — from asking
 * for the page to the first decision on screen — in a fresh browser context each time (nothing
 * cached), over `dataDir`'s history (the lists bench's 100 000 decisions). Then how long a
 * scroll to the bottom of 5 000 rows takes, page requests included, and how long each frame takes
 * scrolling back up through them.
 */
export async function benchUi(dataDir: string): Promise<void> {
  if (!existsSync(join(UI, 'index.html'))) {
    console.log('\nThe UI is not built: no UI rows (npm run build:ui).');
    return;
  }
  const assets = readdirSync(join(UI, 'assets')).map((f) => join(UI, 'assets', f));
  const gzippedSize = (files: string[]) => files.reduce((n, f) => n + gzipSync(readFileSync(f)).length, 0);
  const gzipped = gzippedSize([join(UI, 'index.html'), ...assets]);
  // What index.html itself asks for; the rest (the charts) loads with its view.
  const html = readFileSync(join(UI, 'index.html'), 'utf8');
  const first = gzippedSize([join(UI, 'index.html'), ...assets.filter((f) => html.includes(`assets/${f.slice(f.lastIndexOf('/') + 1)}`))]);
  const api = await Api.open(dataDir, { offline: true });
  const served = await serve(api, { staticDir: UI });
  const browser = await launchBrowser();
  try {
    const loads: number[] = [];
    let scroll = 0;
    let [missed, frames, drawn] = [0, 0, 0];
    for (let i = 0; i < 6; i++) {
      const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
      const page = await context.newPage();
      const started = performance.now();
      await page.goto(served.url);
      // A row of the decisions list (the navigation's items show before any data).
      await page.getByRole('list', { name: 'Decisions' }).getByRole('listitem').first().waitFor();
      // The first load warms the server; the others are measured.
      if (i > 0) loads.push(performance.now() - started);
      if (i === 1) {
        const t = performance.now();
        // In the page (a string: this file is compiled without the DOM's types). Down to the end
        // of what is loaded, again and again: each time the next page comes.
        const rows = await page.evaluate<number>(`(async () => {
          const list = document.querySelector('[aria-label="Decisions"]');
          const inner = list.querySelector('.inner');
          const deadline = Date.now() + 60000;
          while (parseFloat(inner.style.height) < 5000 * 58 && Date.now() < deadline) {
            list.scrollTop = list.scrollHeight;
            await new Promise((r) => requestAnimationFrame(r));
          }
          return Math.round(parseFloat(inner.style.height) / 58);
        })()`);
        if (rows < 5000) throw new Error(`the list stopped at ${rows} rows`);
        scroll = performance.now() - t;
        // Back up through them, 20 rows a frame, timing each frame, and counting the rows drawn.
        [missed, frames, drawn] = await page.evaluate<[number, number, number]>(`(async () => {
          const list = document.querySelector('[aria-label="Decisions"]');
          const frames = [];
          let drawn = 0;
          let last = performance.now();
          while (list.scrollTop > 0) {
            list.scrollTop -= 20 * 58;
            await new Promise((r) => requestAnimationFrame(r));
            const now = performance.now();
            frames.push(now - last);
            last = now;
            drawn = Math.max(drawn, list.querySelectorAll('[role="listitem"]').length);
          }
          // A frame comes each display refresh (16.7 ms at 60 Hz): one over 25 ms missed one.
          return [frames.filter((f) => f > 25).length, frames.length, drawn];
        })()`);
      }
      await context.close();
    }
    console.log(`\nThe UI against warden serve, the history holding the lists bench's decisions (median of ${loads.length} loads, each in a fresh browser context):`);
    printTable([
      ['', 'measured', 'target', 'met'],
      ['bundle, gzipped', `${fixed(gzipped / 1024, 0)} kB`, '≤ 300 kB', gzipped <= 300 * 1024 ? 'yes' : 'NO'],
      ['of which the first load', `${fixed(first / 1024, 0)} kB`, '', ''],
      ['initial load, to the first decision on screen', `${fixed(median(loads), 0)} ms`, '≤ 1000 ms', median(loads) <= 1000 ? 'yes' : 'NO'],
      ['scroll to row 5 000 (50 pages loaded)', `${fixed(scroll, 0)} ms`, '', ''],
      ['scrolling back up, 20 rows a frame: frames that missed a refresh', `${missed} of ${frames}`, '0', missed === 0 ? 'yes' : 'NO'],
      ['… rows in the page at most (of 5 000 loaded)', String(drawn), '', ''],
    ]);
  } finally {
    await browser.close();
    await served.close();
    await api.close();
  }
}
