import { describe, expect, it } from 'vitest';
import type { FilterView } from '../../src/api/contract.ts';
import { fitWords } from '../../renderer/src/lib/fit.ts';

const view = (changes: Partial<FilterView>): FilterView => ({
  threshold: 0.95,
  fitThreshold: true,
  logistic: true,
  judging: { threshold: 0.95, configured: 0.95, ham: 0 },
  heldOut: 0,
  fitNeeds: 100,
  scoresFrom: 50,
  ...changes,
});

describe('the fitted threshold in words (Settings)', () => {
  it('says the value fitted and on how many wanted messages', () => {
    expect(fitWords(view({ judging: { threshold: 0.5, configured: 0.95, ham: 60, highest: 0.3291 } }))).toBe(
      'Judging by 0.500, fitted on your wanted mail: the highest of your latest 60 wanted messages, each scored without its own words, scored 0.329.',
    );
  });

  it('says why the setting stands: a wanted message scored above it, too few scores, a setting at 0.5, fitting off, the unsure band', () => {
    expect(fitWords(view({ judging: { threshold: 0.95, configured: 0.95, ham: 70, highest: 0.999 } }))).toMatch(/^Judging by your threshold, 0\.95: .* scored 0\.999, so none is fitted below it\.$/);
    expect(fitWords(view({ heldOut: 12 }))).toMatch(/^Not fitted yet: 12 of the 100 wanted messages a fit needs have a score without their own words\./);
    expect(fitWords(view({ heldOut: 12 }))).toContain('once the filter knows 50 wanted and 10 junk messages');
    expect(fitWords(view({ threshold: 0.5, judging: { threshold: 0.5, configured: 0.5, ham: 0 }, heldOut: 80 }))).toBe('Judging by your threshold, 0.5: a fitted threshold is never below 0.5.');
    expect(fitWords(view({ judging: { threshold: 0.95, configured: 0.95, ham: 400, highest: 0.329, setAside: { by: 'unsure-band', fitted: 0.5 } } }))).toBe(
      'Judging by your threshold, 0.95: fitted on your wanted mail it would be 0.500, but the unsure band below marks that mail instead of rejecting it.',
    );
    expect(fitWords(view({ fitThreshold: false, heldOut: 80 }))).toBe('Fitting is off: the filter judges by your threshold, 0.95.');
  });
});
