/**
 * The row a key moves to in a list of `count` rows from row `index` (`page` rows to a screen),
 * as in any list box (WAI-ARIA Authoring Practices, listbox keyboard interaction); undefined
 * for a key that does not move, or a move past either end.
 */
export function keyTarget(key: string, index: number, count: number, page: number): number | undefined {
  const last = count - 1;
  const to =
    key === 'ArrowDown' ? index + 1
    : key === 'ArrowUp' ? index - 1
    : key === 'PageDown' ? Math.min(index + page, last)
    : key === 'PageUp' ? Math.max(index - page, 0)
    : key === 'Home' ? 0
    : key === 'End' ? last
    : undefined;
  return to === undefined || to < 0 || to > last || to === index ? undefined : to;
}
