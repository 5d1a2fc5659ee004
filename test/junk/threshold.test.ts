import { describe, expect, it } from 'vitest';
import { describeThreshold, FITTED_FLOOR, FITTED_MIN_HAM, fitThreshold, withUnsureBand } from '../../src/junk/threshold.ts';

const scores = (n: number, highest: number) => [...Array.from({ length: n - 1 }, (_, i) => (highest * i) / n), highest];

describe('fitThreshold', () => {
  it(`keeps the configured threshold with fewer than ${FITTED_MIN_HAM} held-out scores`, () => {
    expect(fitThreshold(scores(FITTED_MIN_HAM - 1, 0.1), 0.95)).toEqual({ threshold: 0.95, configured: 0.95, ham: 0 });
    expect(fitThreshold([], 0.9).threshold).toBe(0.9);
  });

  it('comes down to the highest held-out score of the wanted mail', () => {
    expect(fitThreshold(scores(400, 0.72), 0.95)).toEqual({ threshold: 0.72, configured: 0.95, ham: 400, highest: 0.72 });
  });

  it(`never below ${FITTED_FLOOR}, never above the configured threshold`, () => {
    expect(fitThreshold(scores(400, 0.33), 0.95).threshold).toBe(FITTED_FLOOR);
    const above = fitThreshold(scores(160, 0.999), 0.95);
    expect(above.threshold).toBe(0.95);
    expect(above.highest).toBe(0.999);
    // A user who set a threshold at or below the floor keeps it.
    expect(fitThreshold(scores(400, 0.1), 0.4).threshold).toBe(0.4);
  });

  it('says what it was fitted on', () => {
    expect(describeThreshold(fitThreshold(scores(400, 0.33), 0.95))).toBe(
      'threshold 0.500, fitted on your training (your setting 0.95): the highest of your latest 400 wanted messages, each scored without its own words, scored 0.330',
    );
    expect(describeThreshold(fitThreshold(scores(160, 0.999), 0.95))).toBe(
      'threshold 0.95, your setting: the highest of your latest 160 wanted messages, each scored without its own words, scored 0.999',
    );
    expect(describeThreshold(fitThreshold([], 0.95))).toBe('threshold 0.95');
  });
});

describe('withUnsureBand', () => {
  it('sets a fit below the setting aside while the band is on, keeping what it was fitted on', () => {
    const fitted = fitThreshold(scores(400, 0.33), 0.95);
    expect(withUnsureBand(fitted, false)).toBe(fitted);
    const banded = withUnsureBand(fitted, true);
    expect(banded).toEqual({ ...fitted, threshold: 0.95, setAside: { by: 'unsure-band', fitted: FITTED_FLOOR } });
    expect(describeThreshold(banded)).toBe(
      'threshold 0.95, your setting, as the unsure band is on (fitted on your training it would be 0.500): the highest of your latest 400 wanted messages, each scored without its own words, scored 0.330',
    );
    // Nothing to set aside: no fit, or one at the setting.
    expect(withUnsureBand(fitThreshold([], 0.95), true)).toEqual({ threshold: 0.95, configured: 0.95, ham: 0 });
    expect(withUnsureBand(fitThreshold(scores(160, 0.999), 0.95), true).setAside).toBeUndefined();
  });
});
