/**
 * Frees a typed array's memory now, emptying it. V8 frees the memory of an ArrayBuffer no longer
 * reachable only at the next full collection: a table that outgrew its array held both, the
 * old one as garbage, for seconds (docs/measured.md, "Training's peak memory"). The array must
 * be the only view of its buffer: any other is emptied too.
 */
export function release(array: Uint32Array<ArrayBuffer> | Int32Array<ArrayBuffer> | Float64Array<ArrayBuffer>): void {
  array.buffer.transfer(0);
}
