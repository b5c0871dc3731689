import type { SessionCounters } from './batch-source.js';
import type { PoolStats } from './stats.js';

/**
 * One delivered batch, as `analysis-frame` listeners see it. Like its views, the frame object is
 * valid **during dispatch only**: every transport fills one frame object again for later batches
 * (`shared` one per slot, the others one until a listener retains it), its `rms` and `peak`
 * arrays with it, so that a batch costs the page no frame of its own. Keep the numbers you need,
 * not the frame, or `retain()`: a retained frame keeps every field until it is released.
 */
export interface AnalysisFrame {
  /** Delivered batches before this one (consecutive; a skip does not use a number). */
  sequence: number;
  /** Context frame of the first sample. */
  frame: number;
  /** `frame` in seconds of context time. */
  time: number;
  sampleRate: number;
  /**
   * One view per channel of the batch's samples. Valid **during dispatch only**: afterwards the
   * memory may go back to the pool at any moment (ping-pong: the views become empty, detached,
   * once their group of returns is sent; shared: the views stay readable but the slot soon holds
   * a later batch). Copy what you keep, or call `retain()`.
   */
  channelData: Float32Array[];
  /** Root mean square per channel. */
  rms: number[];
  /** Largest absolute sample per channel. */
  peak: number[];
  /**
   * The features the analyzer's `features` names, computed on the main thread; null when not
   * asked for. The typed arrays are reused for the next frame: like `channelData`, they are valid
   * **during dispatch only**, and `retain()` gives the frame copies of its own.
   *
   * `levels`: `rms` and `peak` in dBFS per channel (-Infinity for silence).
   */
  rmsDb: Float64Array | null;
  peakDb: Float64Array | null;
  /** `levels`: samples at or beyond full scale (|x| ≥ 32767/32768) per channel. */
  clippedSamples: Uint32Array | null;
  /**
   * `spectrum`: dB per bin (clamped to `min-decibels`–`max-decibels`) of the channels' mean over
   * the last `fft-size` frames, Hann-windowed and smoothed; `fft-size / 2` bins, bin k centred on
   * `k × sampleRate / fft-size` Hz. A full-scale sine at a bin's centre reads 0 dB.
   */
  spectrum: Float32Array | null;
  /** `pitch`: the fundamental frequency in Hz of the channels' mean (McLeod pitch method); null below `pitch-clarity` or when not asked for. */
  pitch: number | null;
  /** `pitch`: how periodic the window was, 0–1. */
  clarity: number | null;
  /** `zcr`: sign changes per second of the channels' mean over this frame. */
  zcr: number | null;
  /**
   * Frames captured but not delivered right before this batch: skipped because no slot was free,
   * or staged when a render gap came (so that no batch spans a gap).
   */
  skippedFrames: number;
  /**
   * Context frames right before this batch that the browser never rendered (render gaps). The
   * samples of one frame are contiguous in context time, and
   * `frame === previous.frame + previous.channelData[0].length + skippedFrames + gapFrames`.
   */
  gapFrames: number;
  /** Id of the pool buffer or shared slot carrying the batch (0 for copy and allocate); for debugging. */
  bufferId: number;
  /**
   * Keeps the batch's memory out of the pool (state processing) until the returned release
   * function is called; calling it twice is harmless. If it is never called the worklet reclaims
   * the slot after the timeout. Only effective during dispatch; with `copy` and `allocate` the
   * memory is the page's own already, and nothing needs keeping.
   */
  retain(): () => void;
}

/** Lifecycle of an analyzer. */
export const ANALYZER_STATES = ['idle', 'starting', 'running', 'suspended', 'stalled', 'stopped', 'error'] as const;
export type AnalyzerState = (typeof ANALYZER_STATES)[number];

/** What an `analyzer-error` can be about. */
export const ANALYZER_ERROR_CODES = [
  'unsupported',
  'insecure-context',
  'worklet-load-failed',
  'permission-denied',
  'source-not-found',
  'invalid-source',
  'processor-error',
  'invalid-attribute',
  'invalid-message',
  'transport-unavailable',
  'not-rendering',
] as const;
export type AnalyzerErrorCode = (typeof ANALYZER_ERROR_CODES)[number];

/** The worklet's stats, with the main thread's own counters beside them. */
export interface AnalyzerStats extends PoolStats, SessionCounters {
  /** Buffers listeners retained and have not released. */
  retained: number;
  /**
   * Glitches at the output as the browser counts them (`AudioContext.playbackStats`, updated about
   * once a second), or null where the browser does not count them.
   */
  outputUnderruns: OutputUnderruns | null;
}

/** The browser's own count of output underruns since the context started. */
export interface OutputUnderruns {
  events: number;
  /** Their total length. */
  durationMs: number;
}

export interface StateChangeDetail {
  state: AnalyzerState;
  previous: AnalyzerState;
}

export interface PoolExhaustedDetail {
  /** Context frame of the first skipped batch. */
  frame: number;
  /** The same, in seconds. */
  time: number;
}

export interface BufferReclaimedDetail {
  bufferId: number;
  /** How long the buffer had been out, in ms of audio time. */
  ageMs: number;
}

export interface AnalyzerErrorDetail {
  code: AnalyzerErrorCode;
  message: string;
  /** For `invalid-attribute`: the attribute refused. */
  attribute?: string;
}

/** Every event an analyzer fires, by name. */
export interface AnalyzerEventDetails {
  'analysis-frame': AnalysisFrame;
  'pool-stats': AnalyzerStats;
  'pool-exhausted': PoolExhaustedDetail;
  'buffer-reclaimed': BufferReclaimedDetail;
  'state-change': StateChangeDetail;
  'analyzer-error': AnalyzerErrorDetail;
}

/** One init dictionary for every event: the constructor reads it at once, so one `analysis-frame` costs no second object. */
const EVENT_INIT: CustomEventInit<unknown> = { detail: null, bubbles: true, composed: true };

/** Dispatches a typed event; every event of this library bubbles and crosses shadow roots. */
export function emit<K extends keyof AnalyzerEventDetails>(target: EventTarget, name: K, detail: AnalyzerEventDetails[K]): void {
  EVENT_INIT.detail = detail;
  const event = new CustomEvent(name, EVENT_INIT);
  EVENT_INIT.detail = null;
  target.dispatchEvent(event);
}

// On the global handlers' map, which the element, document and window maps all extend: the events
// bubble and are composed, so `document.addEventListener('analysis-frame', …)` is typed too.
declare global {
  interface GlobalEventHandlersEventMap {
    'analysis-frame': CustomEvent<AnalysisFrame>;
    'pool-stats': CustomEvent<AnalyzerStats>;
    'pool-exhausted': CustomEvent<PoolExhaustedDetail>;
    'buffer-reclaimed': CustomEvent<BufferReclaimedDetail>;
    'state-change': CustomEvent<StateChangeDetail>;
    'analyzer-error': CustomEvent<AnalyzerErrorDetail>;
  }
}
