import { type CaptureConfig, checkPartialConfig, DEFAULT_CONFIG } from '../src/config.js';
import {
  batchBufferBytes,
  canHoldHeader,
  type ErrorMessage,
  type ExhaustedMessage,
  HEADER_SLOTS,
  INVALID_RETURN_REASONS,
  isReturnPayload,
  type PoolStats,
  PROTOCOL_VERSION,
  parseToWorkletMessage,
  type ReclaimedMessage,
  readBufferId,
  type StatsMessage,
  type StoppedMessage,
  type WorkletErrorCode,
  writeBatchHeader,
} from '../src/protocol.js';
import { RELEASE_REASON_NAMES, ReleaseResult, TransferableBufferPool } from './transferable-buffer-pool.js';

/** Shared by every message that transfers nothing, so posting one allocates no array. */
const NO_TRANSFER: Transferable[] = [];

/** The part of a MessagePort the engine uses; a fake in unit tests, the processor's port in the worklet. */
export interface MessageSink {
  postMessage(message: unknown, transfer: Transferable[]): void;
}

/**
 * The capture logic of the `audio-pool-capture` processor, without the AudioWorklet globals:
 * time comes in as `nowFrame` arguments, so tests can drive it with any render-quantum length.
 *
 * Allocation on the hot path (`process()` and returns), per batch:
 * - ping-pong: none when sending (the batch buffer carries its own header, the transfer list is
 *   reused); per returned buffer, one Float32Array view, the only way to write into the new
 *   ArrayBuffer object that every transfer creates. The MessageEvent and the ArrayBuffer object
 *   that carry a return are the browser's, not ours; returning several buffers in one message
 *   shares the event between them.
 * - allocate (the A/B baseline): one ArrayBuffer and one view per batch, by design.
 * Everything else allocates only outside the steady state: the constructor, a configuration
 * change, a reclaim, the stats snapshot's structured clone, and error reports.
 */
export class CaptureEngine {
  readonly pool = new TransferableBufferPool();
  readonly config: CaptureConfig = { ...DEFAULT_CONFIG };

  private readonly port: MessageSink;
  private readonly sampleRate: number;
  private readonly transferList: Transferable[] = [new ArrayBuffer(0)];
  private pendingConfig: Partial<CaptureConfig> | null = null;
  private staging = new Float32Array(0);
  private fill = 0;
  private batchStartFrame = 0;
  private timeoutFrames = 0;
  private statsIntervalFrames = 0;
  private nextStatsFrame = 0;
  private stopped = false;

  private sequence = 0;
  private skippedSinceDelivery = 0;
  private exhausted = false;
  private deliveredBatches = 0;
  private deliveredFrames = 0;
  private skippedBatches = 0;
  private skippedFrames = 0;
  private exhaustions = 0;
  private renderedFrames = 0;
  /** The frame the next quantum should start at, or -1 before the first. */
  private expectedFrame = -1;
  private renderGaps = 0;
  private renderGapFrames = 0;
  private invalidMessages = 0;
  private processErrors = 0;
  private errorQuietUntilFrame = 0;
  private suppressedErrors = 0;

  private readonly stats: PoolStats = createStats(this.pool.capacity);
  private readonly statsMessage: StatsMessage = { type: 'stats', stats: this.stats, requested: false };
  private readonly exhaustedMessage: ExhaustedMessage = { type: 'exhausted', frame: 0 };
  private readonly reclaimedMessage: ReclaimedMessage = { type: 'reclaimed', bufferId: 0, ageMs: 0 };

  constructor(port: MessageSink, sampleRate: number, processorOptions: unknown) {
    this.port = port;
    this.sampleRate = sampleRate;
    const options = (typeof processorOptions === 'object' && processorOptions !== null ? processorOptions : {}) as Record<string, unknown>;
    if (options.protocolVersion !== PROTOCOL_VERSION) {
      this.stopped = true;
      this.reportError(
        'protocol-mismatch',
        `processor speaks protocol ${PROTOCOL_VERSION}, the page sent ${String(options.protocolVersion)}: load the worklet module of the same package version`,
        0,
      );
      return;
    }
    const check = checkPartialConfig(options.config ?? {});
    if (check.errors.length > 0) this.reportError('invalid-config', check.errors.join('; '), 0);
    this.pendingConfig = check.config;
    this.applyPendingConfig();
  }

