import {
  type BatchSource,
  createSessionCounters,
  type FrameSink,
  type PoolShape,
  type Retainer,
  type ReturnPolicy,
  type SessionCounters,
} from './batch-source.js';
import type { ActiveTransport, WorkletConfig } from './config.js';
import { DispatchedFrame } from './dispatched-frame.js';
import type { AnalysisFrame } from './events.js';
import {
  type AcknowledgePayload,
  type BatchHeader,
  batchBufferBytes,
  canHoldHeader,
  createBatchHeader,
  parseFromWorkletMessage,
  type ReturnPayload,
  readBatchHeader,
  type ToWorkletMessage,
  type WorkletErrorCode,
} from './protocol.js';
import type { PoolStats } from './stats.js';
import { BATCH_SOURCES } from './transports/index.js';
import { within } from './within.js';

export interface CaptureSessionHandlers {
  frame?(frame: AnalysisFrame): void;
  stats?(stats: PoolStats): void;
  /**
   * What each stats snapshot is a copy of, the worklet's figures then written in: a handler that
   * adds fields of its own to a snapshot gives them here, so that a snapshot stays one object.
   */
  statsTemplate?: PoolStats;
  exhausted?(frame: number): void;
  reclaimed?(bufferId: number, ageMs: number): void;
  error?(code: WorkletErrorCode, message: string): void;
}

const STOP_TIMEOUT_MS = 2000;

/**
 * The main-thread end of one `audio-pool-capture` processor: hands what the worklet sends to the
 * page's end of the transport that carried it (a BatchSource), dispatches every batch as an
 * AnalysisFrame in sequence order whichever transport carried it, and relays stats, reclaims,
 * exhaustion and errors. Owns no AudioContext.
 */
export class CaptureSession implements FrameSink {
  readonly counters: SessionCounters = createSessionCounters();
  /** The latest stats snapshot from the worklet, or null before the first. */
  latestStats: PoolStats | null = null;
  readonly sampleRate: number;
  readonly returnPolicy: Partial<ReturnPolicy>;
  shape: PoolShape;
  expectedSequence = 0;

  private readonly port: MessagePort;
  private readonly handlers: CaptureSessionHandlers;
  private readonly sources: { [K in ActiveTransport]?: BatchSource } = {};
  private readonly live: BatchSource[] = [];
  private readonly header = createBatchHeader();
  private statsWaiters: ((stats: PoolStats) => void)[] = [];
  private stopWaiters: ((stats: PoolStats | null) => void)[] = [];
  /** `await-render` requests sent, and who waits on which. */
  private renderRequests = 0;
  private renderWaiters: { request: number; resolve: (rendered: boolean) => void }[] = [];
  private disposed = false;

  constructor(
    port: MessagePort,
    sampleRate: number,
    shape: PoolShape,
    handlers: CaptureSessionHandlers = {},
    returnPolicy: Partial<ReturnPolicy> = {},
  ) {
    this.port = port;
    this.sampleRate = sampleRate;
    this.shape = { poolSize: shape.poolSize, batchSize: shape.batchSize };
    this.handlers = handlers;
    this.returnPolicy = returnPolicy;
    this.port.onmessage = (event: MessageEvent) => this.receive(event.data);
  }

  /** Slots a listener retained and has not released yet. */
  get retainedCount(): number {
    let count = 0;
    for (const source of this.live) count += source.retainedCount;
    return count;
  }

