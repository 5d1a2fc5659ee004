import { Pager } from './pager.ts';

/**
 * A `Pager` whose items, end and error are Svelte state, for a view to show. The items are raw
 * state: rows are replaced, never changed in place, and 100 000 of them need no proxies. The
 * view may set `error` itself; the next page the pager loads sets it again.
 */
export class PagedList<T extends { id: number }> {
  items = $state.raw<readonly T[]>([]);
  finished = $state(false);
  error = $state('');
  /** Fetches nothing until the view's first `reset` gives it what to fetch. */
  readonly pager: Pager<T> = new Pager<T>(
    () => Promise.resolve({ ok: true, result: { items: [] } }),
    () => {
      this.items = this.pager.items;
      this.finished = this.pager.finished;
      this.error = this.pager.error;
    },
  );
}
