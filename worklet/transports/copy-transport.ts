import type { WorkletConfig } from '../../src/config.js';
import { acknowledgedSequence, type BatchFields, copyWindow, writeBatchHeader } from '../../src/protocol.js';
import { type BatchTransport, NO_TRANSFER, type TransportContext, writePoolGauges } from '../batch-transport.js';
import type { Meters } from '../meters.js';
import { SlotPool } from '../slot-pool.js';

/** Sequence numbers are kept modulo 2^29: they and their differences stay small integers, which box nothing. */
const SEQUENCE_MODULUS = 2 ** 29;
const HALF = SEQUENCE_MODULUS / 2;

/** True when `stored` (a sequence modulo 2^29) is `sequence` or comes before it (they are less than 2^28 apart). */
function notAfter(stored: number, sequence: number): boolean {
  const ahead = (sequence % SEQUENCE_MODULUS) - stored;
  return ahead >= 0 ? ahead < HALF : ahead < -HALF;
}

/**
 * `copy`, for pages that are not cross-origin isolated: each batch is posted from the engine's
 * own staging buffer *without* transfer, so the browser copies the bytes (outside the JS heap)
 * and the worklet keeps its buffer. A copy needs nothing back, so nothing bounds it by itself:
 * during a main-thread stall its messages would queue without end. Credits bound it: at most
 * `copyWindow(poolSize)` batches posted and not acknowledged (the page acknowledges every
 * COPY_ACKNOWLEDGE_EVERY batches it dispatched); beyond that batches are skipped and counted,
 * as the pool does. The credits are a SlotPool without memory, so every pool figure keeps its
 * meaning: in flight = posted and not yet acknowledged, returns = batches acknowledged.
 * Nothing is reclaimed: a copy out is the page's own, and an acknowledgement late only because
 * the page is stalled is exactly when batches must be skipped.
 *
 * Allocation: none per batch. Each acknowledgement is a message, so the browser makes one
 * MessageEvent per COPY_ACKNOWLEDGE_EVERY batches; its payload is a bare number, which makes no
 * object.
 */
export class CopyTransport implements BatchTransport {
  private readonly context: TransportContext;
  private readonly credits: SlotPool;
  /** Batches posted and not acknowledged, oldest first: their sequence numbers (modulo 2^29) and credits, in a ring. */
  private readonly outSequences: Int32Array;
  private readonly outSlots: Int32Array;
  private outHead = 0;
  private outCount = 0;
  private lastSent = -1;

  constructor(context: TransportContext) {
    this.context = context;
    this.credits = new SlotPool(context.meters);
    this.outSequences = new Int32Array(this.credits.capacity);
    this.outSlots = new Int32Array(this.credits.capacity);
  }

  /** Switched away, it drops the credits out: they bound only the transport that runs, and the copies are the page's. */
  configure(config: WorkletConfig, active: boolean, _nowFrame: number): void {
    if (!active) {
      for (; this.outCount > 0; this.outCount--) {
        this.credits.drop(this.outSlots[this.outHead] as number);
        this.outHead = (this.outHead + 1) % this.outSlots.length;
      }
    }
    this.credits.configure(active ? copyWindow(config.poolSize) : 0, 0);
  }

  deliver(staging: Float32Array, batch: BatchFields, nowFrame: number): boolean {
    const slot = this.credits.acquire(nowFrame);
    if (slot < 0) return false;
    const tail = (this.outHead + this.outCount) % this.outSlots.length;
    this.outSequences[tail] = batch.sequence % SEQUENCE_MODULUS;
    this.outSlots[tail] = slot;
    this.outCount++;
    this.lastSent = batch.sequence;
    writeBatchHeader(staging, batch, 0, 'copy');
    this.context.port.postMessage(staging.buffer, NO_TRANSFER);
    return true;
  }

  receive(data: unknown, nowFrame: number): boolean {
    const sequence = acknowledgedSequence(data);
    if (sequence < 0) return false;
    if (sequence > this.lastSent) {
      this.context.meters.discard('unknownId');
      return true;
    }
    while (this.outCount > 0 && notAfter(this.outSequences[this.outHead] as number, sequence)) {
      const slot = this.outSlots[this.outHead] as number;
      this.credits.release(this.credits.idAt(slot), 0, nowFrame);
      this.outHead = (this.outHead + 1) % this.outSlots.length;
      this.outCount--;
    }
    return true;
  }

  tick(_nowFrame: number, _timeoutFrames: number): void {}

  writeGauges(meters: Meters, nowFrame: number, offset: number): number {
    return writePoolGauges(meters, this.credits, nowFrame, offset);
  }

  resetPeaks(): void {
    this.credits.resetPeaks();
  }
}
