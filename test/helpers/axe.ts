import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type axeCore from 'axe-core';
import type { AxeResults } from 'axe-core';
import type { Page } from 'playwright-core';

/** axe-core's browser build, evaluated in the page (no script tag: warden serve's CSP allows none inline). */
const SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The part of axe's colour code (axe.commons.color, untyped in axe.d.ts) this file uses. */
interface AxeColours {
  Color: new () => { parseString(css: string): void };
  getContrast(background: object, foreground: object): number;
}

/** The page's globals used here, as the page sees them (the tests are typed without the DOM's library). */
interface InPage {
  axe: typeof axeCore & { commons: { color: AxeColours } };
  document: axeCore.ElementContext;
}

/** One rule axe found broken, with the elements where. */
export interface Finding {
  rule: string;
  impact: string;
  help: string;
  targets: string[];
}

/** The serious and critical findings of axe on the page as it is now; experimental rules included (label-content-name-mismatch is one). */
export async function axeFindings(page: Page): Promise<Finding[]> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(SOURCE);
  const results = await page.evaluate(async (): Promise<Pick<AxeResults, 'violations'>> => {
    const { axe, document } = globalThis as unknown as InPage;
    const experimental = axe.getRules(['experimental']).map((r) => [r.ruleId, { enabled: true }] as const);
    const { violations } = await axe.run(document, { rules: Object.fromEntries(experimental), resultTypes: ['violations'] });
    return { violations };
  });
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ rule: v.id, impact: v.impact!, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

/** The contrast of two CSS colours as WCAG 2 defines it, by axe's own colour code (the page must have run axeFindings). */
export function contrast(page: Page, foreground: string, background: string): Promise<number> {
  return page.evaluate(([fg, bg]) => {
    const colours = (globalThis as unknown as InPage).axe.commons.color;
    const parse = (css: string) => {
      const c = new colours.Color();
      c.parseString(css);
      return c;
    };
    return colours.getContrast(parse(bg), parse(fg));
  }, [foreground, background] as const);
}
