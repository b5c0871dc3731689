import { MAX_POOL_SIZE } from '../src/config.js';
import type { InvalidReturnReason } from '../src/protocol.js';

/** Where a pool buffer is. Empty slots hold no buffer (beyond the pool size, or retired). */
export const BufferState = { Empty: 0, Available: 1, InFlight: 2, Processing: 3 } as const;
export type BufferState = (typeof BufferState)[keyof typeof BufferState];

/** Result of `release()`: 0 when the buffer went back into the pool, else why it was discarded. */
export const ReleaseResult = {
  Accepted: 0,
  NotBuffer: 1,
  UnknownId: 2,
  SizeMismatch: 3,
  Duplicate: 4,
  Late: 5,
} as const;
export type ReleaseResult = (typeof ReleaseResult)[keyof typeof ReleaseResult];

/** Stats field for each discard reason, indexed by ReleaseResult. */
export const RELEASE_REASON_NAMES: readonly (InvalidReturnReason | null)[] = [
  null,
  'notBuffer',
  'unknownId',
  'sizeMismatch',
  'duplicate',
  'late',
];

/**
 * A fixed table of transferable ArrayBuffers, each with a unique id, a state and the frame it was
 * sent at. Runs on the audio thread.
 *
 * Allocation: the slot table is allocated once, in the constructor. After that, the only
 * allocations are pool buffers themselves (an ArrayBuffer and its Float32Array view) when the
 * pool is filled or resized by `configure()`, when a lost buffer is replaced by `reclaim()`, and
 * when a returned buffer of the wrong size is replaced. `acquire()`, `release()`,
 * `markProcessing()` and `nextExpired()` allocate nothing and run in O(1), except `nextExpired`,
 * which scans the table.
 *
 * Ids encode the slot (id % capacity) and a per-slot generation that grows with every buffer
 * allocated into the slot, so a buffer that was replaced can be told from the current one without
 * any lookup structure.
 */
export class TransferableBufferPool {
  readonly capacity: number;
  /** Configured size. */
  size = 0;
  /** Bytes per buffer (header included). */
  bufferBytes = 0;

  private readonly ids: Float64Array;
  private readonly states: Uint8Array;
  private readonly sentAtFrame: Float64Array;
  private readonly buffers: (ArrayBuffer | null)[];
  private readonly views: (Float32Array | null)[];
  private readonly freeSlots: Int32Array;
  private freeCount = 0;
  /** One past the highest slot that ever held a buffer: scans stop there (16 slots for a pool of 16, not 256). */
  private slotLimit = 0;
  /** Buffers still to retire after a shrink, taken as they come back. */
  private pendingRetire = 0;

  inFlight = 0;
  processing = 0;
  maxInFlight = 0;
  acquisitions = 0;
  hits = 0;
  misses = 0;
  allocations = 0;
  /** Allocations that built the first pool; the rest count as "after start". */
  initialAllocations = 0;
  returns = 0;
  reclaims = 0;
  turnoverCount = 0;
  turnoverTotalFrames = 0;
  turnoverMaxFrames = 0;
  /** Discarded returns, indexed by ReleaseResult. */
  readonly invalidReturns = new Float64Array(RELEASE_REASON_NAMES.length);

  constructor(capacity: number = MAX_POOL_SIZE) {
    this.capacity = capacity;
    this.ids = new Float64Array(capacity);
    this.states = new Uint8Array(capacity);
    this.sentAtFrame = new Float64Array(capacity);
    this.buffers = new Array<ArrayBuffer | null>(capacity).fill(null);
    this.views = new Array<Float32Array | null>(capacity).fill(null);
    this.freeSlots = new Int32Array(capacity);
  }

  get available(): number {
    return this.freeCount;
  }

  /** Buffers in existence: available + in flight + processing. */
  get buffersAlive(): number {
    return this.freeCount + this.inFlight + this.processing;
  }

