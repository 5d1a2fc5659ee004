import { describe, expect, it } from 'vitest';
import type { Page } from '../../src/api/contract.ts';
import { Pager, type FetchPage } from '../../renderer/src/lib/pager.ts';

type Item = { id: number };
type Answer = { ok: true; result: Page<Item> } | { ok: false; error: string };

/** A fetch whose answers the test gives, in the order it chooses. */
function controlled() {
  const asked: { before: number | undefined; answer: (a: Answer) => void }[] = [];
  const fetch: FetchPage<Item> = (before) => new Promise((answer) => asked.push({ before, answer }));
  return { fetch, asked };
}

const page = (ids: number[], next?: number): Answer => ({ ok: true, result: { items: ids.map((id) => ({ id })), ...(next === undefined ? {} : { next }) } });
const ids = (p: Pager<Item>) => p.items.map((i) => i.id);

describe('Pager', () => {
  it('loads pages with the cursor of the one before, and stops after the last', async () => {
    const { fetch, asked } = controlled();
    const pager = new Pager(fetch, () => {});
    const first = pager.reset();
    asked[0]!.answer(page([9, 8], 8));
    await first;
    const second = pager.more();
    // Asked again while that page is on its way: no second request.
    void pager.more();
    expect(asked.map((a) => a.before)).toEqual([undefined, 8]);
    asked[1]!.answer(page([7]));
    await second;
    expect(ids(pager)).toEqual([9, 8, 7]);
    expect(pager.finished).toBe(true);
    await pager.more();
    expect(asked).toHaveLength(2);
  });

  it('shows the newest filter: an answer for an earlier one that comes last is dropped', async () => {
    const old = controlled();
    const current = controlled();
    const pager = new Pager(old.fetch, () => {});
    const a = pager.reset();
    const b = pager.reset(current.fetch);
    current.asked[0]!.answer(page([2]));
    old.asked[0]!.answer(page([1]));
    await Promise.all([a, b]);
    expect(ids(pager)).toEqual([2]);
  });

  it('a new filter while a further page is on its way: that page is not appended', async () => {
    const { fetch, asked } = controlled();
    const pager = new Pager(fetch, () => {});
    const first = pager.reset();
    asked[0]!.answer(page([5, 4], 4));
    await first;
    const more = pager.more();
    const again = pager.reset();
    asked[2]!.answer(page([5]));
    asked[1]!.answer(page([3], 3));
    await Promise.all([more, again]);
    expect(ids(pager)).toEqual([5]);
    expect(pager.finished).toBe(true);
  });

  it('shows an item that came live and then in a page once', async () => {
    const { fetch, asked } = controlled();
    const pager = new Pager(fetch, () => {});
    const first = pager.reset();
    asked[0]!.answer(page([3, 2], 2));
    await first;
    pager.prepend({ id: 4 });
    pager.prepend({ id: 4 });
    expect(ids(pager)).toEqual([4, 3, 2]);
    const more = pager.more();
    asked[1]!.answer(page([2, 1]));
    await more;
    expect(ids(pager)).toEqual([4, 3, 2, 1]);
  });

  it('keeps an item that came live while the first page was on its way (a reload, as after a reconnect)', async () => {
    const { fetch, asked } = controlled();
    const pager = new Pager(fetch, () => {});
    const first = pager.reset();
    asked[0]!.answer(page([3, 2]));
    await first;
    const reload = pager.reset();
    // Announced before the page is here: 4 was decided before the server read the page, 5 after.
    pager.prepend({ id: 4 });
    pager.prepend({ id: 5 });
    asked[1]!.answer(page([4, 3, 2]));
    await reload;
    expect(ids(pager)).toEqual([5, 4, 3, 2]);
    // A new filter starts from its own page only.
    const filtered = pager.reset();
    asked[2]!.answer(page([2]));
    await filtered;
    expect(ids(pager)).toEqual([2]);
  });

  it('keeps what it has on an error, says it, and tries the same page again', async () => {
    const { fetch, asked } = controlled();
    let updates = 0;
    const pager = new Pager(fetch, () => updates++);
    const first = pager.reset();
    asked[0]!.answer(page([2], 2));
    await first;
    const failed = pager.more();
    asked[1]!.answer({ ok: false, error: 'The engine is not answering.' });
    await failed;
    expect(pager.error).toBe('The engine is not answering.');
    expect(ids(pager)).toEqual([2]);
    const retried = pager.more();
    expect(asked[2]!.before).toBe(2);
    asked[2]!.answer(page([1]));
    await retried;
    expect(ids(pager)).toEqual([2, 1]);
    expect(pager.error).toBe('');
    expect(updates).toBe(3);
  });

  it('takes out what was restored', async () => {
    const { fetch, asked } = controlled();
    const pager = new Pager(fetch, () => {});
    const first = pager.reset();
    asked[0]!.answer(page([3, 2, 1]));
    await first;
    pager.remove((i) => i.id >= 2);
    expect(ids(pager)).toEqual([1]);
    pager.prepend({ id: 2 });
    expect(ids(pager)).toEqual([2, 1]);
  });
});