  /**
   * Consumes one render quantum of the first input (`undefined` or fewer channels than
   * configured: the missing channels are silence). Returns false once stopped, which lets the
   * browser drop the processor. Never throws.
   */
  process(input: readonly Float32Array[] | undefined, quantumFrames: number, nowFrame: number): boolean {
    if (this.stopped) return false;
    try {
      this.noteRenderGap(nowFrame);
      this.expectedFrame = nowFrame + quantumFrames;
      this.consume(input, quantumFrames, nowFrame);
      this.reclaimExpired(nowFrame + quantumFrames);
      if (nowFrame >= this.nextStatsFrame) this.postStats(nowFrame, false);
    } catch (error) {
      this.processErrors++;
      this.reportError('processor-error', `process() failed: ${String(error)}`, nowFrame);
    }
    return true;
  }

  /** Handles one message from the main thread. Never throws: bad input is counted and reported. */
  receive(data: unknown, nowFrame: number): void {
    if (this.stopped) return;
    try {
      if (isReturnPayload(data)) {
        this.receiveReturns(data, nowFrame);
        return;
      }
      const parsed = parseToWorkletMessage(data);
      if (!parsed.ok) {
        this.invalidMessages++;
        this.reportError('invalid-message', parsed.reason, nowFrame);
        return;
      }
      const message = parsed.message;
      switch (message.type) {
        case 'return-buffer':
          this.receiveReturns(message.buffers, nowFrame);
          break;
        case 'configure':
          this.pendingConfig = { ...this.pendingConfig, ...message.config };
          if (this.fill === 0) this.applyPendingConfig();
          break;
        case 'report-processing':
          for (const id of message.bufferIds) this.pool.markProcessing(id);
          break;
        case 'request-stats':
          this.postStats(nowFrame, true);
          break;
        case 'reset-stats':
          this.resetCounters();
          break;
        case 'stop':
          this.stop(nowFrame);
          break;
      }
    } catch (error) {
      this.invalidMessages++;
      this.reportError('invalid-message', `message handling failed: ${String(error)}`, nowFrame);
    }
  }

  /** Counts context frames that passed without reaching process() (the browser's own dropouts). */
  private noteRenderGap(nowFrame: number): void {
    if (this.expectedFrame < 0 || nowFrame === this.expectedFrame) return;
    this.renderGaps++;
    this.renderGapFrames += nowFrame - this.expectedFrame;
  }

  private consume(input: readonly Float32Array[] | undefined, quantumFrames: number, nowFrame: number): void {
    let offset = 0;
    while (offset < quantumFrames) {
      if (this.fill === 0) {
        if (this.pendingConfig !== null) this.applyPendingConfig();
        this.batchStartFrame = nowFrame + offset;
      }
      const { batchSize, channels } = this.config;
      const frames = Math.min(quantumFrames - offset, batchSize - this.fill);
      for (let channel = 0; channel < channels; channel++) {
        const source = input === undefined ? undefined : input[channel];
        const target = channel * batchSize + this.fill;
        if (source === undefined || source.length < offset + frames) {
          this.staging.fill(0, target, target + frames);
        } else if (offset === 0 && frames === source.length) {
          this.staging.set(source, target);
        } else {
          for (let i = 0; i < frames; i++) this.staging[target + i] = source[offset + i] as number;
        }
      }
      this.fill += frames;
      offset += frames;
      this.renderedFrames += frames;
      if (this.fill === batchSize) {
        this.flush(nowFrame + offset);
        this.fill = 0;
      }
    }
  }

