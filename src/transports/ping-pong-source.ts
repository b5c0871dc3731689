import type { FrameSink, PoolShape, Retainer, ReturnPolicy } from '../batch-source.js';
import type { BatchHeader } from '../protocol.js';
import { MessageSource } from './message-source.js';

/**
 * Grouping takes at most a quarter of the pool: a quarter of its buffers (1 to 8), held at most
 * a quarter of the audio the whole pool covers, so three quarters stay for main-thread stalls.
 * Every return message costs the audio thread a MessageEvent, which is why returns are grouped.
 */
export function defaultReturnPolicy(poolSize: number, batchSize: number, sampleRate: number): ReturnPolicy {
  const groupSize = Math.max(1, Math.min(8, Math.floor(poolSize / 4)));
  const poolMs = (poolSize * batchSize * 1000) / sampleRate;
  return { groupSize, maxDelayMs: groupSize === 1 ? 0 : poolMs / 4 };
}

/**
 * The page's end of `ping-pong`: every pooled buffer is transferred back once the listeners
 * return (grouped by the ReturnPolicy), unless a listener retained it; then it goes back when
 * released, and the worklet is told it is processing meanwhile.
 */
export class PingPongSource extends MessageSource implements Retainer {
  private policy: ReturnPolicy;
  private pendingReturns: ArrayBuffer[] = [];
  private returnTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly retained = new Map<number, ArrayBuffer>();
  private disposed = false;

  constructor(sink: FrameSink) {
    super(sink);
    this.retainer = this;
    this.policy = this.resolvePolicy(sink.shape);
  }

  override get retainedCount(): number {
    return this.retained.size;
  }

  override configure(shape: PoolShape): void {
    this.policy = this.resolvePolicy(shape);
  }

  protected settle(buffer: ArrayBuffer, _header: BatchHeader, retained: boolean): void {
    if (!retained) this.queueReturn(buffer);
  }

  retain(bufferId: number, _sequence: number, token: unknown): () => void {
    const buffer = token as ArrayBuffer;
    this.retained.set(bufferId, buffer);
    this.sink.send({ type: 'report-processing', bufferIds: [bufferId] });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.retained.delete(bufferId);
      // Returned even if the worklet reclaimed it meanwhile: it counts the late return.
      this.queueReturn(buffer);
    };
  }

  override forget(bufferId: number): void {
    this.retained.delete(bufferId);
  }

  /** Transfers every buffer waiting for its group now. */
  override flush(): void {
    clearTimeout(this.returnTimer);
    this.returnTimer = undefined;
    const buffers = this.pendingReturns;
    if (buffers.length === 0 || this.disposed) return;
    this.pendingReturns = [];
    try {
      // Bare payload: one buffer alone, or the array when grouped (see protocol.ts).
      if (buffers.length === 1) this.sink.send(buffers[0] as ArrayBuffer, buffers);
      else this.sink.send(buffers, buffers);
      this.sink.counters.buffersReturned += buffers.length;
      this.sink.counters.returnMessages++;
    } catch {
      // A buffer detached after it was queued; return the others one by one.
      for (const buffer of buffers) this.returnNow(buffer);
    }
  }

  override dispose(): void {
    this.disposed = true;
    clearTimeout(this.returnTimer);
    this.pendingReturns = [];
    this.retained.clear();
  }

  private queueReturn(buffer: ArrayBuffer): void {
    if (this.disposed) return;
    if (buffer.byteLength === 0) {
      this.sink.counters.detachedReturns++;
      return;
    }
    this.pendingReturns.push(buffer);
    if (this.pendingReturns.length >= this.policy.groupSize) this.flush();
    else this.returnTimer ??= setTimeout(() => this.flush(), this.policy.maxDelayMs);
  }

  private returnNow(buffer: ArrayBuffer): void {
    if (buffer.byteLength === 0) {
      this.sink.counters.detachedReturns++;
      return;
    }
    this.sink.send(buffer, [buffer]);
    this.sink.counters.buffersReturned++;
    this.sink.counters.returnMessages++;
  }

  private resolvePolicy(shape: PoolShape): ReturnPolicy {
    return { ...defaultReturnPolicy(shape.poolSize, shape.batchSize, this.sink.sampleRate), ...this.sink.returnPolicy };
  }
}
