import type { WorkletConfig } from '../../src/config.js';
import {
  type BatchFields,
  batchBufferBytes,
  canHoldHeader,
  isReportProcessingMessage,
  isReturnBufferMessage,
  isReturnPayload,
  readBufferId,
  writeBatchHeader,
} from '../../src/protocol.js';
import { type BatchTransport, type TransportContext, writePoolGauges } from '../batch-transport.js';
import type { Meters } from '../meters.js';
import { TransferableBufferPool } from './transferable-buffer-pool.js';

/**
 * `ping-pong`, the seed's design: each batch goes out in a pooled buffer, transferred (zero
 * copy), and comes back transferred; no free buffer means the batch is skipped; a buffer out
 * past the timeout is reclaimed (replaced).
 *
 * Allocation: sending allocates nothing (the transfer list is reused). Every return arrives as
 * a new ArrayBuffer object in a new MessageEvent (the browser's doing) and needs a new
 * Float32Array view (ours: the only way to write into that object); returning several buffers
 * in one message shares the event between them. Pool buffers are allocated as SlotPool says.
 */
export class PingPongTransport implements BatchTransport {
  readonly pool: TransferableBufferPool;
  private readonly context: TransportContext;
  private readonly transferList: Transferable[] = [new ArrayBuffer(0)];

  constructor(context: TransportContext) {
    this.context = context;
    this.pool = new TransferableBufferPool(context.meters);
  }

  configure(config: WorkletConfig, active: boolean, _nowFrame: number): void {
    this.pool.configure(active ? config.poolSize : 0, batchBufferBytes(config.batchSize, config.channels));
  }

  deliver(staging: Float32Array, batch: BatchFields, nowFrame: number): boolean {
    const slot = this.pool.acquire(nowFrame);
    if (slot < 0) return false;
    const view = this.pool.viewAt(slot);
    view.set(staging);
    writeBatchHeader(view, batch, this.pool.idAt(slot), 'ping-pong');
    const buffer = this.pool.bufferAt(slot);
    this.transferList[0] = buffer;
    this.context.port.postMessage(buffer, this.transferList);
    return true;
  }

  receive(data: unknown, nowFrame: number): boolean {
    if (isReturnPayload(data)) {
      this.receiveReturns(data, nowFrame);
      return true;
    }
    if (isReturnBufferMessage(data)) {
      this.receiveReturns(data.buffers, nowFrame);
      return true;
    }
    if (isReportProcessingMessage(data)) {
      for (let i = 0; i < data.bufferIds.length; i++) this.pool.markProcessing(data.bufferIds[i] as number);
      return true;
    }
    return false;
  }

  tick(nowFrame: number, timeoutFrames: number): void {
    let slot = this.pool.nextExpired(nowFrame, timeoutFrames);
    while (slot >= 0) {
      this.context.reportReclaim(this.pool.idAt(slot), this.pool.ageAt(slot, nowFrame));
      this.pool.reclaim(slot);
      slot = this.pool.nextExpired(nowFrame, timeoutFrames);
    }
  }

  writeGauges(meters: Meters, nowFrame: number, offset: number): number {
    return writePoolGauges(meters, this.pool, nowFrame, offset);
  }

  resetPeaks(): void {
    this.pool.resetPeaks();
  }

  private receiveReturns(payload: ArrayBuffer | unknown[], nowFrame: number): void {
    if (payload instanceof ArrayBuffer) {
      this.receiveReturn(payload, nowFrame);
      return;
    }
    for (let i = 0; i < payload.length; i++) this.receiveReturn(payload[i], nowFrame);
  }

  private receiveReturn(item: unknown, nowFrame: number): void {
    if (!(item instanceof ArrayBuffer)) {
      this.context.meters.discard('notBuffer');
      return;
    }
    if (!canHoldHeader(item.byteLength)) {
      this.context.meters.discard('sizeMismatch');
      return;
    }
    // The one allocation a return costs us: a view on the new ArrayBuffer object.
    const view = new Float32Array(item);
    this.pool.releaseBuffer(readBufferId(view), item, view, nowFrame);
  }
}