  private flush(endFrame: number): void {
    const { batchSize, channels } = this.config;
    let buffer: ArrayBuffer;
    let view: Float32Array;
    let bufferId = 0;
    const pooled = this.config.transport === 'ping-pong';
    if (pooled) {
      const slot = this.pool.acquire(endFrame);
      if (slot < 0) {
        this.skip(batchSize);
        return;
      }
      buffer = this.pool.bufferAt(slot);
      view = this.pool.viewAt(slot);
      bufferId = this.pool.idAt(slot);
    } else {
      // The baseline: what most AudioWorklet code does, a fresh buffer for every batch.
      buffer = new ArrayBuffer(batchBufferBytes(batchSize, channels));
      view = new Float32Array(buffer);
      this.pool.recordUnpooledAllocation();
    }
    writeBatchHeader(view, bufferId, this.sequence, this.batchStartFrame, this.skippedSinceDelivery, channels, batchSize, pooled);
    view.set(this.staging, HEADER_SLOTS);
    this.transferList[0] = buffer;
    this.port.postMessage(buffer, this.transferList);
    this.sequence++;
    this.deliveredBatches++;
    this.deliveredFrames += batchSize;
    this.skippedSinceDelivery = 0;
    this.exhausted = false;
  }

  private skip(frames: number): void {
    this.skippedBatches++;
    this.skippedFrames += frames;
    this.skippedSinceDelivery += frames;
    if (this.exhausted) return;
    this.exhausted = true;
    this.exhaustions++;
    this.exhaustedMessage.frame = this.batchStartFrame;
    this.port.postMessage(this.exhaustedMessage, NO_TRANSFER);
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
      this.pool.discard(ReleaseResult.NotBuffer);
      return;
    }
    if (!canHoldHeader(item.byteLength)) {
      this.pool.discard(ReleaseResult.SizeMismatch);
      return;
    }
    // The one allocation a return costs us: a view on the new ArrayBuffer object.
    const view = new Float32Array(item);
    this.pool.release(readBufferId(view), item, view, nowFrame);
  }

  private reclaimExpired(nowFrame: number): void {
    let slot = this.pool.nextExpired(nowFrame, this.timeoutFrames);
    while (slot >= 0) {
      this.reclaimedMessage.bufferId = this.pool.idAt(slot);
      this.reclaimedMessage.ageMs = this.framesToMs(nowFrame - this.pool.sentAt(slot));
      this.pool.reclaim(slot);
      this.port.postMessage(this.reclaimedMessage, NO_TRANSFER);
      slot = this.pool.nextExpired(nowFrame, this.timeoutFrames);
    }
  }

  private applyPendingConfig(): void {
    const next = { ...this.config, ...this.pendingConfig };
    this.pendingConfig = null;
    if (next.batchSize * next.channels !== this.staging.length) this.staging = new Float32Array(next.batchSize * next.channels);
    Object.assign(this.config, next);
    const poolSize = next.transport === 'ping-pong' ? next.poolSize : 0;
    this.pool.configure(poolSize, batchBufferBytes(next.batchSize, next.channels));
    this.timeoutFrames = (next.timeout * this.sampleRate) / 1000;
    this.statsIntervalFrames = (next.statsInterval * this.sampleRate) / 1000;
  }

  private stop(nowFrame: number): void {
    this.fillStats(nowFrame);
    const stopped: StoppedMessage = { type: 'stopped', stats: this.stats };
    this.port.postMessage(stopped, NO_TRANSFER);
    this.stopped = true;
  }

  private postStats(nowFrame: number, requested: boolean): void {
    this.fillStats(nowFrame);
    this.statsMessage.requested = requested;
    this.port.postMessage(this.statsMessage, NO_TRANSFER);
    this.nextStatsFrame = nowFrame + this.statsIntervalFrames;
  }

  private resetCounters(): void {
    this.pool.resetCounters();
    this.deliveredBatches = 0;
    this.deliveredFrames = 0;
    this.skippedBatches = 0;
    this.skippedFrames = 0;
    this.exhaustions = 0;
    this.renderedFrames = this.fill;
    this.renderGaps = 0;
    this.renderGapFrames = 0;
    this.invalidMessages = 0;
    this.processErrors = 0;
  }

  /** Posts an error, at most one per stats interval; the ones held back are counted in the next. */
  private reportError(code: WorkletErrorCode, message: string, nowFrame: number): void {
    if (nowFrame < this.errorQuietUntilFrame) {
      this.suppressedErrors++;
      return;
    }
    const suppressed = this.suppressedErrors > 0 ? ` (${this.suppressedErrors} earlier errors not reported)` : '';
    this.suppressedErrors = 0;
    this.errorQuietUntilFrame = nowFrame + this.statsIntervalFrames;
    const error: ErrorMessage = { type: 'error', code, message: message + suppressed };
    this.port.postMessage(error, NO_TRANSFER);
  }

  private framesToMs(frames: number): number {
    return (frames * 1000) / this.sampleRate;
  }

  private fillStats(nowFrame: number): void {
    const stats = this.stats;
    const pool = this.pool;
    stats.currentFrame = nowFrame;
    stats.sampleRate = this.sampleRate;
    stats.transport = this.config.transport;
    stats.poolSize = this.config.poolSize;
    stats.buffers = pool.buffersAlive;
    stats.batchSize = this.config.batchSize;
    stats.channels = this.config.channels;
    stats.timeout = this.config.timeout;
    stats.bufferBytes = batchBufferBytes(this.config.batchSize, this.config.channels);
    stats.acquisitions = pool.acquisitions;
    stats.hits = pool.hits;
    stats.misses = pool.misses;
    stats.hitRate = pool.acquisitions === 0 ? 1 : pool.hits / pool.acquisitions;
    stats.allocations = pool.allocations;
    stats.allocationsAfterStart = pool.allocations - pool.initialAllocations;
    stats.returns = pool.returns;
    for (let reason = 1; reason < RELEASE_REASON_NAMES.length; reason++) {
      stats.invalidReturns[RELEASE_REASON_NAMES[reason] as keyof PoolStats['invalidReturns']] = pool.invalidReturns[reason] as number;
    }
    stats.reclaims = pool.reclaims;
    stats.available = pool.available;
    stats.inFlight = pool.inFlight;
    stats.processing = pool.processing;
    stats.maxInFlight = pool.maxInFlight;
    stats.turnoverAvgMs = pool.turnoverCount === 0 ? 0 : this.framesToMs(pool.turnoverTotalFrames / pool.turnoverCount);
    stats.turnoverMaxMs = this.framesToMs(pool.turnoverMaxFrames);
    stats.deliveredBatches = this.deliveredBatches;
    stats.deliveredFrames = this.deliveredFrames;
    stats.skippedBatches = this.skippedBatches;
    stats.skippedFrames = this.skippedFrames;
    stats.exhaustions = this.exhaustions;
    stats.renderedFrames = this.renderedFrames;
    stats.renderGaps = this.renderGaps;
    stats.renderGapFrames = this.renderGapFrames;
    stats.pendingFrames = this.fill;
    stats.invalidMessages = this.invalidMessages;
    stats.processErrors = this.processErrors;
    pool.writeSlots(stats.slotStates, stats.slotAgesMs, nowFrame, this.sampleRate);
  }
}

