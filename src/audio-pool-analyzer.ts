import { css, html, LitElement, type PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import type { SourceInput } from './audio-sources.js';
import { CaptureController } from './capture-controller.js';
import {
  type ActiveTransport,
  ANALYSIS_OPTION_NAMES,
  ANALYSIS_OPTIONS,
  type AnalysisConfig,
  CAPTURE_OPTION_NAMES,
  CAPTURE_OPTIONS,
  type CaptureConfig,
  CONTEXT_OPTIONS,
  type ContextConfig,
  DEFAULT_ANALYSIS,
  DEFAULT_CONFIG,
  DEFAULT_CONTEXT,
  FEATURES,
  type Feature,
  type LatencyCategory,
  type OptionResult,
  ORDERED_ANALYSIS_OPTIONS,
  parseAnalysisNumber,
  parseContextOption,
  parseFeatures,
  parseOption,
  type Transport,
} from './config.js';
import { type AnalyzerErrorDetail, type AnalyzerState, type AnalyzerStats, emit } from './events.js';
import { defaultWorkletUrl } from './worklet-url.js';

/** Hands attribute strings to the setters unconverted, so they can name a bad value as written. */
const rawAttribute = { fromAttribute: (value: string | null) => value };

/**
 * Real-time audio analysis without garbage on the audio thread: batches of samples leave the
 * AudioWorklet through a bounded pool (in shared memory on cross-origin-isolated pages, as
 * copies elsewhere) and reach the page as `analysis-frame` events.
 *
 * Drop it in, pick a `source`, call `start()` (or set `autostart`), and listen to
 * `analysis-frame`. Each frame's `channelData` views point into pooled memory that may go back to
 * the worklet as soon as the listeners return: they, and the frame object itself (`shared` fills
 * one per slot again for each of its batches), are valid **during dispatch only** (copy what you
 * keep, or call `detail.retain()` and later the release function it returns).
 *
 * Read-only attributes, refreshed at every stats update (before `pool-stats` fires) so CSS and
 * other code can watch them: `state`, `transport-active`, `hit-rate`, `available`, `in-flight`,
 * `processing`, `dropped`, `reclaimed`, `allocations`.
 *
 * @summary Captures audio in pooled batches without audio-thread garbage and fires analysis frames.
 *
 * @slot - Anything to show inside the analyzer (it renders nothing of its own).
 *
 * @fires {CustomEvent<AnalysisFrame>} analysis-frame - One per delivered batch: `sequence`, `frame`, `time`, `sampleRate`, `channelData` (the frame and its views are valid during dispatch only), `rms`, `peak`, `skippedFrames`, `gapFrames`, `bufferId`, `retain()`, and what `features` names (`rmsDb`, `peakDb`, `clippedSamples`, `spectrum`, `pitch`, `clarity`, `zcr`; null when not asked for).
 * @fires {CustomEvent<AnalyzerStats>} pool-stats - The stats snapshot, every `stats-interval` ms and on `requestStats()`: the pool (`transport`, `poolSize`, `buffers`, `available`, `inFlight`, `processing`, `maxInFlight`, `slotStates`, `slotAgesMs`), its traffic (`acquisitions`, `hits`, `misses`, `hitRate`, `returns`, `reclaims`, `allocations`, `allocationsAfterStart`, `turnoverAvgMs`, `turnoverMaxMs`, `invalidReturns` by reason), the audio (`deliveredBatches`, `deliveredFrames`, `skippedBatches`, `skippedFrames`, `exhaustions`, `renderedFrames`, `pendingFrames`, `renderGaps`, `renderGapFrames`), the page's side (`framesDispatched`, `buffersReturned`, `returnMessages`, `wakeups`, `retained`, `outputUnderruns`, ...); every field in docs/stats.md.
 * @fires {CustomEvent<PoolExhaustedDetail>} pool-exhausted - The first skipped batch after a run of deliveries: `{ frame, time }`.
 * @fires {CustomEvent<BufferReclaimedDetail>} buffer-reclaimed - A buffer not returned within `timeout` was replaced: `{ bufferId, ageMs }`.
 * @fires {CustomEvent<StateChangeDetail>} state-change - `{ state, previous }`.
 * @fires {CustomEvent<AnalyzerErrorDetail>} analyzer-error - `{ code, message, attribute? }`; codes: unsupported, insecure-context, worklet-load-failed, permission-denied, source-not-found, invalid-source, processor-error, invalid-attribute, invalid-message, transport-unavailable, not-rendering.
 *
 * @attr {string} state - Read-only: idle, starting, running, suspended, stalled, stopped or error.
 * @attr {string} transport-active - Read-only: the transport that runs (shared, copy, ping-pong or allocate); absent before the first start.
 * @attr {number} hit-rate - Read-only: batches delivered / batches formed (0–1).
 * @attr {number} available - Read-only: buffers in the pool now.
 * @attr {number} in-flight - Read-only: buffers posted and not yet back.
 * @attr {number} processing - Read-only: buffers retained by listeners.
 * @attr {number} dropped - Read-only: batches skipped because the pool was exhausted.
 * @attr {number} reclaimed - Read-only: buffers replaced after the timeout.
 * @attr {number} allocations - Read-only: buffers allocated on the audio thread.
 */
export class AudioPoolAnalyzer extends LitElement {
  static override styles = css`
    :host {
      display: contents;
    }
    :host([hidden]) {
      display: none;
    }
  `;

  /** Buffers in the pool (2–256, default 16). */
  @property({ attribute: 'pool-size', converter: rawAttribute })
  get poolSize(): number {
    return this.config.poolSize;
  }
  set poolSize(value: number | string | null) {
    this.setOption('poolSize', value);
  }

  /** Frames per batch (128–16384, default 1024). */
  @property({ attribute: 'batch-size', converter: rawAttribute })
  get batchSize(): number {
    return this.config.batchSize;
  }
  set batchSize(value: number | string | null) {
    this.setOption('batchSize', value);
  }

  /** Milliseconds of audio time before an unreturned buffer is reclaimed (10–60000, default 1000). */
  @property({ attribute: 'timeout', converter: rawAttribute })
  get timeout(): number {
    return this.config.timeout;
  }
  set timeout(value: number | string | null) {
    this.setOption('timeout', value);
  }

  /** Channels captured (1–8, default 1). */
  @property({ attribute: 'channels', converter: rawAttribute })
  get channels(): number {
    return this.config.channels;
  }
  set channels(value: number | string | null) {
    this.setOption('channels', value);
  }

  /**
   * `auto` (the default: `shared` on cross-origin-isolated pages, else `copy`), `shared` (the pool
   * in shared memory), `copy` (a copy per batch, bounded by acknowledgements), `ping-pong` (pooled
   * buffers transferred out and back: the seed's design) or `allocate` (a new buffer per batch: the
   * A/B baseline).
   */
  @property({ attribute: 'transport', converter: rawAttribute })
  get transport(): Transport {
    return this.config.transport;
  }
  set transport(value: Transport | null) {
    this.setOption('transport', value);
  }

  /** Milliseconds between stats updates (50–10000, default 250). */
  @property({ attribute: 'stats-interval', converter: rawAttribute })
  get statsInterval(): number {
    return this.config.statsInterval;
  }
  set statsInterval(value: number | string | null) {
    this.setOption('statsInterval', value);
  }

  /**
   * The AudioContext's sample rate in Hz (8000–192000); absent or empty: the output device's. A
   * rate the browser refuses gives `analyzer-error` (`unsupported`) and a start at the device's
   * rate. Applies at the next `start()`: a running context keeps its rate.
   */
  @property({ attribute: 'sample-rate', converter: rawAttribute })
  get sampleRate(): number | null {
    return this.contextConfig.sampleRate;
  }
  set sampleRate(value: number | string | null) {
    this.setContextOption('sampleRate', value);
  }

  /**
   * The AudioContext's latency hint: `interactive` (the default), `balanced`, `playback`, or
   * seconds (above 0, up to 10). Applies at the next `start()`.
   */
  @property({ attribute: 'latency-hint', converter: rawAttribute })
  get latencyHint(): LatencyCategory | number {
    return this.contextConfig.latencyHint;
  }
  set latencyHint(value: LatencyCategory | number | string | null) {
    this.setContextOption('latencyHint', value);
  }

  /**
   * A name: analyzers with the same `context-group` on a page share one AudioContext (one audio
   * thread, the worklet module loaded once), each with its own node, pool, stats and events; the
   * context closes when the last of them stops. Absent: a context of its own. A member whose
   * `sample-rate` disagrees with its group's running context fails to start (`invalid-attribute`).
   * Applies at the next `start()`.
   */
  @property({ attribute: 'context-group', converter: rawAttribute })
  get contextGroup(): string | null {
    return this.contextConfig.contextGroup;
  }
  set contextGroup(value: string | null) {
    this.setContextOption('contextGroup', value);
  }

  /**
   * What each `analysis-frame` carries beyond the samples, `rms` and `peak`: names separated by
   * spaces from `levels` (the default: `rmsDb`, `peakDb`, `clippedSamples`), `spectrum`, `pitch`
   * (`pitch`, `clarity`) and `zcr`. Unknown names give `invalid-attribute`; the rest still run.
   * Computed on the main thread; changes apply from the next frame.
   */
  @property({ attribute: 'features', converter: rawAttribute })
  get features(): readonly Feature[] {
    return this.analysisConfig.features;
  }
  set features(value: readonly Feature[] | string | null) {
    const previous = this.analysisConfig.features;
    let next: readonly Feature[] = ANALYSIS_OPTIONS.features.default;
    if (value !== null && value !== undefined) {
      const { value: known, unknown } = parseFeatures(value);
      if (unknown.length > 0) {
        const reason = `${ANALYSIS_OPTIONS.features.attribute} takes ${FEATURES.join(', ')}; got ${unknown.map((name) => JSON.stringify(name)).join(', ')}`;
        this.reportInvalid(ANALYSIS_OPTIONS.features.attribute, reason, known.join(' ') || 'none');
      }
      next = known;
    }
    if (next.join(' ') === previous.join(' ')) return;
    this.analysisConfig = { ...this.analysisConfig, features: next };
    this.requestUpdate('features', previous);
  }

  /** Frames per spectrum: a power of two from 32 to 32768; absent or empty: the largest power of two up to `batch-size`. */
  @property({ attribute: 'fft-size', converter: rawAttribute })
  get fftSize(): number | null {
    return this.analysisConfig.fftSize;
  }
  set fftSize(value: number | string | null) {
    this.setAnalysisOption('fftSize', value);
  }

  /** 0–1 (default 0.8): how much of the previous spectrum each new one keeps, as the AnalyserNode's `smoothingTimeConstant`. */
  @property({ attribute: 'smoothing', converter: rawAttribute })
  get smoothing(): number {
    return this.analysisConfig.smoothing;
  }
  set smoothing(value: number | string | null) {
    this.setAnalysisOption('smoothing', value);
  }

  /** The spectrum's floor in dB (-200–0, default -100); must be below `max-decibels`. */
  @property({ attribute: 'min-decibels', converter: rawAttribute })
  get minDecibels(): number {
    return this.analysisConfig.minDecibels;
  }
  set minDecibels(value: number | string | null) {
    this.setAnalysisOption('minDecibels', value);
  }

  /** The spectrum's ceiling in dB (-200–0, default 0). */
  @property({ attribute: 'max-decibels', converter: rawAttribute })
  get maxDecibels(): number {
    return this.analysisConfig.maxDecibels;
  }
  set maxDecibels(value: number | string | null) {
    this.setAnalysisOption('maxDecibels', value);
  }

  /** The lowest pitch searched for, Hz (20–4000, default 60); must be below `pitch-max`. */
  @property({ attribute: 'pitch-min', converter: rawAttribute })
  get pitchMin(): number {
    return this.analysisConfig.pitchMin;
  }
  set pitchMin(value: number | string | null) {
    this.setAnalysisOption('pitchMin', value);
  }

  /** The highest pitch searched for, Hz (40–20000, default 2000; at most half the sample rate). */
  @property({ attribute: 'pitch-max', converter: rawAttribute })
  get pitchMax(): number {
    return this.analysisConfig.pitchMax;
  }
  set pitchMax(value: number | string | null) {
    this.setAnalysisOption('pitchMax', value);
  }

  /** 0–1 (default 0.9): below this clarity a frame's `pitch` is null. */
  @property({ attribute: 'pitch-clarity', converter: rawAttribute })
  get pitchClarity(): number {
    return this.analysisConfig.pitchClarity;
  }
  set pitchClarity(value: number | string | null) {
    this.setAnalysisOption('pitchClarity', value);
  }

  /** `test-tone`, `microphone`, or a CSS selector of an `<audio>`/`<video>`; absent: nothing until `connectSource()`. */
  @property({ attribute: 'source' })
  source: string | null = null;

  /** Start when connected to a document. */
  @property({ type: Boolean, attribute: 'autostart' })
  autostart = false;

  /** Where to load the worklet module from; relative URLs resolve against the document. Default: the package's own. */
  @property({ attribute: 'worklet-url' })
  workletUrl: string | null = null;

  private config: CaptureConfig = { ...DEFAULT_CONFIG };
  private contextConfig: ContextConfig = { ...DEFAULT_CONTEXT };
  private analysisConfig: AnalysisConfig = { ...DEFAULT_ANALYSIS };
  private pendingErrors: AnalyzerErrorDetail[] = [];
  private readonly capture = new CaptureController(this, {
    config: () => this.config,
    context: () => this.contextConfig,
    workletUrl: () => new URL(this.workletUrl ?? defaultWorkletUrl(), document.baseURI).href,
    source: () => this.source,
    autostart: () => this.autostart,
    statsChanged: () => this.reflectStats(),
  });

  /** Lifecycle state: idle, starting, running (audio flows), suspended, stalled (the context says it runs, but renders nothing), stopped or error. */
  get state(): AnalyzerState {
    return this.capture.state;
  }

  /** The transport that runs (or last ran), `transport` resolved for this page; null before the first start. */
  get transportActive(): ActiveTransport | null {
    return this.capture.transportActive;
  }

  /** The latest stats snapshot, or null before the first. */
  get stats(): AnalyzerStats | null {
    return this.capture.stats;
  }

  /** The AudioContext while started, else null. */
  get context(): AudioContext | null {
    return this.capture.context;
  }

  /** The AudioWorkletNode while started, else null. */
  get node(): AudioWorkletNode | null {
    return this.capture.node;
  }

  /** Batches delivered / batches formed (0–1). */
  get hitRate(): number {
    return this.stats?.hitRate ?? 1;
  }

  /** Buffers in the pool now. */
  get available(): number {
    return this.stats?.available ?? 0;
  }

  /** Buffers posted to the page and not yet back. */
  get inFlight(): number {
    return this.stats?.inFlight ?? 0;
  }

  /** Buffers retained by listeners. */
  get processing(): number {
    return this.stats?.processing ?? 0;
  }

  /** Batches skipped because the pool was exhausted. */
  get dropped(): number {
    return this.stats?.skippedBatches ?? 0;
  }

  /** Buffers replaced after the timeout. */
  get reclaimed(): number {
    return this.stats?.reclaims ?? 0;
  }

  /** Buffers allocated on the audio thread. */
  get allocations(): number {
    return this.stats?.allocations ?? 0;
  }

  /**
   * Creates the AudioContext and starts capturing; resumes a suspended one. Resolves once audio
   * flows (`state` is `running`), or with `state` saying why not. Never rejects: see `state` and `analyzer-error`.
   */
  start(): Promise<void> {
    return this.capture.start();
  }

  /** Stops capturing and closes the AudioContext. */
  stop(): Promise<void> {
    return this.capture.stop();
  }

  /** Zeroes the counters. */
  resetStats(): void {
    this.capture.resetStats();
  }

  /**
   * Asks the worklet for a stats snapshot now, rather than at the next `stats-interval`; resolves
   * with it (a `pool-stats` event carries it too). When not running: the last snapshot, or null
   * before the first start. Never rejects.
   */
  requestStats(): Promise<AnalyzerStats | null> {
    return this.capture.requestStats();
  }

  /**
   * Feeds the analyzer from an AudioNode (of `this.context`), a MediaStream or a media element,
   * replacing the current source. While running, resolves once audio has been rendered with the
   * new source connected; never rejects (a bad source is an `analyzer-error`).
   */
  connectSource(source: SourceInput): Promise<void> {
    return this.capture.connectSource(source);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    for (const detail of this.pendingErrors.splice(0)) emit(this, 'analyzer-error', detail);
  }

  protected override updated(changed: PropertyValues<this>): void {
    const changes: Partial<CaptureConfig> = {};
    for (const name of CAPTURE_OPTION_NAMES) {
      if (changed.has(name)) Object.assign(changes, { [name]: this.config[name] });
    }
    if (Object.keys(changes).length > 0) this.capture.configure(changes);
    if (ANALYSIS_OPTION_NAMES.some((name) => changed.has(name))) this.configureAnalysis(changed);
    // Not on the first update (old value undefined): a connectSource() made before it must stand.
    if (changed.has('source') && changed.get('source') !== undefined) this.capture.sourceAttributeChanged();
    this.reflectStats();
  }

  protected override render() {
    return html`<slot></slot>`;
  }

  /** The one place option values are checked: a bad value leaves the last valid one in place. */
  private setOption<K extends keyof CaptureConfig>(name: K, value: unknown): void {
    this.applyOption(
      name,
      this.config[name],
      value,
      DEFAULT_CONFIG[name],
      () => parseOption(name, value),
      CAPTURE_OPTIONS[name],
      (next) => {
        this.config = { ...this.config, [name]: next };
      },
    );
  }

  /** As setOption, for the options read when the context is made. */
  private setContextOption<K extends keyof ContextConfig>(name: K, value: unknown): void {
    const parse = () => parseContextOption(name, value);
    this.applyOption(name, this.contextConfig[name], value, DEFAULT_CONTEXT[name], parse, CONTEXT_OPTIONS[name], (next) => {
      this.contextConfig = { ...this.contextConfig, [name]: next };
    });
  }

  /** As setOption, for the options of the page's analysis. */
  private setAnalysisOption<K extends Exclude<keyof AnalysisConfig, 'features'>>(name: K, value: unknown): void {
    const parse = () => parseAnalysisNumber(name, value);
    this.applyOption(name, this.analysisConfig[name], value, DEFAULT_ANALYSIS[name], parse, ANALYSIS_OPTIONS[name], (next) => {
      this.analysisConfig = { ...this.analysisConfig, [name]: next };
    });
  }

  /** Hands the analysis options over, once per update; a range out of order is reported (and runs at its defaults). */
  private configureAnalysis(changed: PropertyValues<this>): void {
    for (const [min, max] of ORDERED_ANALYSIS_OPTIONS) {
      if (!changed.has(min) && !changed.has(max)) continue;
      if (this.analysisConfig[min] < this.analysisConfig[max]) continue;
      const [minAttribute, maxAttribute] = [ANALYSIS_OPTIONS[min].attribute, ANALYSIS_OPTIONS[max].attribute];
      this.reportInvalid(
        changed.has(min) ? minAttribute : maxAttribute,
        `${minAttribute} (${this.analysisConfig[min]}) must be below ${maxAttribute} (${this.analysisConfig[max]})`,
        `the defaults, ${DEFAULT_ANALYSIS[min]} and ${DEFAULT_ANALYSIS[max]}, until it is`,
      );
    }
    this.capture.analysis.configure(this.analysisConfig);
  }

  /**
   * Stores an option's new value with `store` and requests the update: its default for null or
   * undefined, else the parsed value. Nothing changes for the same value, nor for one refused,
   * which is reported, the previous one kept.
   */
  private applyOption<T>(
    name: string,
    previous: T,
    value: unknown,
    fallback: T,
    parse: () => OptionResult<T>,
    option: { readonly attribute: string; readonly unset?: string },
    store: (next: T) => void,
  ): void {
    let next = fallback;
    if (value !== null && value !== undefined) {
      const parsed = parse();
      if (!parsed.ok) {
        this.reportInvalid(option.attribute, parsed.reason, previous ?? option.unset);
        return;
      }
      next = parsed.value;
    }
    if (next === previous) return;
    store(next);
    this.requestUpdate(name, previous);
  }

  private reportInvalid(attribute: string, reason: string, kept: unknown): void {
    const detail: AnalyzerErrorDetail = { code: 'invalid-attribute', message: `${reason}; keeping ${String(kept)}`, attribute };
    if (this.isConnected) emit(this, 'analyzer-error', detail);
    else this.pendingErrors.push(detail);
  }

  private reflectStats(): void {
    this.setAttribute('state', this.state);
    if (this.transportActive !== null) this.setAttribute('transport-active', this.transportActive);
    const stats = this.stats;
    if (!stats) return;
    this.setAttribute('hit-rate', String(Math.round(stats.hitRate * 10000) / 10000));
    this.setAttribute('available', String(stats.available));
    this.setAttribute('in-flight', String(stats.inFlight));
    this.setAttribute('processing', String(stats.processing));
    this.setAttribute('dropped', String(stats.skippedBatches));
    this.setAttribute('reclaimed', String(stats.reclaims));
    this.setAttribute('allocations', String(stats.allocations));
  }
}

// Guarded, so that two copies of the package on one page do not throw.
if (!customElements.get('audio-pool-analyzer')) customElements.define('audio-pool-analyzer', AudioPoolAnalyzer);

declare global {
  interface HTMLElementTagNameMap {
    'audio-pool-analyzer': AudioPoolAnalyzer;
  }
}
