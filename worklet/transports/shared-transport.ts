import type { WorkletConfig } from '../../src/config.js';
import { type BatchFields, batchBufferBytes, type SharedSlotsMessage, writeBatchHeader } from '../../src/protocol.js';
import {
  AVAILABLE,
  CONTROL_WORDS,
  IN_FLIGHT,
  idIndex,
  idWord,
  LATE_RELEASES,
  PROCESSING,
  PUBLISHED,
  ringIndex,
  slotWord,
  WAITING,
  WAKE_BY_MESSAGE,
  WAKE_BY_NOTIFY,
  wordIndex,
} from '../../src/shared-slots.js';
import { type BatchTransport, NO_TRANSFER, type TransportContext, writePoolGauges } from '../batch-transport.js';
import type { Meters } from '../meters.js';
import { SlotPool } from '../slot-pool.js';

const WAKE_MESSAGE = { type: 'wake' } as const;

/**
 * The shared transport's pool: each slot's memory is a SharedArrayBuffer the page also holds.
 * New memory is announced to the page (`shared-slots`) before any batch is published in it.
 *
 * Allocation: each time a slot gets memory (see SlotPool: filling, resizing, reclaims), a
 * SharedArrayBuffer, its view and an entry in the next announcement; the announcement itself when
 * it is posted.
 */
class SharedSlotPool extends SlotPool {
  readonly control: Int32Array;
  private readonly memories: (SharedArrayBuffer | null)[];
  private readonly views: (Float32Array | null)[];
  private announcement: SharedSlotsMessage['slots'] = [];
  /** The channels of each slot's memory: its layout, with the bytes (equal bytes can hold 2 × 512 frames or 1 × 1024). */
  private readonly memoryChannels: Int32Array;
  /** The shape of the batches new memory is for. */
  private channels = 0;
  private frames = 0;

  constructor(meters: Meters, control: Int32Array) {
    super(meters);
    this.control = control;
    this.memories = new Array<SharedArrayBuffer | null>(this.capacity).fill(null);
    this.views = new Array<Float32Array | null>(this.capacity).fill(null);
    this.memoryChannels = new Int32Array(this.capacity);
  }

  viewAt(slot: number): Float32Array {
    return this.views[slot] as Float32Array;
  }

  /** The bytes of the slot's memory, or 0 when it is laid out for batches of another shape (so it is replaced as it comes back). */
  bytesAt(slot: number): number {
    if (this.memoryChannels[slot] !== this.channels) return 0;
    return this.memories[slot]?.byteLength ?? 0;
  }

  /** Takes the slots given memory since the last call (an empty list means none). */
  takeAnnouncement(): SharedSlotsMessage['slots'] {
    const slots = this.announcement;
    if (slots.length > 0) this.announcement = [];
    return slots;
  }

  /** `configure()` for slots of `frames` × `channels` batches. */
  configureShape(size: number, channels: number, frames: number): void {
    const reshaped = channels !== this.channels || frames !== this.frames;
    this.channels = channels;
    this.frames = frames;
    this.configure(size, batchBufferBytes(frames, channels), reshaped);
  }

  protected override allocateMemory(slot: number, id: number, bytes: number): void {
    const memory = new SharedArrayBuffer(bytes);
    this.memories[slot] = memory;
    this.views[slot] = new Float32Array(memory);
    this.memoryChannels[slot] = this.channels;
    Atomics.store(this.control, idIndex(slot), idWord(id));
    this.announcement.push({ slot, id, memory, channels: this.channels, frames: this.frames });
    this.meters.stats.allocations++;
  }

  protected override freeMemory(slot: number): void {
    this.memories[slot] = null;
    this.views[slot] = null;
  }
}

/**
 * `shared`: the pool in shared memory, for cross-origin-isolated pages. The worklet copies a
 * batch into a free slot, marks the slot in flight, writes its number into the ring and counts
 * it published; the page takes it (processing), dispatches it from views it made once per slot,
 * and gives it back (available), or keeps it while a listener retains it. No slot free means the
 * batch is skipped and counted; a slot the page holds past the timeout is reclaimed (given new
 * memory: the retainer's views stay intact). A slot published and not yet taken is never
 * reclaimed: its batch waits for the page, as a posted message would.
 *
 * The page is woken without a message per batch: when it has said it waits (the control
 * block's `waiting` word), the worklet clears the word and calls `Atomics.notify`, or posts one
 * preallocated `wake` message where the page cannot wait on memory; at most once per batch.
 *
 * Allocation: none per batch (a copy into shared memory and a few atomic operations; `notify`
 * makes no JS object). Slot memory is allocated as SharedSlotPool says; the control block once,
 * in the constructor.
 */
export class SharedTransport implements BatchTransport {
  /** Why it cannot run here, or null: SharedArrayBuffer needs a cross-origin-isolated page. */
  static unavailable(): string | null {
    return typeof SharedArrayBuffer === 'function' ? null : 'this worklet has no SharedArrayBuffer (the page is not cross-origin isolated)';
  }

