import { MAX_POOL_SIZE } from '../src/config.js';
import { type InvalidReturnReason, SLOT_CODES } from '../src/stats.js';
import type { Meters } from './meters.js';

const EMPTY = SLOT_CODES.empty;
const AVAILABLE = SLOT_CODES.available;
const IN_FLIGHT = SLOT_CODES['in-flight'];
const PROCESSING = SLOT_CODES.processing;

/** The verdict on a slot given back: accepted, or why it was discarded. */
export type ReturnVerdict = 'accepted' | InvalidReturnReason;

/**
 * The bookkeeping of a pool: a fixed table of slots, each with a unique id, a state (the codes of
 * `SLOT_STATES`), the frame it was sent at and the size of its memory. What memory a slot holds
 * is a subclass's business (`allocateMemory`, `freeMemory`): transferable buffers for ping-pong,
 * SharedArrayBuffers for shared, none at all for the copy transport's credits. Runs on the audio
 * thread.
 *
 * Allocation: the table is allocated once, in the constructor. After that, only
 * `allocateMemory` allocates: when the pool is filled or resized by `configure()`, when a slot
 * held past the timeout is replaced by `reclaim()`, and when memory of the old size comes back
 * after a resize. `acquire()`, `release()`, `markProcessing()` and `nextExpired()` allocate
 * nothing; all run in O(1) but `nextExpired`, which scans the table.
 *
 * Ids encode the slot (id % capacity) and a per-slot generation that grows with every allocation
 * into the slot, so memory that was replaced can be told from the current one without any lookup.
 */
export class SlotPool {
  readonly capacity: number;
  /** Configured size. */
  size = 0;
  /** Bytes of memory per slot (header included). */
  bufferBytes = 0;
  /** After an accepted `release()`: the slot it went back into, or -1 when the slot was retired instead. */
  keptSlot = -1;
  inFlight = 0;
  processing = 0;
  /** The most slots in flight at once since the last `resetPeaks()`. */
  maxInFlight = 0;
  /** One past the highest slot that ever held memory: scans stop there (16 slots for a pool of 16, not 256). */
  slotLimit = 0;

  protected readonly meters: Meters;
  // Int32Arrays, not Float64Arrays: loading a small integer from them makes no HeapNumber, which
  // code the JIT has not optimised yet would box (measured at 47 batches a second).
  private readonly ids: Int32Array;
  private readonly states: Uint8Array;
  /** The frame each slot was sent at, modulo 2^32: ages are taken the same way (see `ageAt`). */
  private readonly sentAtFrame: Int32Array;
  private readonly freeSlots: Int32Array;
  private freeCount = 0;
  /** Slots still to retire after a shrink, taken as they come back. */
  private pendingRetire = 0;

  constructor(meters: Meters, capacity: number = MAX_POOL_SIZE) {
    this.meters = meters;
    this.capacity = capacity;
    this.ids = new Int32Array(capacity);
    this.states = new Uint8Array(capacity);
    this.sentAtFrame = new Int32Array(capacity);
    this.freeSlots = new Int32Array(capacity);
  }

  get available(): number {
    return this.freeCount;
  }

  /** Slots that exist: available + in flight + processing. */
  get buffersAlive(): number {
    return this.freeCount + this.inFlight + this.processing;
  }

  /** Slots out (in flight or processing). */
  get out(): number {
    return this.inFlight + this.processing;
  }

  /**
   * Sets the pool size (0 empties it) and the memory size. Available slots with memory of the
   * wrong size (or every slot's, when `reshaped`: memory laid out for other batches) get new
   * memory now; slots out get it when they come back or are reclaimed.
   * Growing fills the new slots now; shrinking retires available slots now and the rest as they
   * come back.
   */
  configure(size: number, bufferBytes: number, reshaped = false): void {
    const resized = reshaped || bufferBytes !== this.bufferBytes;
    this.size = Math.min(Math.max(0, Math.floor(size)), this.capacity);
    this.bufferBytes = bufferBytes;
    if (resized) {
      for (let i = 0; i < this.freeCount; i++) this.allocateInto(this.freeSlots[i] as number);
    }
    let alive = this.buffersAlive;
    for (let slot = 0; slot < this.capacity && alive < this.size; slot++) {
      if (this.states[slot] !== EMPTY) continue;
      this.allocateInto(slot);
      this.makeAvailable(slot);
      alive++;
    }
    while (alive > this.size && this.freeCount > 0) {
      this.retire(this.freeSlots[--this.freeCount] as number);
      alive--;
    }
    this.pendingRetire = Math.max(0, alive - this.size);
  }

