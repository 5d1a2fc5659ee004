import type { Locator, Page } from 'playwright-core';

/** The few DOM types the page-side code below uses (the tests are typed without the DOM's library). */
interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}
interface Node {
  parentElement: Node | null;
  clientLeft: number;
  clientTop: number;
  clientWidth: number;
  clientHeight: number;
  getBoundingClientRect(): Box;
}
interface Style {
  borderTopColor: string;
  outlineColor: string;
  outlineStyle: string;
  outlineWidth: string;
  outlineOffset: string;
  backgroundColor: string;
  overflowX: string;
  overflowY: string;
}
interface InPage {
  document: { activeElement: Node | null };
  getComputedStyle: (node: Node) => Style;
}

/** The focus ring of what has the keyboard, as drawn. */
export interface FocusRing {
  /** Its colour, and the colour it is drawn on: the element's own background for a ring inside it, else its parent's. */
  colour: string;
  background: string;
  style: string;
  /** Every ancestor that clips (a scroller) shows the whole ring. */
  whole: boolean;
}

export function focusRing(page: Page): Promise<FocusRing> {
  return page.evaluate(() => {
    const { document, getComputedStyle } = globalThis as unknown as InPage;
    const el = document.activeElement;
    if (!el) throw new Error('nothing has the keyboard');
    const style = getComputedStyle(el);
    const offset = parseFloat(style.outlineOffset);
    const reach = offset + parseFloat(style.outlineWidth);
    let background = 'rgba(0, 0, 0, 0)';
    for (let at = offset < 0 ? el : el.parentElement; at && background === 'rgba(0, 0, 0, 0)'; at = at.parentElement) background = getComputedStyle(at).backgroundColor;
    const r = el.getBoundingClientRect();
    const ring = { left: r.left - reach, top: r.top - reach, right: r.right + reach, bottom: r.bottom + reach };
    let whole = true;
    for (let at = el.parentElement; at; at = at.parentElement) {
      const s = getComputedStyle(at);
      if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
      const b = at.getBoundingClientRect();
      const left = b.left + at.clientLeft;
      const top = b.top + at.clientTop;
      whole &&= ring.left >= left && ring.top >= top && ring.right <= left + at.clientWidth && ring.bottom <= top + at.clientHeight;
    }
    return { colour: style.outlineColor, background, style: style.outlineStyle, whole };
  });
}

/** A control's border colour and its own background, the one the border meets. */
export function borderColours(control: Locator): Promise<{ border: string; background: string }> {
  return control.evaluate((e: unknown) => {
    const { getComputedStyle } = globalThis as unknown as InPage;
    const style = getComputedStyle(e as Node);
    return { border: style.borderTopColor, background: style.backgroundColor };
  });
}
