/**
 * The junk threshold fitted on the user's own training (docs/content-filter.md, "The threshold
 * fitted on your training").
 *
 * Every wanted message trained once the filter could judge gets a held-out score: the
 * probability the filter gives it without its own words (for mail learned as it arrives, the
 * score it had just before; for a set-up's messages, the score once the whole set-up is
 * trained). The fitted threshold is the highest held-out score of the latest HELD_OUT_HAM
 * wanted messages, never below FITTED_FLOOR and never above the configured threshold: the
 * threshold comes down only as far as none of the user's own recent wanted mail would have been
 * judged junk, and goes back up as soon as one such message scores higher.
 */

/**
 * How many of the latest wanted messages' held-out scores the fit reads. The next wanted
 * message scores above the highest of n such scores with a chance of about 1/(n + 1) (when it
 * is like them), and is then rejected if the threshold had come down: with n = 1000 that is
 * once in a thousand wanted messages, the whole of what the filter may reject (0.1%), before
 * any wanted message scoring above the setting. With 5000 it is a fifth of that. Fewer (500)
 * let the threshold fall back to its floor between corrections, and in the temporal protocol
 * reject 29 wanted messages instead of 6 (docs/content-filter.md).
 */
export const HELD_OUT_HAM = 5000;

/**
 * The fit needs this many held-out scores: with fewer the chance above is over 1%, and with 50
 * (mox's rule for judging at all) the online protocol rejected a wanted message that scored
 * 0.74 against a threshold fitted to 0.54 on its first few dozen (docs/content-filter.md).
 */
export const FITTED_MIN_HAM = 100;

/**
 * A wanted message is scored held-out only when the filter without it judges (SIGNIFICANT_HAM
 * ham) and has seen this much spam: with none, every word scores as wanted mail's.
 */
export const SCORED_MIN_SPAM = 10;

/**
 * The fitted threshold is never below the filter's midpoint, where the evidence for junk starts
 * to outweigh the evidence against (the unsure band's default start, too).
 */
export const FITTED_FLOOR = 0.5;

export interface FittedThreshold {
  /** The threshold a message's probability is compared with. */
  threshold: number;
  /** The threshold the settings give. */
  configured: number;
  /** How many held-out scores of wanted messages the fit read; 0 when there were too few and the configured threshold stands. */
  ham: number;
  /** The highest of them, when fitted. */
  highest?: number;
  /** Fitted below the setting (`fitted`), but set aside for it: the unsure band is on (withUnsureBand). */
  setAside?: { by: 'unsure-band'; fitted: number };
}

/** The threshold from the held-out scores of the latest wanted messages (any order). */
export function fitThreshold(heldOut: readonly number[], configured: number): FittedThreshold {
  if (heldOut.length < FITTED_MIN_HAM || configured <= FITTED_FLOOR) return { threshold: configured, configured, ham: 0 };
  let highest = 0;
  for (const score of heldOut) if (score > highest) highest = score;
  return { threshold: Math.min(configured, Math.max(FITTED_FLOOR, highest)), configured, ham: heldOut.length, highest };
}

/**
 * The threshold to judge by when the opt-in unsure band (docs/analysis.md 2.5) is on: the
 * setting, not a fit below it. The band and the fit answer the same question, what to do with
 * mail scoring from the band's start up to the setting, and the band is the user's own answer:
 * mark it and leave it in INBOX. A fit below the setting would reject that mail instead (after a
 * set-up, down to 0.5: the whole band).
 */
export function withUnsureBand(fit: FittedThreshold, unsureBand: boolean): FittedThreshold {
  if (!unsureBand || fit.threshold >= fit.configured) return fit;
  return { ...fit, threshold: fit.configured, setAside: { by: 'unsure-band', fitted: fit.threshold } };
}

/** The fitted threshold in words, for the evidence a user reads. */
export function describeThreshold(t: FittedThreshold): string {
  if (t.ham === 0) return `threshold ${t.configured}`;
  const highest = `the highest of your latest ${t.ham} wanted messages, each scored without its own words, scored ${t.highest!.toFixed(3)}`;
  if (t.setAside) return `threshold ${t.configured}, your setting, as the unsure band is on (fitted on your training it would be ${t.setAside.fitted.toFixed(3)}): ${highest}`;
  if (t.threshold === t.configured) return `threshold ${t.configured}, your setting: ${highest}`;
  return `threshold ${t.threshold.toFixed(3)}, fitted on your training (your setting ${t.configured}): ${highest}`;
}
