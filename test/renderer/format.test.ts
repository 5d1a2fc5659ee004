import { describe, expect, it } from 'vitest';
import { percent, when } from '../../renderer/src/lib/format.ts';

describe('when', () => {
  const now = new Date(2026, 10, 25, 15, 0, 0).getTime();
  it('says recent times in words and older ones by day', () => {
    expect(when(now - 10_000, now)).toBe('just now');
    expect(when(now - 5 * 60_000, now)).toBe('5 min ago');
    expect(when(now - 3 * 3600_000, now)).toMatch(/^\d{1,2}:\d{2}/);
    expect(when(now - 20 * 3600_000, now)).toMatch(/^yesterday /);
    expect(when(now - 40 * 86_400_000, now)).toMatch(/2026/);
  });

  it('shows a score as a percentage', () => {
    expect(percent(0.954)).toBe('95%');
  });
});
