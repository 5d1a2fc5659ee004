import { describe, expect, it } from 'vitest';
import { AnnouncementQueue } from '../../renderer/src/lib/announcement-queue.ts';

describe('AnnouncementQueue', () => {
  /** A clock the test moves by hand. */
  function clock() {
    let timers: { at: number; fn: () => void }[] = [];
    let now = 0;
    return {
      later: (fn: () => void, ms: number) => void timers.push({ at: now + ms, fn }),
      advance(ms: number) {
        now += ms;
        const due = timers.filter((t) => t.at <= now);
        timers = timers.filter((t) => t.at > now);
        for (const t of due) t.fn();
      },
    };
  }

  it('holds each announcement while the next waits, so a burst of mail does not hide a removal', () => {
    const shown: string[] = [];
    const c = clock();
    const queue = new AnnouncementQueue((t) => shown.push(t), c.later, 2_000);
    queue.say('home removed from Warden.');
    queue.say('3 new decisions: 3 accepted.');
    expect(shown).toEqual(['home removed from Warden.']);
    c.advance(1_999);
    expect(shown).toEqual(['home removed from Warden.']);
    c.advance(1);
    expect(shown).toEqual(['home removed from Warden.', '3 new decisions: 3 accepted.']);
  });

  it('says what came during a hold together at its end, so nothing waits behind a backlog', () => {
    const shown: string[] = [];
    const c = clock();
    const queue = new AnnouncementQueue((t) => shown.push(t), c.later, 2_000);
    for (const n of [1, 2, 3]) queue.say(`message ${n} is no longer in Rejects.`);
    c.advance(2_000);
    expect(shown).toEqual(['message 1 is no longer in Rejects.', 'message 2 is no longer in Rejects. message 3 is no longer in Rejects.']);
    queue.say('home removed from Warden.');
    c.advance(1_999);
    expect(shown.at(-1)).toBe('message 2 is no longer in Rejects. message 3 is no longer in Rejects.');
    c.advance(1);
    expect(shown.at(-1)).toBe('home removed from Warden.');
  });

  it('shows a lone announcement at once, also after an earlier one has had its time', () => {
    const shown: string[] = [];
    const c = clock();
    const queue = new AnnouncementQueue((t) => shown.push(t), c.later, 2_000);
    queue.say('first');
    c.advance(5_000);
    queue.say('second');
    expect(shown).toEqual(['first', 'second']);
  });
});
