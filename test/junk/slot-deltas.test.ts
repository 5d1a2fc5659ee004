import { describe, expect, it } from 'vitest';
import { SlotDeltas } from '../../src/junk/slot-deltas.ts';

/** Every move of `d` by slot, read through its chunks of `chunk`. */
function moves(d: SlotDeltas, chunk?: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const { slots, deltas } of d.chunks(chunk)) {
    expect(slots.length).toBe(deltas.length);
    slots.forEach((slot, i) => {
      expect(out.has(slot)).toBe(false);
      out.set(slot, deltas[i]!);
    });
  }
  return out;
}

/** A deterministic sequence of slots below 2^bits, spread as hashes are (xorshift). */
function slots(count: number, bits: number, seed = 7): number[] {
  const out: number[] = [];
  let x = seed;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.push((x >>> 0) & ((1 << bits) - 1));
  }
  return out;
}

describe('SlotDeltas', () => {
  it('sums each slot’s moves in the order given, as a Float64Array of every slot does, through growth', () => {
    const d = new SlotDeltas(20, 2);
    const dense = new Float64Array(1 << 20);
    const moved = new Set<number>();
    for (const [i, slot] of slots(50_000, 20).entries()) {
      const step = ((i % 7) - 3) * 0.1 + 1e-9 * i;
      d.add(slot, step);
      dense[slot]! += step;
      moved.add(slot);
    }
    expect(d.size).toBe(moved.size);
    for (const slot of slots(50_000, 20)) expect(d.get(slot)).toBe(dense[slot]);
    expect(d.get(slots(1, 20, 99)[0]!)).toBe(dense[slots(1, 20, 99)[0]!]);
    const read = moves(d, 1000);
    expect(read.size).toBe(moved.size);
    for (const [slot, delta] of read) expect(delta).toBe(dense[slot]);
  });

  it('keeps a slot whose moves cancel out, as moved by 0, and tells an unmoved slot from slot 0', () => {
    const d = new SlotDeltas(20);
    d.add(0, 0.5);
    d.add(0, -0.5);
    expect(d.size).toBe(1);
    expect(moves(d)).toEqual(new Map([[0, 0]]));
    expect(d.get(1)).toBe(0);
  });

  it('gives the slots in about ascending order: each a few places from its place in order, but where a cluster wraps past the end', () => {
    const d = new SlotDeltas(20);
    for (const slot of slots(20_000, 20)) d.add(slot, 1);
    const order = [...moves(d).keys()];
    const rank = new Map([...order].sort((a, b) => a - b).map((slot, i) => [slot, i]));
    const far = order.filter((slot, i) => Math.abs(rank.get(slot)! - i) > 16);
    expect(far.length).toBeLessThan(order.length / 100);
  });

  it('holds every slot at once when all moved, each at its own place', () => {
    const d = new SlotDeltas(8, 1);
    for (let round = 0; round < 2; round++) for (let slot = 255; slot >= 0; slot--) d.add(slot, slot + round);
    expect(d.size).toBe(256);
    for (let slot = 0; slot < 256; slot++) expect(d.get(slot)).toBe(2 * slot + 1);
    expect([...moves(d, 100).keys()]).toEqual(Array.from({ length: 256 }, (_, slot) => slot));
  });

  it('forgets every move when cleared, and learns new ones after', () => {
    const d = new SlotDeltas(20, 2);
    for (const slot of slots(1000, 20)) d.add(slot, 2);
    d.clear();
    expect(d.size).toBe(0);
    expect(moves(d).size).toBe(0);
    for (const slot of slots(1000, 20)) expect(d.get(slot)).toBe(0);
    d.add(5, 1.5);
    expect(moves(d)).toEqual(new Map([[5, 1.5]]));
  });
});
