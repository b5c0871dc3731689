import type { BatchSource, FrameSink, PoolShape, Retainer } from '../batch-source.js';
import { type BatchHeader, channelViews } from '../protocol.js';

/**
 * What the transports that carry batches by message share: each batch is a buffer of its own,
 * viewed per channel and dispatched; a subclass says what the page owes back afterwards.
 * Allocation per batch: the channel views (every message brings a new ArrayBuffer object).
 */
export abstract class MessageSource implements BatchSource {
  protected readonly sink: FrameSink;
  /** Who keeps a batch's memory when a listener retains it; null when the memory is the page's own. */
  protected retainer: Retainer | null = null;

  constructor(sink: FrameSink) {
    this.sink = sink;
  }

  get retainedCount(): number {
    return 0;
  }

  receiveBatch(buffer: ArrayBuffer, header: BatchHeader): void {
    const retained = this.sink.dispatch(header, channelViews(buffer, header.channels, header.frames), this.retainer, buffer);
    this.settle(buffer, header, retained);
  }

  /** After dispatch: give back, acknowledge, or nothing. */
  protected abstract settle(buffer: ArrayBuffer, header: BatchHeader, retained: boolean): void;

  receiveMessage(): void {}

  catchUp(): void {}

  flush(): void {}

  configure(_shape: PoolShape): void {}

  forget(_bufferId: number): void {}

  dispose(): void {}
}
