import { checkWorkletConfig, DEFAULT_CONFIG, type WorkletConfig } from '../src/config.js';
import {
  type BatchFields,
  type ExhaustedMessage,
  HEADER_SLOTS,
  PROTOCOL_VERSION,
  parseToWorkletMessage,
  type ReclaimedMessage,
  type RenderedMessage,
} from '../src/protocol.js';
import { encodeStats, STATS_WIRE_LENGTH, type StatsKind } from '../src/stats.js';
import { type MessageSink, NO_TRANSFER } from './batch-transport.js';
import { ErrorReporter } from './error-reporter.js';
import { Meters } from './meters.js';
import { TransportSet } from './transport-set.js';
import { FALLBACK_TRANSPORT } from './transports/index.js';

export type { MessageSink } from './batch-transport.js';

/**
 * The capture logic of the `audio-pool-capture` processor, without the AudioWorklet globals:
 * time comes in as `nowFrame` arguments, so tests can drive it with any render-quantum length.
 * It stages every render quantum, forms batches, counts every frame (delivered, skipped,
 * pending, never rendered), answers control messages and reports stats; a BatchTransport carries
 * the batches, and the engine keeps every transport it has used until what they sent comes back.
 *
 * Allocation: nothing of its own per render quantum or per batch; each transport says what it
 * allocates. The rest happens outside the steady state: the constructor, a configuration change
 * (a new staging buffer, a transport's first use), the stats snapshot's structured clone, the
 * answer to `await-render` (once per start, resume or source change), and error reports.
 */
export class CaptureEngine {
  readonly config: WorkletConfig = { ...DEFAULT_CONFIG, transport: FALLBACK_TRANSPORT };
  readonly meters: Meters;

  private readonly port: MessageSink;
  private readonly sampleRate: number;
  private readonly errors: ErrorReporter;
  private readonly transports: TransportSet;
  private pendingConfig: Partial<WorkletConfig> | null = null;
  /** The batch being filled: a header's room, then the samples, planar. */
  private staging = new Float32Array(0);
  private fill = 0;
  private readonly batch: BatchFields = { sequence: 0, frame: 0, skippedFrames: 0, gapFrames: 0, channels: 1, frames: 0 };
  private timeoutFrames = 0;
  private statsIntervalFrames = 0;
  private nextStatsFrame = 0;
  private stopped = false;
  private exhausted = false;
  /** The frame the next quantum should start at, or -1 before the first. */
  private expectedFrame = -1;

  /** Snapshots go out in this one array, rewritten each time (see `encodeStats`). */
  private readonly statsWire = new Float64Array(STATS_WIRE_LENGTH);
  private readonly exhaustedMessage: ExhaustedMessage = { type: 'exhausted', frame: 0 };
  private readonly reclaimedMessage: ReclaimedMessage = { type: 'reclaimed', bufferId: 0, ageMs: 0 };
  /** `await-render` requests received, and how many of them the last `rendered` answered. */
  private readonly renderedMessage: RenderedMessage = { type: 'rendered', requests: 0, frame: 0 };
  private renderRequests = 0;

  constructor(port: MessageSink, sampleRate: number, processorOptions: unknown) {
    this.port = port;
    this.sampleRate = sampleRate;
    this.meters = new Meters(FALLBACK_TRANSPORT, sampleRate);
    this.errors = new ErrorReporter(port);
    const reportError = this.errors.report.bind(this.errors);
    this.transports = new TransportSet({
      port,
      sampleRate,
      meters: this.meters,
      reportError,
      reportReclaim: (id, age) => this.reportReclaim(id, age),
    });
    const options = (typeof processorOptions === 'object' && processorOptions !== null ? processorOptions : {}) as Record<string, unknown>;
    if (options.protocolVersion !== PROTOCOL_VERSION) {
      this.stopped = true;
      this.errors.report(
        'protocol-mismatch',
        `processor speaks protocol ${PROTOCOL_VERSION}, the page sent ${String(options.protocolVersion)}: load the worklet module of the same package version`,
        0,
      );
      return;
    }
    const check = checkWorkletConfig(options.config ?? {});
    if (check.errors.length > 0) this.errors.report('invalid-config', check.errors.join('; '), 0);
    this.pendingConfig = check.config;
    this.applyPendingConfig(0);
    this.meters.allocationsAtStart = this.meters.stats.allocations;
  }

