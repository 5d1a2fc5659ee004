import { describe, expect, it } from 'vitest';
import { correctionCounts, dayLabel, dayRange, decisionSeries } from '../../renderer/src/lib/stats.ts';

describe('stats for the charts', () => {
  const now = Date.UTC(2026, 10, 25, 9, 30);

  it('lists every UTC day of the period, today included', () => {
    expect(dayRange(3, now)).toEqual(['2026-11-22', '2026-11-23', '2026-11-24', '2026-11-25']);
    expect(dayRange(30, now)).toHaveLength(31);
  });

  it('makes one series per verdict and reason, in words, with the days without decisions at 0', () => {
    const days = dayRange(2, now);
    const series = decisionSeries(
      [
        { day: '2026-11-23', reason: 'junk-content', accept: false, count: 4 },
        { day: '2026-11-25', reason: 'junk-content', accept: false, count: 1 },
        { day: '2026-11-25', reason: 'no-bad-signals', accept: true, count: 7 },
        { day: '2026-11-25', reason: 'msgfromfull', accept: false, count: 2 },
        { day: '2026-11-25', reason: 'msgfromfull', accept: true, count: 3 },
        // Outside the period (a clock moved): left out.
        { day: '2026-10-01', reason: 'junk-content', accept: false, count: 9 },
      ],
      days,
    );
    expect(series).toEqual([
      { label: 'accepted: your mail from this address', accept: true, counts: [0, 0, 3] },
      { label: 'accepted: nothing suspicious', accept: true, counts: [0, 0, 7] },
      { label: 'rejected: junk content', accept: false, counts: [4, 0, 1] },
      { label: 'rejected: your mail from this address', accept: false, counts: [0, 0, 2] },
    ]);
  });

  it('counts corrections per day of the period', () => {
    expect(correctionCounts([{ day: '2026-11-24', restored: 2, junked: 1 }], dayRange(2, now))).toEqual({ restored: [0, 2, 0], junked: [0, 1, 0] });
  });
});

describe('dayLabel', () => {
  it('shows a UTC day short, as that day wherever the user is', () => {
    expect(dayLabel('2026-11-25', 'en-US')).toBe('Nov 25');
    expect(dayLabel('2026-01-01', 'en-US')).toBe('Jan 1');
  });
});
