import type { StatsView } from '../../../src/api/contract.ts';
import { reasonLabel } from './reasons.ts';

const DAY_MS = 86_400_000;

/** The UTC days (YYYY-MM-DD) of the last `days` days up to today, as stats.get counts them. */
export function dayRange(days: number, now: number): string[] {
  const list: string[] = [];
  for (let t = now - days * DAY_MS; ; t += DAY_MS) {
    const day = new Date(t).toISOString().slice(0, 10);
    list.push(day);
    if (day === new Date(now).toISOString().slice(0, 10)) return list;
  }
}

export interface Series {
  label: string;
  accept: boolean;
  /** One count per day of the range. */
  counts: number[];
}

/** Decisions per day, one series per verdict and reason (accepted first), days without any at 0. */
export function decisionSeries(decisions: StatsView['decisions'], days: readonly string[]): Series[] {
  const index = new Map(days.map((d, i) => [d, i]));
  const series = new Map<string, Series>();
  for (const d of decisions) {
    const at = index.get(d.day);
    if (at === undefined) continue;
    const key = `${d.accept ? 'a' : 'r'}:${d.reason}`;
    let s = series.get(key);
    if (!s) series.set(key, (s = { label: `${d.accept ? 'accepted' : 'rejected'}: ${reasonLabel(d.reason)}`, accept: d.accept, counts: days.map(() => 0) }));
    s.counts[at]! += d.count;
  }
  return [...series.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, s]) => s);
}

/** Corrections per day of the range, days without any at 0. */
export function correctionCounts(corrections: StatsView['corrections'], days: readonly string[]): { restored: number[]; junked: number[] } {
  const byDay = new Map(corrections.map((c) => [c.day, c]));
  return { restored: days.map((d) => byDay.get(d)?.restored ?? 0), junked: days.map((d) => byDay.get(d)?.junked ?? 0) };
}

/** A day of the range as a chart's axis shows it: "Nov 25" (the day is UTC, so is the label). */
export function dayLabel(day: string, locale?: string): string {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString(locale, { month: 'short', day: 'numeric', timeZone: 'UTC' });
}
