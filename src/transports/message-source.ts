import type { BatchSource, FrameSink, PoolShape, Retainer } from '../batch-source.js';
import { DispatchedFrame } from '../dispatched-frame.js';
import { type BatchHeader, channelViews } from '../protocol.js';

/**
 * What the transports that carry batches by message share: each batch is a buffer of its own,
 * viewed per channel and dispatched; a subclass says what the page owes back afterwards.
 * Allocation per batch: the channel views (every message brings a new ArrayBuffer object). The
 * frame is filled again for the next batch unless a listener kept it (`retain()`).
 */
export abstract class MessageSource implements BatchSource {
  protected readonly sink: FrameSink;
  /** Who keeps a batch's memory when a listener retains it; null when the memory is the page's own. */
  protected retainer: Retainer | null = null;
  /** What the next batch is dispatched as; a listener that keeps it gets it for good. */
  private frame = new DispatchedFrame();

  constructor(sink: FrameSink) {
    this.sink = sink;
  }

  get retainedCount(): number {
    return 0;
  }

  receiveBatch(buffer: ArrayBuffer, header: BatchHeader): void {
    const frame = this.frame;
    const retained = this.sink.dispatch(header, channelViews(buffer, header.channels, header.frames), this.retainer, buffer, frame);
    if (DispatchedFrame.kept(frame)) this.frame = new DispatchedFrame();
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