  /**
   * Sets the pool size (0 empties it, as allocate mode does) and the buffer size. Allocates: available buffers of the wrong size are
   * replaced now, and buffers still out are replaced when they come back or are reclaimed.
   * Growing allocates the new buffers now; shrinking retires available buffers now and the rest
   * as they come back.
   */
  configure(size: number, bufferBytes: number): void {
    const firstFill = this.allocations === 0 && this.buffersAlive === 0;
    const resized = bufferBytes !== this.bufferBytes;
    this.size = Math.min(Math.max(0, Math.floor(size)), this.capacity);
    this.bufferBytes = bufferBytes;
    if (resized) {
      for (let i = 0; i < this.freeCount; i++) this.allocateInto(this.freeSlots[i] as number);
    }
    let alive = this.buffersAlive;
    for (let slot = 0; slot < this.capacity && alive < this.size; slot++) {
      if (this.states[slot] !== BufferState.Empty) continue;
      this.allocateInto(slot);
      this.makeAvailable(slot);
      alive++;
    }
    while (alive > this.size && this.freeCount > 0) {
      this.retire(this.freeSlots[--this.freeCount] as number);
      alive--;
    }
    this.pendingRetire = Math.max(0, alive - this.size);
    if (firstFill) this.initialAllocations = this.allocations;
  }

