import type { FilterView } from '../../../src/api/contract.ts';

/**
 * The threshold the filter judges by now, in words for the Settings page: the setting, or the
 * one fitted on the user's wanted mail below it, and on how many messages; or why none is fitted
 * (docs/content-filter.md, "The threshold fitted on your training").
 */
export function fitWords(f: FilterView): string {
  const { judging } = f;
  if (!f.fitThreshold) return `Fitting is off: the filter judges by your threshold, ${f.threshold}.`;
  if (judging.setAside) {
    return `Judging by your threshold, ${judging.configured}: fitted on your wanted mail it would be ${judging.setAside.fitted.toFixed(3)}, but the unsure band below marks that mail instead of rejecting it.`;
  }
  if (judging.ham > 0) {
    const highest = `the highest of your latest ${judging.ham} wanted messages, each scored without its own words, scored ${judging.highest!.toFixed(3)}`;
    if (judging.threshold < judging.configured) return `Judging by ${judging.threshold.toFixed(3)}, fitted on your wanted mail: ${highest}.`;
    return `Judging by your threshold, ${judging.configured}: ${highest}, so none is fitted below it.`;
  }
  if (judging.configured <= 0.5) return `Judging by your threshold, ${judging.configured}: a fitted threshold is never below 0.5.`;
  return (
    `Not fitted yet: ${f.heldOut} of the ${f.fitNeeds} wanted messages a fit needs have a score without their own words. ` +
    `Wanted mail gets one as Warden learns it (bootstrap, training, restores) once the filter knows ${f.scoresFrom} wanted and 10 junk messages. ` +
    `Until then the filter judges by your threshold, ${judging.configured}.`
  );
}
