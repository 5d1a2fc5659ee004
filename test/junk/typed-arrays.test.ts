import { describe, expect, it } from 'vitest';
import { release } from '../../src/junk/typed-arrays.ts';

describe('release', () => {
  it('empties the array and its buffer at once, so no view can read freed memory', () => {
    const array = new Float64Array(1024).fill(1.5);
    release(array);
    expect(array.length).toBe(0);
    expect(array.buffer.detached).toBe(true);
    expect(array[0]).toBeUndefined();
  });
});