  /** Takes a free buffer for sending: its slot, or -1 when the pool is exhausted (counted). */
  acquire(nowFrame: number): number {
    this.acquisitions++;
    if (this.freeCount === 0) {
      this.misses++;
      return -1;
    }
    const slot = this.freeSlots[--this.freeCount] as number;
    this.states[slot] = BufferState.InFlight;
    this.sentAtFrame[slot] = nowFrame;
    this.hits++;
    if (++this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
    return slot;
  }

  /** Counts a batch sent in allocate mode: a fresh buffer that never comes back. */
  recordUnpooledAllocation(): void {
    this.acquisitions++;
    this.hits++;
    this.allocations++;
  }

  bufferAt(slot: number): ArrayBuffer {
    return this.buffers[slot] as ArrayBuffer;
  }

  viewAt(slot: number): Float32Array {
    return this.views[slot] as Float32Array;
  }

  idAt(slot: number): number {
    return this.ids[slot] as number;
  }

  sentAt(slot: number): number {
    return this.sentAtFrame[slot] as number;
  }

  stateAt(slot: number): BufferState {
    return this.states[slot] as BufferState;
  }

  /** The slot of a buffer id that is current, else -1. */
  slotOf(id: number): number {
    if (!Number.isInteger(id) || id < 0) return -1;
    const slot = id % this.capacity;
    return this.ids[slot] === id ? slot : -1;
  }

  /** A consumer holds this in-flight buffer; false when the id is not in flight. */
  markProcessing(id: number): boolean {
    const slot = this.slotOf(id);
    if (slot < 0 || this.states[slot] !== BufferState.InFlight) return false;
    this.states[slot] = BufferState.Processing;
    this.inFlight--;
    this.processing++;
    return true;
  }

  /**
   * Takes back a returned buffer. `id` is read from its header (-1 if it has none) and `view`
   * spans it. Validates the id, the state and the size; anything else is discarded and counted.
   */
  release(id: number, buffer: ArrayBuffer, view: Float32Array | null, nowFrame: number): ReleaseResult {
    const result = this.classify(id);
    if (result !== ReleaseResult.Accepted) return this.discard(result);
    const slot = id % this.capacity;
    this.settleOut(slot, nowFrame);
    if (buffer.byteLength !== this.bufferBytes || view === null) {
      // Sent before a batch-size or channel change: replace it so the slot stays usable.
      this.replaceOrRetire(slot);
      return this.discard(ReleaseResult.SizeMismatch);
    }
    this.returns++;
    if (this.pendingRetire > 0) {
      this.pendingRetire--;
      this.retire(slot);
    } else {
      this.buffers[slot] = buffer;
      this.views[slot] = view;
      this.makeAvailable(slot);
    }
    return ReleaseResult.Accepted;
  }

  /** Counts a return that could not even be attributed to an id. */
  discard(reason: ReleaseResult): ReleaseResult {
    this.invalidReturns[reason] = (this.invalidReturns[reason] as number) + 1;
    return reason;
  }

  /** The first out buffer older than `timeoutFrames`, or -1. Scans the table; allocates nothing. */
  nextExpired(nowFrame: number, timeoutFrames: number): number {
    if (this.inFlight + this.processing === 0) return -1;
    for (let slot = 0; slot < this.slotLimit; slot++) {
      const state = this.states[slot];
      if (
        (state === BufferState.InFlight || state === BufferState.Processing) &&
        nowFrame - (this.sentAtFrame[slot] as number) >= timeoutFrames
      ) {
        return slot;
      }
    }
    return -1;
  }

  /** Declares an out buffer lost and replaces it with a fresh one (one allocation). */
  reclaim(slot: number): void {
    this.settleOutState(slot);
    this.reclaims++;
    this.replaceOrRetire(slot);
  }

  /**
   * Writes each slot's state and, for buffers out, their age in ms into caller-owned arrays
   * (one entry per slot; Empty slots read 0). Allocation-free.
   */
  writeSlots(states: Uint8Array, agesMs: Float32Array, nowFrame: number, sampleRate: number): void {
    for (let slot = 0; slot < this.slotLimit; slot++) {
      const state = this.states[slot] as number;
      states[slot] = state;
      agesMs[slot] =
        state === BufferState.InFlight || state === BufferState.Processing
          ? ((nowFrame - (this.sentAtFrame[slot] as number)) * 1000) / sampleRate
          : 0;
    }
  }

  /** Zeroes the counters; the buffers and their states are untouched. */
  resetCounters(): void {
    this.maxInFlight = this.inFlight;
    this.acquisitions = 0;
    this.hits = 0;
    this.misses = 0;
    this.allocations = 0;
    this.initialAllocations = 0;
    this.returns = 0;
    this.reclaims = 0;
    this.turnoverCount = 0;
    this.turnoverTotalFrames = 0;
    this.turnoverMaxFrames = 0;
    this.invalidReturns.fill(0);
  }

  private classify(id: number): ReleaseResult {
    if (!Number.isInteger(id) || id < this.capacity) return ReleaseResult.UnknownId;
    const current = this.ids[id % this.capacity] as number;
    if (id > current) return ReleaseResult.UnknownId;
    if (id < current) return ReleaseResult.Late;
    const state = this.states[id % this.capacity];
    if (state === BufferState.InFlight || state === BufferState.Processing) return ReleaseResult.Accepted;
    return ReleaseResult.Duplicate;
  }

  private settleOut(slot: number, nowFrame: number): void {
    const turnover = nowFrame - (this.sentAtFrame[slot] as number);
    this.turnoverCount++;
    this.turnoverTotalFrames += turnover;
    if (turnover > this.turnoverMaxFrames) this.turnoverMaxFrames = turnover;
    this.settleOutState(slot);
  }

  private settleOutState(slot: number): void {
    if (this.states[slot] === BufferState.Processing) this.processing--;
    else this.inFlight--;
    this.states[slot] = BufferState.Empty;
  }

  private replaceOrRetire(slot: number): void {
    if (this.pendingRetire > 0) {
      this.pendingRetire--;
      this.retire(slot);
      return;
    }
    this.allocateInto(slot);
    this.makeAvailable(slot);
  }

  private allocateInto(slot: number): void {
    const buffer = new ArrayBuffer(this.bufferBytes);
    this.buffers[slot] = buffer;
    this.views[slot] = new Float32Array(buffer);
    const generation = Math.floor((this.ids[slot] as number) / this.capacity) + 1;
    this.ids[slot] = generation * this.capacity + slot;
    this.allocations++;
    if (slot >= this.slotLimit) this.slotLimit = slot + 1;
  }

  private makeAvailable(slot: number): void {
    this.states[slot] = BufferState.Available;
    this.freeSlots[this.freeCount++] = slot;
  }

  private retire(slot: number): void {
    this.states[slot] = BufferState.Empty;
    this.buffers[slot] = null;
    this.views[slot] = null;
  }
}