  /**
   * Consumes one render quantum of the first input (`undefined` or fewer channels than
   * configured: the missing channels are silence), read at context frame `clockFrame`. Returns
   * false once stopped, which lets the browser drop the processor. Never throws.
   */
  process(input: readonly Float32Array[] | undefined, quantumFrames: number, clockFrame: number): boolean {
    if (this.stopped) return false;
    // The engine's own count, moved on by the clock only when it reads ahead (a render gap): a
    // reading behind it (the same value twice, or a step back) must not number frames twice.
    const nowFrame = this.expectedFrame < 0 || clockFrame > this.expectedFrame ? clockFrame : this.expectedFrame;
    try {
      this.noteRenderGap(nowFrame);
      this.expectedFrame = nowFrame + quantumFrames;
      this.consume(input, quantumFrames, nowFrame);
      this.transports.tick(nowFrame + quantumFrames, this.timeoutFrames);
      if (nowFrame >= this.nextStatsFrame) this.postStats(nowFrame, false);
      if (this.renderRequests !== this.renderedMessage.requests) this.answerRenderRequests(nowFrame);
    } catch (error) {
      this.meters.stats.processErrors++;
      this.errors.report('processor-error', `process() failed: ${String(error)}`, nowFrame);
    }
    return true;
  }

  /** Handles one message from the main thread. Never throws: bad input is counted and reported. */
  receive(data: unknown, nowFrame: number): void {
    if (this.stopped) return;
    try {
      // Returns and acknowledgements first: they are most messages, and a transport checks them without allocating.
      if (this.transports.receive(data, nowFrame)) return;
      const parsed = parseToWorkletMessage(data);
      if (!parsed.ok) {
        this.refuse(parsed.reason, nowFrame);
        return;
      }
      const message = parsed.message;
      switch (message.type) {
        case 'configure':
          this.pendingConfig = { ...this.pendingConfig, ...message.config };
          if (this.fill === 0) this.applyPendingConfig(nowFrame);
          break;
        case 'request-stats':
          this.postStats(nowFrame, true);
          break;
        case 'reset-stats':
          this.resetCounters();
          break;
        case 'await-render':
          this.renderRequests++;
          break;
        case 'stop':
          this.stop(nowFrame);
          break;
        default:
          this.refuse(`${message.type}: no ${message.type === 'acknowledge' ? 'copy' : 'ping-pong'} transport has run here`, nowFrame);
      }
    } catch (error) {
      this.refuse(`message handling failed: ${String(error)}`, nowFrame);
    }
  }

  private refuse(reason: string, nowFrame: number): void {
    this.meters.stats.invalidMessages++;
    this.errors.report('invalid-message', reason, nowFrame);
  }

  /**
   * Counts context frames that passed without reaching process() (the browser's own dropouts).
   * A batch must not span one, so the frames staged before it are discarded: the next delivered
   * batch counts them in `skippedFrames` and the gap in `gapFrames`, and its samples stay
   * contiguous in context time.
   */
  private noteRenderGap(nowFrame: number): void {
    if (this.expectedFrame < 0 || nowFrame === this.expectedFrame) return;
    const stats = this.meters.stats;
    const gapFrames = nowFrame - this.expectedFrame;
    stats.renderGaps++;
    stats.renderGapFrames += gapFrames;
    stats.gapDiscardedFrames += this.fill;
    this.batch.skippedFrames += this.fill;
    this.batch.gapFrames += gapFrames;
    this.fill = 0;
  }

