import type { CaptureConfig } from './config.js';
import {
  type BatchMessage,
  channelViews,
  type PoolStats,
  parseFromWorkletMessage,
  type ToWorkletMessage,
  type WorkletErrorCode,
} from './protocol.js';

/** One delivered batch, as listeners see it. */
export interface AnalysisFrame {
  /** Delivered batches before this one (consecutive; a skip does not use a number). */
  sequence: number;
  /** Context frame of the first sample. */
  frame: number;
  /** `frame` in seconds of context time. */
  time: number;
  sampleRate: number;
  /**
   * One view per channel into the pooled buffer. Valid **during dispatch only**: the buffer goes
   * back to the worklet afterwards and the views become empty (detached). Copy what you keep,
   * or call `retain()`.
   */
  channelData: Float32Array[];
  /** Root mean square per channel. */
  rms: number[];
  /** Largest absolute sample per channel. */
  peak: number[];
  /** Frames skipped (pool exhausted) right before this batch. */
  skippedFrames: number;
  /** Id of the pool buffer carrying the batch (0 in allocate mode); for debugging. */
  bufferId: number;
  /**
   * Keeps the buffer out of the pool (state processing) until the returned release function is
   * called; calling it twice is harmless. If it is never called the worklet reclaims the buffer
   * after the timeout. Only effective during dispatch.
   */
  retain(): () => void;
}

/** Counters kept on the main thread, beside the worklet's PoolStats. */
export interface SessionCounters {
  framesDispatched: number;
  /** Buffers transferred back. */
  buffersReturned: number;
  /** Messages that carried them (fewer than buffers when returns are grouped). */
  returnMessages: number;
  /** Buffers that could not be returned because a listener detached them (transferred them elsewhere). */
  detachedReturns: number;
  /** Messages from the worklet that failed validation. */
  invalidWorkletMessages: number;
  /** Batches whose sequence number was not the one expected (should stay 0). */
  sequenceGaps: number;
}

export interface CaptureSessionHandlers {
  frame?(frame: AnalysisFrame): void;
  stats?(stats: PoolStats): void;
  exhausted?(frame: number): void;
  reclaimed?(bufferId: number, ageMs: number): void;
  error?(code: WorkletErrorCode | 'invalid-message', message: string): void;
}

/**
 * How buffers go back. Every message costs the audio thread a MessageEvent (measured here: about
 * 650 B of its JS heap per message, against about 110 B for a whole allocate-mode batch), so
 * returns are grouped; a group holds buffers out of the pool a little longer.
 */
export interface ReturnPolicy {
  /** Most buffers returned in one message. */
  groupSize: number;
  /** Longest a buffer waits for its group before it is returned anyway, in ms. */
  maxDelayMs: number;
}

const STOP_TIMEOUT_MS = 2000;

/** Main-thread counters, all zero. */
export function createSessionCounters(): SessionCounters {
  return { framesDispatched: 0, buffersReturned: 0, returnMessages: 0, detachedReturns: 0, invalidWorkletMessages: 0, sequenceGaps: 0 };
}

/**
 * Grouping takes at most a quarter of the pool: a quarter of its buffers (1 to 8), held at most
 * a quarter of the audio the whole pool covers, so three quarters stay for main-thread stalls.
 */
export function defaultReturnPolicy(poolSize: number, batchSize: number, sampleRate: number): ReturnPolicy {
  const groupSize = Math.max(1, Math.min(8, Math.floor(poolSize / 4)));
  const poolMs = (poolSize * batchSize * 1000) / sampleRate;
  return { groupSize, maxDelayMs: groupSize === 1 ? 0 : poolMs / 4 };
}

/**
 * The main-thread end of one `audio-pool-capture` processor: decodes batches, hands them to a
 * listener, transfers every pooled buffer back once the listener returns (grouped by the
 * ReturnPolicy) unless it retained the buffer, and relays stats, reclaims, exhaustion and
 * errors. Owns no AudioContext.
 */