  /** Takes a free slot for sending: its index, or -1 when none is free. */
  acquire(nowFrame: number): number {
    if (this.freeCount === 0) return -1;
    const slot = this.freeSlots[--this.freeCount] as number;
    this.states[slot] = IN_FLIGHT;
    this.sentAtFrame[slot] = nowFrame | 0;
    if (++this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
    return slot;
  }

  idAt(slot: number): number {
    return this.ids[slot] as number;
  }

  /** Frames since the slot was sent (exact for ages under 2^31 frames: 12 hours at 48 kHz). */
  ageAt(slot: number, nowFrame: number): number {
    return ((nowFrame | 0) - (this.sentAtFrame[slot] as number)) | 0;
  }

  stateAt(slot: number): number {
    return this.states[slot] as number;
  }

  /** The slot of an id that is current, else -1. */
  slotOf(id: number): number {
    if (!Number.isInteger(id) || id < 0) return -1;
    const slot = id % this.capacity;
    return this.ids[slot] === id ? slot : -1;
  }

  /** A consumer holds this in-flight slot; false when the id is not in flight. */
  markProcessing(id: number): boolean {
    const slot = this.slotOf(id);
    if (slot < 0 || this.states[slot] !== IN_FLIGHT) return false;
    this.states[slot] = PROCESSING;
    this.inFlight--;
    this.processing++;
    return true;
  }

  /**
   * Takes back slot `id` (-1 when the memory given back had no header of ours) whose memory is
   * `byteLength` long. Validates the id, the state and the size; anything else is discarded and
   * counted. On acceptance `keptSlot` says where it went.
   */
  release(id: number, byteLength: number, nowFrame: number): ReturnVerdict {
    const verdict = this.classify(id);
    if (verdict !== 'accepted') return this.meters.discard(verdict);
    const slot = id % this.capacity;
    this.meters.addTurnover(this.ageAt(slot, nowFrame));
    this.settleOut(slot);
    if (byteLength !== this.bufferBytes) {
      // Sent before a batch-size or channel change: replace it so the slot stays usable.
      this.replaceOrRetire(slot);
      return this.meters.discard('sizeMismatch');
    }
    this.meters.stats.returns++;
    if (this.pendingRetire > 0) {
      this.pendingRetire--;
      this.retire(slot);
      this.keptSlot = -1;
    } else {
      this.makeAvailable(slot);
      this.keptSlot = slot;
    }
    return 'accepted';
  }

  /**
   * The first slot out for at least `timeoutFrames` (only those processing when
   * `processingOnly`), or -1. Scans the table; allocates nothing.
   */
  nextExpired(nowFrame: number, timeoutFrames: number, processingOnly = false): number {
    if (this.inFlight + this.processing === 0) return -1;
    for (let slot = 0; slot < this.slotLimit; slot++) {
      const state = this.states[slot];
      const out = state === PROCESSING || (state === IN_FLIGHT && !processingOnly);
      if (out && this.ageAt(slot, nowFrame) >= timeoutFrames) return slot;
    }
    return -1;
  }

  /** Takes a slot out back without counting it as returned: it no longer matters where it is. */
  drop(slot: number): void {
    this.settleOut(slot);
    this.makeAvailable(slot);
  }

  /** Declares a slot out lost and gives it fresh memory (one allocation), under a new id. */
  reclaim(slot: number): void {
    this.settleOut(slot);
    this.meters.stats.reclaims++;
    this.replaceOrRetire(slot);
  }

  /**
   * Writes each slot's state and, for slots out, their age in frames into caller-owned arrays
   * from `offset` on (Empty slots read 0), and returns how many cells it wrote. Allocation-free.
   */
  writeSlots(states: Uint8Array, ageFrames: Int32Array, offset: number, nowFrame: number): number {
    const cells = Math.min(this.slotLimit, states.length - offset);
    for (let slot = 0; slot < cells; slot++) {
      const state = this.states[slot] as number;
      states[offset + slot] = state;
      ageFrames[offset + slot] = state === IN_FLIGHT || state === PROCESSING ? this.ageAt(slot, nowFrame) : 0;
    }
    return cells;
  }

  /** Starts the in-flight peak again from now (`reset-stats`). */
  resetPeaks(): void {
    this.maxInFlight = this.inFlight;
  }

  /**
   * Gives `slot` memory of `bytes`, known from now on by `id`, and counts the allocation. The
   * pool's one allocation site; a pool without memory (the copy transport's credits) does nothing.
   */
  protected allocateMemory(_slot: number, _id: number, _bytes: number): void {}

  /** Lets go of `slot`'s memory: the slot was retired. */
  protected freeMemory(_slot: number): void {}

  private classify(id: number): ReturnVerdict {
    if (!Number.isInteger(id) || id < this.capacity) return 'unknownId';
    const current = this.ids[id % this.capacity] as number;
    if (id > current) return 'unknownId';
    if (id < current) return 'late';
    const state = this.states[id % this.capacity];
    return state === IN_FLIGHT || state === PROCESSING ? 'accepted' : 'duplicate';
  }

  private settleOut(slot: number): void {
    if (this.states[slot] === PROCESSING) this.processing--;
    else this.inFlight--;
    this.states[slot] = EMPTY;
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
    const generation = Math.floor((this.ids[slot] as number) / this.capacity) + 1;
    const id = generation * this.capacity + slot;
    this.ids[slot] = id;
    this.allocateMemory(slot, id, this.bufferBytes);
    if (slot >= this.slotLimit) this.slotLimit = slot + 1;
  }

  private makeAvailable(slot: number): void {
    this.states[slot] = AVAILABLE;
    this.freeSlots[this.freeCount++] = slot;
  }

  private retire(slot: number): void {
    this.states[slot] = EMPTY;
    this.freeMemory(slot);
  }
}