  /** Sends a live configuration change; the worklet applies it between batches. */
  configure(config: Partial<WorkletConfig>): void {
    this.shape = { poolSize: config.poolSize ?? this.shape.poolSize, batchSize: config.batchSize ?? this.shape.batchSize };
    for (const source of this.live) source.configure(this.shape);
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

  /**
   * Resolves true once the processor has rendered a quantum after this call, false if the
   * session is disposed first. A context can say it runs before its clock moves.
   */
  awaitRender(): Promise<boolean> {
    if (this.disposed) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.renderWaiters.push({ request: ++this.renderRequests, resolve });
      this.send({ type: 'await-render' });
    });
  }

  /** Gives back now whatever waits to be given back (grouped returns, an acknowledgement). */
  flushReturns(): void {
    for (const source of this.live) source.flush();
  }

  /**
   * Stops the processor and resolves with its final stats, or null when it did not answer within
   * two seconds (its context closed or suspended). Slots still out need no return.
   */
  stop(): Promise<PoolStats | null> {
    this.flushReturns();
    const answered = new Promise<PoolStats | null>((resolve) => this.stopWaiters.push(resolve));
    this.send({ type: 'stop' });
    return within(answered, STOP_TIMEOUT_MS);
  }

  /** Stops listening and drops every reference to the pool. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.port.onmessage = null;
    for (const source of this.live) source.dispose();
    this.settleStop(null);
    this.settleRenderWaiters(Number.POSITIVE_INFINITY, false);
  }

  dispatch(header: BatchHeader, channelData: Float32Array[], retainer: Retainer | null, token: unknown, frame: DispatchedFrame): boolean {
    if (header.sequence !== this.expectedSequence) this.counters.sequenceGaps++;
    this.expectedSequence = header.sequence + 1;
    DispatchedFrame.open(frame, header, channelData, this.sampleRate, retainer, token);
    this.counters.framesDispatched++;
    try {
      this.handlers.frame?.(frame);
    } catch (error) {
      // A throwing handler must not keep the batch from going back: report it as uncaught, go on.
      reportError(error);
    }
    return DispatchedFrame.close(frame);
  }

  send(message: ToWorkletMessage | ReturnPayload | AcknowledgePayload, transfer: Transferable[] = []): void {
    if (!this.disposed) this.port.postMessage(message, transfer);
  }

  private source(transport: ActiveTransport): BatchSource {
    let source = this.sources[transport];
    if (source === undefined) {
      source = BATCH_SOURCES[transport](this);
      this.sources[transport] = source;
      this.live.push(source);
    }
    return source;
  }

  /** Lets every other source dispatch what it holds that is due: batches of one sequence may come by two transports around a switch. */
  private catchUp(except: BatchSource): void {
    for (const source of this.live) if (source !== except) source.catchUp();
  }

  private receive(data: unknown): void {
    if (data instanceof ArrayBuffer) {
      this.receiveBatch(data);
      return;
    }
    const parsed = parseFromWorkletMessage(data, this.handlers.statsTemplate);
    if (!parsed.ok) {
      this.refuse(parsed.reason);
      return;
    }
    const message = parsed.message;
    switch (message.type) {
      case 'batch':
        this.receiveBatch(message.buffer);
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
        for (const source of this.live) source.forget(message.bufferId);
        this.handlers.reclaimed?.(message.bufferId, message.ageMs);
        break;
      case 'error':
        this.handlers.error?.(message.code, message.message);
        break;
      case 'rendered':
        this.settleRenderWaiters(message.requests, true);
        break;
      case 'shared-slots':
      case 'wake':
        this.source('shared').receiveMessage(message);
        break;
    }
  }

  /** A batch that came by message: its header says which transport carried it, and so what the page owes back. */
  private receiveBatch(buffer: ArrayBuffer): void {
    const header = this.header;
    const valid = canHoldHeader(buffer.byteLength) && readBatchHeader(new Float32Array(buffer), header);
    if (!valid || buffer.byteLength !== batchBufferBytes(header.frames, header.channels)) {
      this.refuse(`batch buffer of ${buffer.byteLength} bytes has no valid header`);
      return;
    }
    const source = this.source(header.transport);
    if (header.sequence > this.expectedSequence) this.catchUp(source);
    source.receiveBatch(buffer, header);
    this.catchUp(source);
  }

  refuse(reason: string, sequence?: number): void {
    this.counters.invalidWorkletMessages++;
    if (sequence === this.expectedSequence) this.expectedSequence = sequence + 1;
    this.handlers.error?.('invalid-message', `from the worklet: ${reason}`);
  }

  private settleStop(stats: PoolStats | null): void {
    for (const resolve of this.stopWaiters.splice(0)) resolve(stats);
  }

  /** Settles the render waiters whose request is among the first `requests`. */
  private settleRenderWaiters(requests: number, rendered: boolean): void {
    const settled = this.renderWaiters.filter((waiter) => waiter.request <= requests);
    this.renderWaiters = this.renderWaiters.filter((waiter) => waiter.request > requests);
    for (const waiter of settled) waiter.resolve(rendered);
  }
}
