import type { ReactiveController, ReactiveControllerHost } from 'lit';
import {
  type ConnectedSource,
  checkInput,
  connectInput,
  connectMediaElement,
  connectMicrophone,
  connectTestTone,
  findMediaElement,
  SourceError,
  type SourceInput,
} from './audio-sources.js';
import { createSessionCounters } from './batch-source.js';
import { createCaptureNode } from './capture-node.js';
import { CaptureSession } from './capture-session.js';
import { ACTIVE_TRANSPORTS, type ActiveTransport, type CaptureConfig, type ContextConfig, type WorkletConfig } from './config.js';
import { type ContextLease, leaseContext } from './context-groups.js';
import { type AnalyzerErrorCode, type AnalyzerState, type AnalyzerStats, emit, type OutputUnderruns } from './events.js';
import { FrameAnalysis } from './frame-analysis.js';
import type { WorkletErrorCode } from './protocol.js';
import { createStats, type PoolStats } from './stats.js';
import { resolveTransport } from './transports/index.js';
import { within } from './within.js';

/** How long start() waits for `resume()` before reporting `suspended` (autoplay without a gesture never resolves). */
const RESUME_WAIT_MS = 1000;

/**
 * How long a context that says it runs may take to render its first quantum before the analyzer
 * reports `stalled` and a `not-rendering` error (Firefox takes about two seconds to open its output).
 */
export const RENDER_WAIT_MS = 4000;

/**
 * Every AnalyzerStats is a copy of this one, made in one allocation with every field in place: a
 * literal spreading the snapshot and the counters into a new object grows it field by field
 * (about 6 KB of garbage per snapshot, measured in Node's V8).
 */
const EMPTY_ANALYZER_STATS: AnalyzerStats = {
  ...createStats(ACTIVE_TRANSPORTS[0] as ActiveTransport, 0),
  ...createSessionCounters(),
  retained: 0,
  outputUnderruns: null,
};

/** How long requestStats() waits for the worklet's answer (a closing context may never give one). */
const STATS_WAIT_MS = 2000;

export interface CaptureControllerConfig {
  /** The current, validated capture options. */
  config(): CaptureConfig;
  /** How to make the AudioContext, read at each start. */
  context(): ContextConfig;
  /** Absolute URL of the worklet module. */
  workletUrl(): string;
  /** The `source` attribute: `test-tone`, `microphone`, a selector of a media element, or null. */
  source(): string | null;
  /** Start when the host is connected to a document. */
  autostart(): boolean;
  /**
   * Called after each stats snapshot, for the host to reflect it: a snapshot comes every stats
   * interval and changes nothing a render shows, so it asks for no whole update.
   */
  statsChanged(): void;
}

const WORKLET_ERROR_CODES: Record<WorkletErrorCode, AnalyzerErrorCode> = {
  'invalid-message': 'invalid-message',
  'invalid-config': 'invalid-attribute',
  'protocol-mismatch': 'worklet-load-failed',
  'processor-error': 'processor-error',
  'transport-unavailable': 'transport-unavailable',
};

/**
 * Owns one capture: its hold on an AudioContext (its own, or its `context-group`'s), the `audio-pool-capture` node, the source feeding it and
 * the session that returns buffers. Fires the analyzer's events on the host. `start()`, `stop()`
 * and `connectSource()` never reject: failures are `analyzer-error` events and the `error` state.
 */
export class CaptureController implements ReactiveController {
  state: AnalyzerState = 'idle';
  context: AudioContext | null = null;
  node: AudioWorkletNode | null = null;
  /** The latest stats snapshot, kept after stop. */
  stats: AnalyzerStats | null = null;
  /** The transport that runs (or last ran): `transport` resolved for this page, then as the worklet reports it. */
  transportActive: ActiveTransport | null = null;
  /** Computes each frame's features before it is dispatched; `configure()` it with the host's options. */
  readonly analysis = new FrameAnalysis();

  private readonly host: ReactiveControllerHost & HTMLElement;
  private readonly options: CaptureControllerConfig;
  private session: CaptureSession | null = null;
  private source: ConnectedSource | null = null;
  /** This capture's hold on its context (shared with the analyzers of its `context-group`). */
  private lease: ContextLease | null = null;
  private readonly onContextStateChange = (): void => {
    if (this.context && this.state !== 'starting') void this.syncState(this.context);
  };
  /** Set by connectSource(); wins over the `source` attribute until that changes. */
  private explicitInput: SourceInput | null = null;
  /** Incremented by every start and stop, so an older start that is still awaiting gives up. */
  private run = 0;
  private starting: Promise<void> | null = null;