function createStats(capacity: number): PoolStats {
  const invalidReturns = {} as PoolStats['invalidReturns'];
  for (const reason of INVALID_RETURN_REASONS) invalidReturns[reason] = 0;
  return {
    currentFrame: 0,
    sampleRate: 0,
    transport: DEFAULT_CONFIG.transport,
    poolSize: 0,
    buffers: 0,
    batchSize: 0,
    channels: 0,
    timeout: 0,
    bufferBytes: 0,
    acquisitions: 0,
    hits: 0,
    misses: 0,
    hitRate: 1,
    allocations: 0,
    allocationsAfterStart: 0,
    returns: 0,
    invalidReturns,
    reclaims: 0,
    available: 0,
    inFlight: 0,
    processing: 0,
    maxInFlight: 0,
    turnoverAvgMs: 0,
    turnoverMaxMs: 0,
    deliveredBatches: 0,
    deliveredFrames: 0,
    skippedBatches: 0,
    skippedFrames: 0,
    exhaustions: 0,
    renderedFrames: 0,
    renderGaps: 0,
    renderGapFrames: 0,
    pendingFrames: 0,
    invalidMessages: 0,
    processErrors: 0,
    slotStates: new Uint8Array(capacity),
    slotAgesMs: new Float32Array(capacity),
  };
}
