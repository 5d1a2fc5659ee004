import { describe, expect, it } from 'vitest';
import { viewUrl } from '../../electron/routes.ts';

describe('the views the tray and notifications open', () => {
  it('are hash routes of the app page, names encoded', () => {
    expect(viewUrl({ view: 'rejects' })).toBe('app://warden/index.html#/rejects');
    expect(viewUrl({ view: 'rejects', account: 'home & work/1' })).toBe('app://warden/index.html#/rejects?account=home%20%26%20work%2F1');
    expect(viewUrl({ view: 'decisions', account: 'home' })).toBe('app://warden/index.html#/decisions?account=home');
    expect(viewUrl({ view: 'decision', id: 42 })).toBe('app://warden/index.html#/decisions/42');
    expect(viewUrl({ view: 'accounts' })).toBe('app://warden/index.html#/accounts');
  });
});