export class CaptureSession {
  readonly counters: SessionCounters = createSessionCounters();
  /** The latest stats snapshot from the worklet, or null before the first. */
  latestStats: PoolStats | null = null;

  private readonly port: MessagePort;
  private readonly sampleRate: number;
  private readonly handlers: CaptureSessionHandlers;
  private policy: ReturnPolicy;
  private readonly policyOverride: Partial<ReturnPolicy>;
  private poolShape: Pick<CaptureConfig, 'poolSize' | 'batchSize'>;
  private pendingReturns: ArrayBuffer[] = [];
  private returnTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly retained = new Map<number, ArrayBuffer>();
  private expectedSequence = 0;
  private statsWaiters: ((stats: PoolStats) => void)[] = [];
  private stopWaiters: ((stats: PoolStats | null) => void)[] = [];
  private disposed = false;

  constructor(
    port: MessagePort,
    sampleRate: number,
    poolShape: Pick<CaptureConfig, 'poolSize' | 'batchSize'>,
    handlers: CaptureSessionHandlers = {},
    policyOverride: Partial<ReturnPolicy> = {},
  ) {
    this.port = port;
    this.sampleRate = sampleRate;
    this.handlers = handlers;
    this.poolShape = { poolSize: poolShape.poolSize, batchSize: poolShape.batchSize };
    this.policyOverride = policyOverride;
    this.policy = this.resolvePolicy();
    this.port.onmessage = (event: MessageEvent) => this.receive(event.data);
  }

  /** Buffers a listener retained and has not released yet. */
  get retainedCount(): number {
    return this.retained.size;
  }

  /** Sends a live configuration change; the worklet applies it between batches. */
  configure(config: Partial<CaptureConfig>): void {
    this.poolShape = { poolSize: config.poolSize ?? this.poolShape.poolSize, batchSize: config.batchSize ?? this.poolShape.batchSize };
    this.policy = this.resolvePolicy();
    this.send({ type: 'configure', config });
  }

  /**
   * Asks for a stats snapshot; resolves with the worklet's answer, which reflects every message
   * sent before the request (returns included), never with a periodic snapshot taken earlier.
   */
  requestStats(): Promise<PoolStats> {
    return new Promise((resolve) => {
      this.statsWaiters.push(resolve);
      this.send({ type: 'request-stats' });
    });
  }

  resetStats(): void {
    this.send({ type: 'reset-stats' });
  }

  /** Transfers every buffer waiting for its group now. */
  flushReturns(): void {
    clearTimeout(this.returnTimer);
    this.returnTimer = undefined;
    const buffers = this.pendingReturns;
    if (buffers.length === 0 || this.disposed) return;
    this.pendingReturns = [];
    try {
      // Bare payload: one buffer alone, or the array when grouped (see protocol.ts).
      if (buffers.length === 1) this.port.postMessage(buffers[0], buffers);
      else this.port.postMessage(buffers, buffers);
      this.counters.buffersReturned += buffers.length;
      this.counters.returnMessages++;
    } catch {
      // A buffer detached after it was queued; return the others one by one.
      for (const buffer of buffers) this.returnNow(buffer);
    }
  }

