import type { TrayIcon } from './tray-state.ts';

/**
 * The tray icons, drawn rather than shipped as files. Each state has its own shape as well as
 * its colour, for whoever cannot tell green from red: ok a filled disc, observing a ring, error
 * a disc crossed by a bar (a "no entry" sign).
 */
const colours: Record<TrayIcon, [number, number, number]> = {
  ok: [0x2e, 0x7d, 0x32],
  observing: [0x54, 0x6e, 0x7a],
  error: [0xc6, 0x28, 0x28],
};

/** How much of the icon's colour covers the point (x, y) of a unit square; -1 for white. */
function paint(icon: TrayIcon, x: number, y: number): number {
  const r = Math.hypot(x - 0.5, y - 0.5);
  if (r > 0.46) return 0;
  if (icon === 'observing') return r >= 0.32 ? 1 : 0;
  if (icon === 'error' && Math.abs(y - 0.5) <= 0.09 && Math.abs(x - 0.5) <= 0.28) return -1;
  return 1;
}

const SAMPLES = 4;

/**
 * The icon as `size`×`size` pixels in the layout nativeImage.createFromBitmap takes: BGRA,
 * alpha premultiplied, each pixel's edge smoothed by sampling it 4×4 times.
 */
export function trayIconBitmap(icon: TrayIcon, size: number): Buffer {
  const [red, green, blue] = colours[icon];
  const pixels = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let coloured = 0;
      let white = 0;
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const p = paint(icon, (px + (sx + 0.5) / SAMPLES) / size, (py + (sy + 0.5) / SAMPLES) / size);
          if (p === 1) coloured++;
          else if (p === -1) white++;
        }
      }
      const n = SAMPLES * SAMPLES;
      const at = (py * size + px) * 4;
      pixels[at] = Math.round((blue * coloured + 255 * white) / n);
      pixels[at + 1] = Math.round((green * coloured + 255 * white) / n);
      pixels[at + 2] = Math.round((red * coloured + 255 * white) / n);
      pixels[at + 3] = Math.round((255 * (coloured + white)) / n);
    }
  }
  return pixels;
}