  private readonly context: TransportContext;
  private readonly controlMemory: SharedArrayBuffer;
  private readonly control: Int32Array;
  private readonly pool: SharedSlotPool;
  /** Each slot's word without its state: the stamp of the batch it was last published with (Int32: loads box nothing). */
  private readonly stamps: Int32Array;

  constructor(context: TransportContext) {
    this.context = context;
    this.controlMemory = new SharedArrayBuffer(CONTROL_WORDS * Int32Array.BYTES_PER_ELEMENT);
    this.control = new Int32Array(this.controlMemory);
    this.pool = new SharedSlotPool(context.meters, this.control);
    this.stamps = new Int32Array(this.pool.capacity);
  }

  configure(config: WorkletConfig, active: boolean, nowFrame: number): void {
    // Slots the page gave back since the last scan are available, and get new memory now if they must.
    this.collect(nowFrame);
    this.pool.configureShape(active ? config.poolSize : 0, config.channels, config.batchSize);
    this.announce();
  }

  deliver(staging: Float32Array, batch: BatchFields, nowFrame: number): boolean {
    let slot = this.pool.acquire(nowFrame);
    if (slot < 0) {
      // Slots the page gave back since the last quantum's scan count too (memory replaced meanwhile is announced first).
      this.collect(nowFrame);
      this.announce();
      slot = this.pool.acquire(nowFrame);
      if (slot < 0) return false;
    }
    const view = this.pool.viewAt(slot);
    view.set(staging);
    writeBatchHeader(view, batch, this.pool.idAt(slot), 'shared');
    this.stamps[slot] = slotWord(batch.sequence, 0);
    Atomics.store(this.control, wordIndex(slot), slotWord(batch.sequence, IN_FLIGHT));
    Atomics.store(this.control, ringIndex(batch.sequence), slot);
    // The flag is taken before `published` moves: a flag the page set after reading the new count
    // is left for the next batch, and a flag taken here was set after the page read the count, which
    // moves only now, so its wait sees the move or is notified (see shared-slots.ts).
    const waiting = Atomics.exchange(this.control, WAITING, 0);
    Atomics.add(this.control, PUBLISHED, 1);
    if (waiting === WAKE_BY_NOTIFY) Atomics.notify(this.control, PUBLISHED, 1);
    else if (waiting === WAKE_BY_MESSAGE) this.context.port.postMessage(WAKE_MESSAGE, NO_TRANSFER);
    return true;
  }

  receive(_data: unknown, _nowFrame: number): boolean {
    return false;
  }

  /** Notices slots the page took or gave back, counts its late releases, and reclaims slots held past the timeout. */
  tick(nowFrame: number, timeoutFrames: number): void {
    const late = Atomics.load(this.control, LATE_RELEASES);
    if (late !== 0) {
      Atomics.sub(this.control, LATE_RELEASES, late);
      this.context.meters.stats.invalidReturns.late += late;
    }
    if (this.pool.out === 0) return;
    this.collect(nowFrame);
    let slot = this.pool.nextExpired(nowFrame, timeoutFrames, true);
    while (slot >= 0) {
      const held = (this.stamps[slot] as number) + PROCESSING;
      const reclaimed = Atomics.compareExchange(this.control, wordIndex(slot), held, held - PROCESSING + AVAILABLE) === held;
      if (reclaimed) {
        this.context.reportReclaim(this.pool.idAt(slot), this.pool.ageAt(slot, nowFrame));
        this.pool.reclaim(slot);
      } else {
        // Given back just now, between the scan above and here.
        this.pool.release(this.pool.idAt(slot), this.pool.bytesAt(slot), nowFrame);
      }
      slot = this.pool.nextExpired(nowFrame, timeoutFrames, true);
    }
    this.announce();
  }

  writeGauges(meters: Meters, nowFrame: number, offset: number): number {
    return writePoolGauges(meters, this.pool, nowFrame, offset);
  }

  resetPeaks(): void {
    this.pool.resetPeaks();
  }

  /** Notices the slots the page took (→ processing) or gave back (→ available) since the last look. */
  private collect(nowFrame: number): void {
    for (let slot = 0; slot < this.pool.slotLimit; slot++) {
      const state = this.pool.stateAt(slot);
      if (state !== IN_FLIGHT && state !== PROCESSING) continue;
      const stamp = this.stamps[slot] as number;
      const word = Atomics.load(this.control, wordIndex(slot));
      if (word === stamp + AVAILABLE) this.pool.release(this.pool.idAt(slot), this.pool.bytesAt(slot), nowFrame);
      else if (word === stamp + PROCESSING && state === IN_FLIGHT) this.pool.markProcessing(this.pool.idAt(slot));
    }
  }

  /** Posts the memory of slots that got some, before any batch is published in it. */
  private announce(): void {
    const slots = this.pool.takeAnnouncement();
    if (slots.length === 0) return;
    const message: SharedSlotsMessage = { type: 'shared-slots', control: this.controlMemory, slots };
    this.context.port.postMessage(message, NO_TRANSFER);
  }
}
