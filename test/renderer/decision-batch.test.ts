import { describe, expect, it } from 'vitest';
import { DecisionBatch, decisionWords } from '../../renderer/src/lib/decision-batch.ts';

describe('decisionWords', () => {
  it('counts the decisions, and each verdict there is', () => {
    expect(decisionWords(1, 0)).toBe('1 new decision: 1 accepted.');
    expect(decisionWords(0, 1)).toBe('1 new decision: 1 rejected.');
    expect(decisionWords(2, 1)).toBe('3 new decisions: 2 accepted, 1 rejected.');
  });
});

describe('DecisionBatch', () => {
  /** A clock the test moves by hand. */
  function clock() {
    const timers: { at: number; fn: () => void }[] = [];
    let now = 0;
    return {
      later: (fn: () => void, ms: number) => {
        const t = { at: now + ms, fn };
        timers.push(t);
        return () => timers.splice(timers.indexOf(t), 1);
      },
      advance(ms: number) {
        now += ms;
        for (const t of timers.filter((x) => x.at <= now)) {
          timers.splice(timers.indexOf(t), 1);
          t.fn();
        }
      },
    };
  }

  it('says a burst once, at the end of the wait the first decision started, then starts afresh', () => {
    const said: string[] = [];
    const c = clock();
    const batch = new DecisionBatch((t) => said.push(t), c.later, 2_000);
    batch.add(true);
    c.advance(1_000);
    batch.add(false);
    batch.add(false);
    expect(said).toEqual([]);
    c.advance(1_000);
    expect(said).toEqual(['3 new decisions: 1 accepted, 2 rejected.']);
    batch.add(true);
    c.advance(2_000);
    expect(said).toEqual(['3 new decisions: 1 accepted, 2 rejected.', '1 new decision: 1 accepted.']);
  });

  it('says nothing once stopped', () => {
    const said: string[] = [];
    const c = clock();
    const batch = new DecisionBatch((t) => said.push(t), c.later, 2_000);
    batch.add(true);
    batch.stop();
    c.advance(5_000);
    expect(said).toEqual([]);
  });
});