  /**
   * Stops the processor and resolves with its final stats, or null when it did not answer within
   * two seconds (its context closed or suspended). Buffers still out need no return.
   */
  stop(): Promise<PoolStats | null> {
    this.flushReturns();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settleStop(null), STOP_TIMEOUT_MS);
      this.stopWaiters.push((stats) => {
        clearTimeout(timer);
        resolve(stats);
      });
      this.send({ type: 'stop' });
    });
  }

  /** Stops listening and drops every buffer reference. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.returnTimer);
    this.port.onmessage = null;
    this.pendingReturns = [];
    this.retained.clear();
    this.settleStop(null);
  }

  private send(message: ToWorkletMessage): void {
    if (!this.disposed) this.port.postMessage(message);
  }

  private receive(data: unknown): void {
    const parsed = parseFromWorkletMessage(data);
    if (!parsed.ok) {
      this.counters.invalidWorkletMessages++;
      this.handlers.error?.('invalid-message', `from the worklet: ${parsed.reason}`);
      return;
    }
    const message = parsed.message;
    switch (message.type) {
      case 'batch':
        this.receiveBatch(message);
        break;
      case 'stats':
        this.latestStats = message.stats;
        if (message.requested) this.statsWaiters.shift()?.(message.stats);
        this.handlers.stats?.(message.stats);
        break;
      case 'stopped':
        this.latestStats = message.stats;
        this.settleStop(message.stats);
        break;
      case 'exhausted':
        this.handlers.exhausted?.(message.frame);
        break;
      case 'reclaimed':
        this.retained.delete(message.bufferId);
        this.handlers.reclaimed?.(message.bufferId, message.ageMs);
        break;
      case 'error':
        this.handlers.error?.(message.code, message.message);
        break;
    }
  }

  private receiveBatch({ buffer, header }: BatchMessage): void {
    if (header.sequence !== this.expectedSequence) this.counters.sequenceGaps++;
    this.expectedSequence = header.sequence + 1;
    let retained = false;
    let dispatching = true;
    const channelData = channelViews(buffer, header.channels, header.frames);
    const rms: number[] = [];
    const peak: number[] = [];
    for (const samples of channelData) pushLevels(samples, rms, peak);
    const frame: AnalysisFrame = {
      sequence: header.sequence,
      frame: header.frame,
      time: header.frame / this.sampleRate,
      sampleRate: this.sampleRate,
      channelData,
      rms,
      peak,
      skippedFrames: header.skippedFrames,
      bufferId: header.bufferId,
      retain: () => {
        if (!dispatching || retained || !header.pooled) return noop;
        retained = true;
        return this.retain(header.bufferId, buffer);
      },
    };
    try {
      this.counters.framesDispatched++;
      this.handlers.frame?.(frame);
    } finally {
      dispatching = false;
      if (!retained && header.pooled) this.queueReturn(buffer);
    }
  }

  private retain(bufferId: number, buffer: ArrayBuffer): () => void {
    this.retained.set(bufferId, buffer);
    this.send({ type: 'report-processing', bufferIds: [bufferId] });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.retained.delete(bufferId);
      // Returned even if the worklet reclaimed it meanwhile: it counts the late return.
      this.queueReturn(buffer);
    };
  }

  private queueReturn(buffer: ArrayBuffer): void {
    if (this.disposed) return;
    if (buffer.byteLength === 0) {
      this.counters.detachedReturns++;
      return;
    }
    this.pendingReturns.push(buffer);
    if (this.pendingReturns.length >= this.policy.groupSize) this.flushReturns();
    else this.returnTimer ??= setTimeout(() => this.flushReturns(), this.policy.maxDelayMs);
  }

  private returnNow(buffer: ArrayBuffer): void {
    if (buffer.byteLength === 0) {
      this.counters.detachedReturns++;
      return;
    }
    this.port.postMessage(buffer, [buffer]);
    this.counters.buffersReturned++;
    this.counters.returnMessages++;
  }

  private resolvePolicy(): ReturnPolicy {
    const { poolSize, batchSize } = this.poolShape;
    return { ...defaultReturnPolicy(poolSize, batchSize, this.sampleRate), ...this.policyOverride };
  }

  private settleStop(stats: PoolStats | null): void {
    for (const resolve of this.stopWaiters.splice(0)) resolve(stats);
  }
}

function noop(): void {}

/** Appends one channel's root mean square to `rms` and its largest absolute sample to `peak`. */
export function pushLevels(samples: Float32Array, rms: number[], peak: number[]): void {
  let sumOfSquares = 0;
  let largest = 0;
  for (let i = 0; i < samples.length; i++) {
    const sample = samples[i] as number;
    sumOfSquares += sample * sample;
    const magnitude = sample < 0 ? -sample : sample;
    if (magnitude > largest) largest = magnitude;
  }
  rms.push(Math.sqrt(sumOfSquares / samples.length));
  peak.push(largest);
}