  private consume(input: readonly Float32Array[] | undefined, quantumFrames: number, nowFrame: number): void {
    let offset = 0;
    while (offset < quantumFrames) {
      if (this.fill === 0) {
        if (this.pendingConfig !== null) this.applyPendingConfig(nowFrame + offset);
        this.batch.frame = nowFrame + offset;
      }
      const { batchSize, channels } = this.config;
      const frames = Math.min(quantumFrames - offset, batchSize - this.fill);
      for (let channel = 0; channel < channels; channel++) {
        const source = input === undefined ? undefined : input[channel];
        const target = HEADER_SLOTS + channel * batchSize + this.fill;
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
      this.meters.stats.renderedFrames += frames;
      if (this.fill === batchSize) {
        this.flush(nowFrame + offset);
        this.fill = 0;
      }
    }
  }

  private flush(endFrame: number): void {
    const stats = this.meters.stats;
    const batch = this.batch;
    batch.channels = this.config.channels;
    batch.frames = this.config.batchSize;
    stats.acquisitions++;
    if (this.transports.active?.deliver(this.staging, batch, endFrame) !== true) {
      this.skip(batch.frames);
      return;
    }
    stats.hits++;
    stats.deliveredBatches++;
    stats.deliveredFrames += batch.frames;
    batch.sequence++;
    batch.skippedFrames = 0;
    batch.gapFrames = 0;
    this.exhausted = false;
  }

  private skip(frames: number): void {
    const stats = this.meters.stats;
    stats.misses++;
    stats.skippedBatches++;
    stats.skippedFrames += frames;
    this.batch.skippedFrames += frames;
    if (this.exhausted) return;
    this.exhausted = true;
    stats.exhaustions++;
    this.exhaustedMessage.frame = this.batch.frame;
    this.port.postMessage(this.exhaustedMessage, NO_TRANSFER);
  }

  private answerRenderRequests(nowFrame: number): void {
    this.renderedMessage.requests = this.renderRequests;
    this.renderedMessage.frame = nowFrame;
    this.port.postMessage(this.renderedMessage, NO_TRANSFER);
  }

  private reportReclaim(bufferId: number, ageFrames: number): void {
    this.reclaimedMessage.bufferId = bufferId;
    this.reclaimedMessage.ageMs = (ageFrames * 1000) / this.sampleRate;
    this.port.postMessage(this.reclaimedMessage, NO_TRANSFER);
  }

  private applyPendingConfig(nowFrame: number): void {
    const next: WorkletConfig = { ...this.config, ...this.pendingConfig };
    this.pendingConfig = null;
    const stagingLength = HEADER_SLOTS + next.batchSize * next.channels;
    if (stagingLength !== this.staging.length) this.staging = new Float32Array(stagingLength);
    next.transport = this.transports.activate(next, nowFrame);
    Object.assign(this.config, next);
    this.timeoutFrames = (next.timeout * this.sampleRate) / 1000;
    this.statsIntervalFrames = (next.statsInterval * this.sampleRate) / 1000;
    this.errors.quietFrames = this.statsIntervalFrames;
  }

  private stop(nowFrame: number): void {
    this.postSnapshot(nowFrame, 'final');
    this.stopped = true;
  }

  private postStats(nowFrame: number, requested: boolean): void {
    this.postSnapshot(nowFrame, requested ? 'requested' : 'periodic');
    this.nextStatsFrame = nowFrame + this.statsIntervalFrames;
  }

  private resetCounters(): void {
    this.meters.reset();
    this.meters.stats.renderedFrames = this.fill;
    this.transports.resetPeaks();
  }

  private postSnapshot(nowFrame: number, kind: StatsKind): void {
    this.meters.beginSnapshot(this.config, nowFrame, this.fill);
    this.meters.endSnapshot(this.transports.writeGauges(this.meters, nowFrame));
    encodeStats(this.meters.stats, this.meters, kind, this.statsWire);
    this.port.postMessage(this.statsWire, NO_TRANSFER);
  }
}
