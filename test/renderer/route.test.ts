import { describe, expect, it } from 'vitest';
import { parseRoute } from '../../renderer/src/lib/route.ts';

describe('parseRoute', () => {
  it('reads the view and the account from the fragment, Activity by default', () => {
    expect(parseRoute('')).toEqual({ view: 'activity' });
    expect(parseRoute('#/rejects?account=home')).toEqual({ view: 'rejects', account: 'home' });
    expect(parseRoute('#/settings')).toEqual({ view: 'settings' });
    expect(parseRoute('#/nonsense')).toEqual({ view: 'activity' });
  });

  it("opens the desktop app's notification links: a decision, or the decisions of an account", () => {
    expect(parseRoute('#/decisions/42')).toEqual({ view: 'activity', decision: 42 });
    expect(parseRoute('#/decisions?account=work')).toEqual({ view: 'activity', account: 'work' });
    expect(parseRoute('#/decisions/x')).toEqual({ view: 'activity' });
  });
});
