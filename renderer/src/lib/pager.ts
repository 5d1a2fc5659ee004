import type { Page } from '../../../src/api/contract.ts';

/** One page of a list: `before` is the previous page's `next` (absent for the first). */
export type FetchPage<T> = (before: number | undefined) => Promise<{ ok: true; result: Page<T> } | { ok: false; error: string }>;

/**
 * A list the engine serves newest first, a page at a time, as the user scrolls. A new filter
 * (`reset`) wins over any page still on its way: an answer to an older filter is dropped, so
 * the list never shows what the search box no longer says. Items are unique by id: one that
 * arrives live and then again in a page is shown once; one that arrives live while the first
 * page is on its way stays on top of it, when the page was read before it was decided.
 */
export class Pager<T extends { id: number }> {
  items: readonly T[] = [];
  /** The last page is loaded. */
  finished = false;
  error = '';
  #fetch: FetchPage<T>;
  #onUpdate: () => void;
  #next: number | undefined;
  #ids = new Set<number>();
  /** Items that came live while the first page was on its way: newer than it, kept on top. */
  #live: T[] = [];
  /** Which `reset` the list belongs to; an answer for an earlier one is stale. */
  #generation = 0;
  /** The generation a page is being loaded for, if any. */
  #loading: number | undefined;

  constructor(fetch: FetchPage<T>, onUpdate: () => void) {
    this.#fetch = fetch;
    this.#onUpdate = onUpdate;
  }

  /** Starts again from the newest page, with another fetch (a new filter) when given. */
  reset(fetch: FetchPage<T> = this.#fetch): Promise<void> {
    this.#fetch = fetch;
    this.#generation++;
    this.#next = undefined;
    this.finished = false;
    this.#live = [];
    return this.#load(true);
  }

  /** The next page, unless one is on its way or there is none. */
  more(): Promise<void> {
    if (this.finished || this.#loading === this.#generation) return Promise.resolve();
    return this.#load(false);
  }

  /** An item made now, on top (once). */
  prepend(item: T): void {
    if (this.#ids.has(item.id)) return;
    this.#ids.add(item.id);
    this.#live = [item, ...this.#live];
    this.items = [item, ...this.items];
    this.#onUpdate();
  }

  /** Takes out the items `gone` picks (restored here or in another mail client). */
  remove(gone: (item: T) => boolean): void {
    this.#live = this.#live.filter((i) => !gone(i));
    this.items = this.items.filter((i) => {
      if (!gone(i)) return true;
      this.#ids.delete(i.id);
      return false;
    });
    this.#onUpdate();
  }

  async #load(first: boolean): Promise<void> {
    const generation = this.#generation;
    this.#loading = generation;
    const r = await this.#fetch(first ? undefined : this.#next);
    if (generation !== this.#generation) return;
    this.#loading = undefined;
    if (!r.ok) {
      this.error = r.error;
    } else {
      this.error = '';
      const live = first ? this.#live : [];
      if (first) this.#ids = new Set(live.map((i) => i.id));
      this.#live = [];
      const fresh = r.result.items.filter((i) => !this.#ids.has(i.id));
      for (const i of fresh) this.#ids.add(i.id);
      this.items = first ? [...live, ...fresh] : [...this.items, ...fresh];
      this.#next = r.result.next;
      this.finished = r.result.next === undefined;
    }
    this.#onUpdate();
  }
}
