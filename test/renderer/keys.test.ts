import { describe, expect, it } from 'vitest';
import { keyTarget } from '../../renderer/src/lib/keys.ts';

describe('keyTarget', () => {
  it('moves a row, a screen, or to either end', () => {
    expect(keyTarget('ArrowDown', 4, 100, 10)).toBe(5);
    expect(keyTarget('ArrowUp', 4, 100, 10)).toBe(3);
    expect(keyTarget('PageDown', 4, 100, 10)).toBe(14);
    expect(keyTarget('PageUp', 14, 100, 10)).toBe(4);
    expect(keyTarget('Home', 40, 100, 10)).toBe(0);
    expect(keyTarget('End', 4, 100, 10)).toBe(99);
  });

  it('stops at the ends, a screen at a time too, and ignores other keys', () => {
    expect(keyTarget('ArrowUp', 0, 100, 10)).toBeUndefined();
    expect(keyTarget('ArrowDown', 99, 100, 10)).toBeUndefined();
    expect(keyTarget('PageDown', 95, 100, 10)).toBe(99);
    expect(keyTarget('PageUp', 3, 100, 10)).toBe(0);
    expect(keyTarget('Home', 0, 100, 10)).toBeUndefined();
    expect(keyTarget('Enter', 4, 100, 10)).toBeUndefined();
  });
});
