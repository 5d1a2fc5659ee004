import { describe, expect, it } from 'vitest';
import type { CorpusMessage } from '../bench/corpus.ts';
import { demoPlan } from './plan.ts';

/** A corpus in date order as the real one opens: a run of spam first, then mostly ham. */
function corpus(): CorpusMessage[] {
  const messages: CorpusMessage[] = [];
  for (let i = 0; i < 300; i++) messages.push({ path: `spam-${i}`, label: 'spam', time: i });
  for (let i = 0; i < 700; i++) messages.push({ path: `ham-${i}`, label: 'ham', time: 300 + i });
  return messages;
}

describe("the demo's mailbox", () => {
  it("seeds ham and spam in the corpus's proportion, with enough ham for the filter to judge", () => {
    const { seed } = demoPlan(corpus(), 100);
    expect(seed.filter((m) => m.label === 'ham')).toHaveLength(70);
    expect(seed.filter((m) => m.label === 'spam')).toHaveLength(30);
    // Fewer than the filter needs: ham enough all the same.
    expect(demoPlan(corpus(), 20).seed.filter((m) => m.label === 'ham').length).toBeGreaterThan(50);
  });

  it('streams the rest, every message once, ham and spam interleaved in that proportion throughout', () => {
    const { seed, stream } = demoPlan(corpus(), 100);
    expect(new Set([...seed, ...stream].map((m) => m.path)).size).toBe(1000);
    for (let end = 10; end <= 400; end += 10) {
      const ham = stream.slice(0, end).filter((m) => m.label === 'ham').length;
      expect(Math.abs(ham - end * 0.7)).toBeLessThanOrEqual(1);
    }
    expect(stream.slice(0, 5).map((m) => m.label)).toEqual(['ham', 'ham', 'ham', 'spam', 'ham']);
  });
});
