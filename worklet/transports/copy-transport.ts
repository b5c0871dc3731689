import type { WorkletConfig } from '../../src/config.js';
import { type BatchFields, copyWindow, isAcknowledgeMessage, writeBatchHeader } from '../../src/protocol.js';
import type { PoolStats } from '../../src/stats.js';
import { type BatchTransport, NO_TRANSFER, type TransportContext, writePoolGauges } from '../batch-transport.js';
import { SlotPool } from '../slot-pool.js';

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
 * MessageEvent (and its small payload) per COPY_ACKNOWLEDGE_EVERY batches.
 */
export class CopyTransport implements BatchTransport {
  private readonly context: TransportContext;
  private readonly credits: SlotPool;
  /** Batches posted and not acknowledged, oldest first: their sequence numbers and credits, in a ring. */
  private readonly outSequences: Float64Array;
  private readonly outSlots: Int32Array;
  private outHead = 0;
  private outCount = 0;
  private lastSent = -1;

  constructor(context: TransportContext) {
    this.context = context;
    this.credits = new SlotPool(context.meters);
    this.outSequences = new Float64Array(this.credits.capacity);
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
    this.outSequences[tail] = batch.sequence;
    this.outSlots[tail] = slot;
    this.outCount++;
    this.lastSent = batch.sequence;
    writeBatchHeader(staging, batch, 0, 'copy');
    this.context.port.postMessage(staging.buffer, NO_TRANSFER);
    return true;
  }

  receive(data: unknown, nowFrame: number): boolean {
    if (!isAcknowledgeMessage(data)) return false;
    if (data.sequence > this.lastSent) {
      this.context.meters.discard('unknownId');
      return true;
    }
    while (this.outCount > 0 && (this.outSequences[this.outHead] as number) <= data.sequence) {
      const slot = this.outSlots[this.outHead] as number;
      this.credits.release(this.credits.idAt(slot), 0, nowFrame);
      this.outHead = (this.outHead + 1) % this.outSlots.length;
      this.outCount--;
    }
    return true;
  }

  tick(_nowFrame: number, _timeoutFrames: number): void {}

  writeGauges(stats: PoolStats, nowFrame: number, offset: number): number {
    return writePoolGauges(stats, this.credits, nowFrame, offset);
  }

  resetPeaks(): void {
    this.credits.resetPeaks();
  }
}