  constructor(host: ReactiveControllerHost & HTMLElement, options: CaptureControllerConfig) {
    this.host = host;
    this.options = options;
    host.addController(this);
  }

  hostConnected(): void {
    if (this.options.autostart()) void this.start();
  }

  hostDisconnected(): void {
    void this.stop();
  }

  /** Starts capturing, or resumes a suspended context (call it from a user gesture). */
  start(): Promise<void> {
    if (this.context && (this.state === 'suspended' || this.state === 'stalled')) return this.resume(this.context, this.run);
    if (this.context && this.state === 'running') return Promise.resolve();
    this.starting ??= this.launch().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  /** Stops capturing, lets the context go (closed unless others of its group still run) and drops every reference to the pool. */
  async stop(): Promise<void> {
    this.run++;
    const { context, session, node, source, lease } = this;
    this.context = null;
    this.node = null;
    this.session = null;
    this.source = null;
    this.lease = null;
    if (!context || !lease) {
      if (this.state === 'starting') this.setState('stopped');
      return;
    }
    context.removeEventListener('statechange', this.onContextStateChange);
    source?.dispose();
    if (session) {
      if (context.state !== 'closed') this.absorbStats(await session.stop(), session, context);
      session.dispose();
    }
    node?.disconnect();
    await lease.release();
    if (this.state !== 'error') this.setState('stopped');
  }

  resetStats(): void {
    this.session?.resetStats();
    void this.session?.requestStats();
  }

  /**
   * A snapshot taken now by the worklet (it also fires `pool-stats`); when not running, or when
   * the worklet does not answer within STATS_WAIT_MS, the latest one, or null before the first.
   */
  async requestStats(): Promise<AnalyzerStats | null> {
    // The session's stats handler absorbs the answer before this resumes.
    if (this.session !== null) await within(this.session.requestStats(), STATS_WAIT_MS);
    return this.stats;
  }

  /** Sends changed options to the running worklet, applied between batches. */
  configure(changes: Partial<CaptureConfig>): void {
    if (!this.session || !this.node) return;
    if (changes.channels !== undefined) this.node.channelCount = changes.channels;
    this.session.configure(this.workletConfig(changes));
  }

  /** The options as the worklet takes them: the transport resolved for this page (reporting a fallback). */
  private workletConfig(config: Partial<CaptureConfig>): Partial<WorkletConfig> {
    if (config.transport === undefined) return config as Partial<WorkletConfig>;
    const { transport, unavailable } = resolveTransport(config.transport);
    if (unavailable !== null)
      this.report(
        'transport-unavailable',
        `transport "${config.transport}" cannot run here: ${unavailable}; running "${transport}" instead`,
      );
    this.transportActive = transport;
    return { ...config, transport };
  }

  /**
   * Feeds the analyzer from a node, stream or media element; replaces the current source.
   * While running, resolves once the worklet has rendered a quantum with it connected. What it
   * cannot take is an `invalid-source` error, and the current source stays.
   */
  async connectSource(input: SourceInput): Promise<void> {
    try {
      checkInput(input, this.context);
    } catch (error) {
      // Refused before the current source is let go: a bad call loses nothing.
      this.report((error as SourceError).code, (error as SourceError).message);
      return;
    }
    this.explicitInput = input;
    if (this.context && this.node) await this.switchSource(this.context, this.node);
  }

  /** The `source` attribute changed: it takes over from any connectSource() input. */
  sourceAttributeChanged(): void {
    this.explicitInput = null;
    if (this.context && this.node) void this.switchSource(this.context, this.node);
  }

  /**
   * A context as configured; at the device's rate (with an `unsupported` error saying why) when
   * the browser refuses the rate asked for; null (the state `error`) when it refuses any.
   */
  private createContext({ sampleRate, latencyHint }: ContextConfig): AudioContext | null {
    if (sampleRate !== null) {
      try {
        return new AudioContext({ latencyHint, sampleRate });
      } catch (error) {
        this.report(
          'unsupported',
          `this browser refused an AudioContext at ${sampleRate} Hz (${String(error)}); running at the device's rate instead`,
        );
      }
    }
    try {
      return new AudioContext({ latencyHint });
    } catch (error) {
      this.fail('unsupported', `this browser refused to make an AudioContext: ${String(error)}`);
      return null;
    }
  }

  private async switchSource(context: AudioContext, node: AudioWorkletNode): Promise<void> {
    const session = this.session;
    if (!(await this.replaceSource(context, node)) || this.state !== 'running' || session === null) return;
    await within(session.awaitRender(), RENDER_WAIT_MS);
  }

  private async launch(): Promise<void> {
    const run = ++this.run;
    if (typeof AudioContext === 'undefined' || typeof AudioWorkletNode === 'undefined') {
      this.fail('unsupported', 'this browser has no AudioWorklet (AudioContext and AudioWorkletNode are required)');
      return;
    }
    if (!window.isSecureContext) {
      this.fail('insecure-context', 'AudioWorklet needs a secure context: serve the page over https or from localhost');
      return;
    }
    let url: string;
    try {
      url = this.options.workletUrl();
    } catch (error) {
      this.fail('worklet-load-failed', error instanceof Error ? error.message : String(error));
      return;
    }
    this.setState('starting');
    const contextConfig = this.options.context();
    const { contextGroup, sampleRate } = contextConfig;
    const lease = leaseContext(contextGroup, () => this.createContext(contextConfig));
    if (lease === null) return;
    const context = lease.context;
    if (sampleRate !== null && context.sampleRate !== sampleRate && lease.members > 1) {
      void lease.release();
      this.fail(
        'invalid-attribute',
        `sample-rate ${sampleRate} disagrees with context-group "${contextGroup}", whose context runs at ${context.sampleRate} Hz: give the group's analyzers one rate`,
        'sample-rate',
      );
      return;
    }
    try {
      await lease.loadModule(url);
    } catch (error) {
      void lease.release();
      if (run === this.run) this.fail('worklet-load-failed', `could not load the worklet module from ${url}: ${String(error)}`);
      return;
    }
    if (run !== this.run) {
      void lease.release();
      return;
    }
    const node = this.createNode(context, this.options.config());
    this.context = context;
    this.node = node;
    this.lease = lease;
    // While starting, the context may already run (autoplay allowed) before the source is connected
    // (a microphone prompt can take seconds): launch() reports the state once it is.
    context.addEventListener('statechange', this.onContextStateChange);
    const sourceConnected = await this.replaceSource(context, node);
    if (run !== this.run) return;
    if (!sourceConnected) {
      this.setState('error');
      await this.stop();
      return;
    }
    await this.resume(context, run);
  }

  private createNode(context: AudioContext, options: CaptureConfig): AudioWorkletNode {
    const config = this.workletConfig(options) as WorkletConfig;
    const node = createCaptureNode(context, config);
    node.onprocessorerror = () => {
      this.fail('processor-error', 'the audio-pool-capture processor stopped with an error');
      void this.stop();
    };
    this.session = new CaptureSession(node.port, context.sampleRate, config, {
      frame: (frame) => {
        this.analysis.analyze(frame);
        emit(this.host, 'analysis-frame', frame);
      },
      stats: (stats) => this.absorbStats(stats, this.session, context),
      statsTemplate: EMPTY_ANALYZER_STATS,
      exhausted: (frame) => emit(this.host, 'pool-exhausted', { frame, time: frame / context.sampleRate }),
      reclaimed: (bufferId, ageMs) => emit(this.host, 'buffer-reclaimed', { bufferId, ageMs }),
      error: (code, message) => this.report(WORKLET_ERROR_CODES[code], `worklet: ${message}`),
    });
    return node;
  }

  /** Connects the configured source in place of the current one; false when it failed. */
  private async replaceSource(context: AudioContext, node: AudioWorkletNode): Promise<boolean> {
    this.source?.dispose();
    this.source = null;
    try {
      const source = await this.connectConfiguredSource(context, node);
      if (this.node !== node) {
        source?.dispose();
        return false;
      }
      this.source = source;
      return true;
    } catch (error) {
      if (error instanceof SourceError) this.report(error.code, error.message);
      else this.report('source-not-found', `could not connect the source: ${String(error)}`);
      return this.state === 'running' || this.state === 'suspended';
    }
  }

  private async connectConfiguredSource(context: AudioContext, node: AudioWorkletNode): Promise<ConnectedSource | null> {
    if (this.explicitInput) return connectInput(context, node, this.explicitInput);
    const spec = this.options.source();
    if (spec === null || spec.trim() === '') return null;
    if (spec === 'test-tone') return connectTestTone(context, node);
    if (spec === 'microphone') return connectMicrophone(context, node, this.options.config().channels);
    return connectMediaElement(context, node, findMediaElement(spec, this.host));
  }

  /**
   * Resumes the context. Without a user gesture `resume()` may never settle, so wait a little;
   * where the browser says autoplay is allowed, wait as long as for a first quantum: Firefox
   * settles `resume()` only once its output has opened, a second or two later.
   */
  private async resume(context: AudioContext, run: number): Promise<void> {
    if (context.state === 'suspended') {
      await within(
        context.resume().catch(() => undefined),
        autoplayAllowed(context) ? RENDER_WAIT_MS : RESUME_WAIT_MS,
      );
    }
    if (run === this.run) await this.syncState(context);
  }

  private async syncState(context: AudioContext): Promise<void> {
    if (context !== this.context || this.state === 'error') return;
    if (context.state === 'running') await this.confirmRendering(context);
    else if (context.state === 'suspended') this.setState('suspended');
    else void this.stop();
  }

  /**
   * The context says it runs: the state becomes `running` once the worklet has rendered a
   * quantum since (the source is connected by then). If none comes within RENDER_WAIT_MS, it
   * becomes `stalled` with a `not-rendering` error, and `running` whenever audio does flow.
   */
  private async confirmRendering(context: AudioContext): Promise<void> {
    const session = this.session;
    if (session === null || this.state === 'running') return;
    const rendered = session.awaitRender();
    const inTime = await within(rendered, RENDER_WAIT_MS);
    const current = () => context === this.context && session === this.session && this.state !== 'error' && context.state === 'running';
    if (inTime !== null) {
      if (inTime && current()) this.setState('running');
      return;
    }
    if (current() && this.state !== 'stalled') {
      this.setState('stalled');
      this.report(
        'not-rendering',
        `the AudioContext says it runs but has rendered no audio for ${RENDER_WAIT_MS / 1000} s (no output device, or the device is busy?); the analyzer says running as soon as audio flows`,
      );
    }
    void rendered.then((late) => {
      if (late && current()) this.setState('running');
    });
  }

  private absorbStats(stats: PoolStats | null, session: CaptureSession | null, context: AudioContext): void {
    if (!stats || !session) return;
    this.transportActive = stats.transport;
    // A copy of EMPTY_ANALYZER_STATS already (the session's statsTemplate): completed in place.
    const next = Object.assign(stats as AnalyzerStats, session.counters);
    next.retained = session.retainedCount;
    next.outputUnderruns = readOutputUnderruns(context);
    this.stats = next;
    // Reflected first, so that a pool-stats listener reads attributes that agree with its detail.
    this.options.statsChanged();
    emit(this.host, 'pool-stats', next);
  }

  private fail(code: AnalyzerErrorCode, message: string, attribute?: string): void {
    this.report(code, message, attribute);
    this.setState('error');
  }

  private report(code: AnalyzerErrorCode, message: string, attribute?: string): void {
    emit(this.host, 'analyzer-error', attribute === undefined ? { code, message } : { code, message, attribute });
  }

  private setState(state: AnalyzerState): void {
    if (state === this.state) return;
    const previous = this.state;
    this.state = state;
    this.host.requestUpdate();
    emit(this.host, 'state-change', { state, previous });
  }
}

/** `navigator.getAutoplayPolicy()`, where the browser has it (Firefox does; not in TypeScript's DOM types yet). */
type AutoplayPolicy = 'allowed' | 'allowed-muted' | 'disallowed';

/** True where the browser says this context may start without a user gesture; false where it cannot tell. */
function autoplayAllowed(context: AudioContext): boolean {
  const policy = (navigator as Navigator & { getAutoplayPolicy?(context: AudioContext): AutoplayPolicy }).getAutoplayPolicy;
  try {
    return policy?.call(navigator, context) === 'allowed';
  } catch {
    return false;
  }
}

/** `AudioContext.playbackStats`, where the browser has it (Chromium does; it is not in TypeScript's DOM types yet). */
interface PlaybackStats {
  underrunEvents: number;
  /** Seconds. */
  underrunDuration: number;
}

/** The browser's underrun counters for a context, or null where it keeps none. */
export function readOutputUnderruns(context: AudioContext): OutputUnderruns | null {
  const stats = (context as AudioContext & { playbackStats?: PlaybackStats }).playbackStats;
  return stats ? { events: stats.underrunEvents, durationMs: stats.underrunDuration * 1000 } : null;
}
