import { MAX_POOL_SIZE } from '../../src/config.js';
import type { Meters } from '../meters.js';
import { type ReturnVerdict, SlotPool } from '../slot-pool.js';

/**
 * The ping-pong pool: each slot holds a transferable ArrayBuffer and the one Float32Array view the
 * worklet writes through. Runs on the audio thread.
 *
 * Allocation: a buffer and its view each time a slot gets memory (see SlotPool: filling,
 * resizing, reclaims). A returned buffer arrives as a new ArrayBuffer object (every transfer
 * makes one), so `releaseBuffer()` stores that object with the view made for it.
 */
export class TransferableBufferPool extends SlotPool {
  private readonly buffers: (ArrayBuffer | null)[];
  private readonly views: (Float32Array | null)[];

  constructor(meters: Meters, capacity: number = MAX_POOL_SIZE) {
    super(meters, capacity);
    this.buffers = new Array<ArrayBuffer | null>(capacity).fill(null);
    this.views = new Array<Float32Array | null>(capacity).fill(null);
  }

  bufferAt(slot: number): ArrayBuffer {
    return this.buffers[slot] as ArrayBuffer;
  }

  viewAt(slot: number): Float32Array {
    return this.views[slot] as Float32Array;
  }

  /** Takes back a returned buffer whose header names `id` (-1: no header of ours), and `view` spanning it. */
  releaseBuffer(id: number, buffer: ArrayBuffer, view: Float32Array, nowFrame: number): ReturnVerdict {
    const verdict = this.release(id, buffer.byteLength, nowFrame);
    if (verdict === 'accepted' && this.keptSlot >= 0) {
      this.buffers[this.keptSlot] = buffer;
      this.views[this.keptSlot] = view;
    }
    return verdict;
  }

  protected override allocateMemory(slot: number, _id: number, bytes: number): void {
    const buffer = new ArrayBuffer(bytes);
    this.buffers[slot] = buffer;
    this.views[slot] = new Float32Array(buffer);
    this.meters.stats.allocations++;
  }

  protected override freeMemory(slot: number): void {
    this.buffers[slot] = null;
    this.views[slot] = null;
  }
}
