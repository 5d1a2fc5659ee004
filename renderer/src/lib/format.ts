/** When something happened, in words relative to `now`: "just now", "5 min ago", "yesterday 14:02", or a date. */
export function when(time: number, now = Date.now()): string {
  const seconds = Math.round((now - time) / 1000);
  if (seconds < 45) return 'just now';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  const d = new Date(time);
  const clock = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const today = new Date(now);
  if (d.toDateString() === today.toDateString()) return clock;
  const yesterday = new Date(now - 86_400_000);
  if (d.toDateString() === yesterday.toDateString()) return `yesterday ${clock}`;
  return d.toLocaleDateString([], { year: 'numeric', month: 'short', day: 'numeric' });
}

/** A spamminess in [0, 1] as a percentage. */
export function percent(score: number): string {
  return `${Math.round(score * 100)}%`;
}
