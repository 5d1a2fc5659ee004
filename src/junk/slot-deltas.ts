import { release } from './typed-arrays.ts';

/**
 * What the logistic learner's slots (logistic.ts) moved by since the last commit, kept for the
 * slots that moved only: open addressing over two typed arrays, 12 bytes an entry, at most 3/4
 * full (at most 12 MB, with every slot moved). A batch of training moves some 150 000 of the 2^20 slots; a Float64Array of every
 * slot's move and a flag per slot held 9 MB for them, and their sorted copy at commit 2 MB more
 * (docs/measured.md, "Training's peak memory").
 *
 * A slot's place in the table is its top bits, so walking the table goes through the slots in
 * about ascending order (a cluster may wrap from the end to the start): the order the store's
 * B-tree is written in best, with no sorted copy.
 */
export class SlotDeltas {
  /** The bits of a slot number (logistic.ts's WEIGHT_BITS). */
  readonly #slotBits: number;
  /** slot + 1 of each entry; 0 marks an empty one. */
  #keys: Uint32Array<ArrayBuffer>;
  #values: Float64Array<ArrayBuffer>;
  /** log2 of the table's length. */
  #bits: number;
  #size = 0;

  constructor(slotBits: number, initialBits = 10) {
    this.#slotBits = slotBits;
    this.#bits = Math.min(initialBits, slotBits);
    this.#keys = new Uint32Array(1 << this.#bits);
    this.#values = new Float64Array(1 << this.#bits);
  }

  /** How many slots moved. */
  get size(): number {
    return this.#size;
  }

  /** What `slot` moved by; 0 when it did not move. */
  get(slot: number): number {
    const keys = this.#keys;
    const mask = keys.length - 1;
    const key = slot + 1;
    for (let at = slot >>> (this.#slotBits - this.#bits); ; at = (at + 1) & mask) {
      const k = keys[at]!;
      if (k === key) return this.#values[at]!;
      if (k === 0) return 0;
    }
  }

  /** Adds `delta` to what `slot` moved by, in the order given, as a Float64Array slot would. */
  add(slot: number, delta: number): void {
    let at = this.#find(slot);
    if (this.#keys[at] === 0) {
      // At 2^slotBits entries each slot has its own, at its place: the table can be full.
      if ((this.#size + 1) * 4 > this.#keys.length * 3 && this.#bits < this.#slotBits) {
        this.#grow();
        at = this.#find(slot);
      }
      this.#keys[at] = slot + 1;
      this.#values[at] = 0;
      this.#size++;
    }
    this.#values[at]! += delta;
  }

  /**
   * Every moved slot with its move, `chunk` at a time, in about ascending order of slot. The
   * arrays are reused from one chunk to the next: read each before asking for the next.
   */
  *chunks(chunk = 4096): Generator<{ slots: Uint32Array; deltas: Float64Array }> {
    const slots = new Uint32Array(Math.min(chunk, this.#size));
    const deltas = new Float64Array(slots.length);
    let filled = 0;
    for (let at = 0; at < this.#keys.length; at++) {
      const key = this.#keys[at]!;
      if (key === 0) continue;
      slots[filled] = key - 1;
      deltas[filled++] = this.#values[at]!;
      if (filled === slots.length) {
        yield { slots, deltas };
        filled = 0;
      }
    }
    if (filled > 0) yield { slots: slots.subarray(0, filled), deltas: deltas.subarray(0, filled) };
  }

  /** Calls `fn` with each moved slot and its move, in table order. */
  forEach(fn: (slot: number, delta: number) => void): void {
    const keys = this.#keys;
    for (let at = 0; at < keys.length; at++) if (keys[at] !== 0) fn(keys[at]! - 1, this.#values[at]!);
  }

  /** Forgets every move; the table keeps its length, as the next batch is likely as large. */
  clear(): void {
    this.#keys.fill(0);
    this.#size = 0;
  }

  /** The entry of `slot`, or the empty one where it belongs. */
  #find(slot: number): number {
    const keys = this.#keys;
    const mask = keys.length - 1;
    const key = slot + 1;
    let at = slot >>> (this.#slotBits - this.#bits);
    while (keys[at] !== key && keys[at] !== 0) at = (at + 1) & mask;
    return at;
  }

  #grow(): void {
    const keys = this.#keys;
    const values = this.#values;
    this.#bits++;
    this.#keys = new Uint32Array(1 << this.#bits);
    this.#values = new Float64Array(1 << this.#bits);
    for (let at = 0; at < keys.length; at++) {
      if (keys[at] === 0) continue;
      const to = this.#find(keys[at]! - 1);
      this.#keys[to] = keys[at]!;
      this.#values[to] = values[at]!;
    }
    release(keys);
    release(values);
  }
}
