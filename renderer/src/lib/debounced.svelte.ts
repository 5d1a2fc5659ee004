/**
 * A value that follows `get` once it has stopped changing for `ms`: a search box asks the engine
 * once the user pauses, not at each key (each is a query, and a page of results to draw).
 * Call in a component's setup; empty follows at once (clearing the box shows everything).
 */
export function debounced(get: () => string, ms: number): { readonly current: string } {
  let current = $state(get());
  $effect(() => {
    const next = get();
    if (next.trim() === '') {
      current = next;
      return;
    }
    const timer = setTimeout(() => (current = next), ms);
    return () => clearTimeout(timer);
  });
  return {
    get current() {
      return current;
    },
  };
}
