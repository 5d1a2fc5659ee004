import { describe, expect, it } from 'vitest';
import { freeName } from '../../renderer/src/lib/account-name.ts';

describe('freeName', () => {
  it('offers home, then the first numbered name no account has', () => {
    expect(freeName([])).toBe('home');
    expect(freeName(['work'])).toBe('home');
    expect(freeName(['home'])).toBe('home-2');
    expect(freeName(['home', 'home-2', 'home-4'])).toBe('home-3');
  });
});
