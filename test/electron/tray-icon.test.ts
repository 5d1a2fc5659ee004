import { describe, expect, it } from 'vitest';
import { trayIconBitmap } from '../../electron/tray-icon.ts';

/** The pixel at (x, y) as [r, g, b, a] from the BGRA bitmap. */
function pixel(bitmap: Buffer, size: number, x: number, y: number): number[] {
  const at = (y * size + x) * 4;
  return [bitmap[at + 2]!, bitmap[at + 1]!, bitmap[at]!, bitmap[at + 3]!];
}

describe('the tray icons', () => {
  const size = 32;
  const ok = trayIconBitmap('ok', size);
  const observing = trayIconBitmap('observing', size);
  const error = trayIconBitmap('error', size);

  it('are size×size BGRA bitmaps, transparent in the corners', () => {
    for (const bitmap of [ok, observing, error]) {
      expect(bitmap).toHaveLength(size * size * 4);
      expect(pixel(bitmap, size, 0, 0)).toEqual([0, 0, 0, 0]);
      expect(pixel(bitmap, size, size - 1, size - 1)).toEqual([0, 0, 0, 0]);
    }
  });

  it('differ in shape, not only colour: a disc, a ring, a no-entry sign', () => {
    expect(pixel(ok, size, 16, 16)).toEqual([0x2e, 0x7d, 0x32, 255]);
    expect(pixel(observing, size, 16, 16)[3], 'the ring is hollow').toBe(0);
    expect(pixel(observing, size, 16, 3)).toEqual([0x54, 0x6e, 0x7a, 255]);
    expect(pixel(error, size, 16, 16), 'the bar is white').toEqual([255, 255, 255, 255]);
    expect(pixel(error, size, 16, 5)).toEqual([0xc6, 0x28, 0x28, 255]);
  });

  it('smooth their edges with partly covered pixels, premultiplied', () => {
    const alphas = new Set<number>();
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel(ok, size, x, 16);
      alphas.add(a!);
      expect(r! <= a! && g! <= a! && b! <= a!).toBe(true);
    }
    expect([...alphas].some((a) => a > 0 && a < 255)).toBe(true);
  });
});
