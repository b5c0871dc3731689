/**
 * Every capture option in one place: default, valid range, attribute name and parsing.
 * The element, the worklet and the docs all read these declarations, so a range is never
 * written twice. Pure data and functions: the worklet imports this module, so it must not
 * touch the DOM or Lit.
 */

/**
 * How batches leave the audio thread. `auto` picks one for the page (`shared` where it is
 * cross-origin isolated and has SharedArrayBuffer, else `copy`); the others name one. A new
 * transport is a name here, plus one file per side listed in the maps typed over these names
 * (`worklet/transports/index.ts`, `src/transports/index.ts`).
 */
export const TRANSPORTS = ['auto', 'shared', 'copy', 'ping-pong', 'allocate'] as const;
export type Transport = (typeof TRANSPORTS)[number];
/** What a worklet runs: every transport but `auto`, which the page resolves first. */
export type ActiveTransport = Exclude<Transport, 'auto'>;
export const ACTIVE_TRANSPORTS = TRANSPORTS.filter((name): name is ActiveTransport => name !== 'auto');

/** The options the worklet understands; all of them can change while running. */
export interface CaptureConfig {
  /** Buffers in the pool. */
  poolSize: number;
  /** Frames per batch. */
  batchSize: number;
  /** Milliseconds of audio time before an unreturned buffer is declared lost and reclaimed. */
  timeout: number;
  /** Channels captured. */
  channels: number;
  /**
   * `shared`: the pool in shared memory (isolated pages); `copy`: a copy per batch, bounded by
   * acknowledgements; `ping-pong`: pooled buffers transferred out and back (the seed's design);
   * `allocate`: a new buffer per batch (the A/B baseline); `auto`: `shared` where possible, else `copy`.
   */
  transport: Transport;
  /** Milliseconds of audio time between stats messages. */
  statsInterval: number;
}

export interface IntegerOption {
  readonly kind: 'integer';
  readonly attribute: string;
  readonly default: number;
  readonly min: number;
  readonly max: number;
}

export interface EnumOption<T extends string> {
  readonly kind: 'enum';
  readonly attribute: string;
  readonly default: T;
  readonly values: readonly T[];
}

type OptionFor<V> = [V] extends [number] ? IntegerOption : [V] extends [string] ? EnumOption<V> : never;

/** Declarations of every option, keyed by property name. */
export const CAPTURE_OPTIONS: { readonly [K in keyof CaptureConfig]: OptionFor<CaptureConfig[K]> } = {
  poolSize: { kind: 'integer', attribute: 'pool-size', default: 16, min: 2, max: 256 },
  batchSize: { kind: 'integer', attribute: 'batch-size', default: 1024, min: 128, max: 16384 },
  timeout: { kind: 'integer', attribute: 'timeout', default: 1000, min: 10, max: 60000 },
  channels: { kind: 'integer', attribute: 'channels', default: 1, min: 1, max: 8 },
  transport: { kind: 'enum', attribute: 'transport', default: 'auto', values: TRANSPORTS },
  statsInterval: { kind: 'integer', attribute: 'stats-interval', default: 250, min: 50, max: 10000 },
};

export const CAPTURE_OPTION_NAMES = Object.keys(CAPTURE_OPTIONS) as readonly (keyof CaptureConfig)[];

/** The largest pool any configuration can ask for; the worklet sizes its slot table by it. */
export const MAX_POOL_SIZE = CAPTURE_OPTIONS.poolSize.max;

export const DEFAULT_CONFIG: Readonly<CaptureConfig> = Object.freeze({
  poolSize: CAPTURE_OPTIONS.poolSize.default,
  batchSize: CAPTURE_OPTIONS.batchSize.default,
  timeout: CAPTURE_OPTIONS.timeout.default,
  channels: CAPTURE_OPTIONS.channels.default,
  transport: CAPTURE_OPTIONS.transport.default,
  statsInterval: CAPTURE_OPTIONS.statsInterval.default,
});

/** The latency categories an AudioContext takes; `latency-hint` also takes seconds. */
export const LATENCY_CATEGORIES = ['interactive', 'balanced', 'playback'] as const;
export type LatencyCategory = (typeof LATENCY_CATEGORIES)[number];

/**
 * How the AudioContext is made. Read at each start: a running context keeps the rate and latency
 * it was made with, so a change applies at the next `start()`.
 */
export interface ContextConfig {
  /** The context's sample rate in Hz; null: the output device's. */
  sampleRate: number | null;
  /** The context's latency hint: a category, or seconds. */
  latencyHint: LatencyCategory | number;
  /** Analyzers with the same group share one context (see `context-groups.ts`); null: a context of its own. */
  contextGroup: string | null;
}

/** Declarations of the context options, keyed by property name. */
export const CONTEXT_OPTIONS = {
  sampleRate: { attribute: 'sample-rate', default: null, unset: "the device's rate", min: 8000, max: 192000 },
  latencyHint: { attribute: 'latency-hint', default: 'interactive', values: LATENCY_CATEGORIES, maxSeconds: 10 },
  contextGroup: { attribute: 'context-group', default: null, unset: 'no group' },
} as const satisfies {
  readonly [K in keyof ContextConfig]: {
    readonly attribute: string;
    readonly default: ContextConfig[K];
    readonly [detail: string]: unknown;
  };
};

export const DEFAULT_CONTEXT: Readonly<ContextConfig> = Object.freeze({
  sampleRate: CONTEXT_OPTIONS.sampleRate.default,
  latencyHint: CONTEXT_OPTIONS.latencyHint.default,
  contextGroup: CONTEXT_OPTIONS.contextGroup.default,
});

export type OptionResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** What `analysis-frame` carries beyond the samples, computed on the main thread. */
export const FEATURES = ['levels', 'spectrum', 'pitch', 'zcr'] as const;
export type Feature = (typeof FEATURES)[number];

/** How the page analyzes each frame. Every option can change while running; the next frame follows. */
export interface AnalysisConfig {
  /** The features computed, in no particular order. */
  features: readonly Feature[];
  /** Frames per spectrum (a power of two); null: the largest power of two up to the batch size. */
  fftSize: number | null;
  /** 0–1: how much of the previous spectrum each new one keeps, as the AnalyserNode's smoothingTimeConstant. */
  smoothing: number;
  /** The spectrum's dB values are clamped to this range. */
  minDecibels: number;
  maxDecibels: number;
  /** The pitch searched for, Hz. */
  pitchMin: number;
  pitchMax: number;
  /** Below this clarity (0–1) a frame's pitch is null. */
  pitchClarity: number;
}

/** Declarations of the analysis options, keyed by property name; `min` and `max` bound numbers. */
export const ANALYSIS_OPTIONS = {
  features: { attribute: 'features', default: ['levels'] as readonly Feature[], values: FEATURES },
  fftSize: { attribute: 'fft-size', default: null, unset: 'the largest power of two up to batch-size', min: 32, max: 32768 },
  smoothing: { attribute: 'smoothing', default: 0.8, min: 0, max: 1 },
  minDecibels: { attribute: 'min-decibels', default: -100, min: -200, max: 0 },
  maxDecibels: { attribute: 'max-decibels', default: 0, min: -200, max: 0 },
  pitchMin: { attribute: 'pitch-min', default: 60, min: 20, max: 4000 },
  pitchMax: { attribute: 'pitch-max', default: 2000, min: 40, max: 20000 },
  pitchClarity: { attribute: 'pitch-clarity', default: 0.9, min: 0, max: 1 },
} as const satisfies {
  readonly [K in keyof AnalysisConfig]: {
    readonly attribute: string;
    readonly default: AnalysisConfig[K];
    readonly [detail: string]: unknown;
  };
};

export const ANALYSIS_OPTION_NAMES = Object.keys(ANALYSIS_OPTIONS) as readonly (keyof AnalysisConfig)[];

export const DEFAULT_ANALYSIS: Readonly<AnalysisConfig> = Object.freeze(
  Object.fromEntries(ANALYSIS_OPTION_NAMES.map((name) => [name, ANALYSIS_OPTIONS[name].default])) as unknown as AnalysisConfig,
);

/** The options that must be ordered (min below max), and what is used while they are not. */
export const ORDERED_ANALYSIS_OPTIONS = [
  ['minDecibels', 'maxDecibels'],
  ['pitchMin', 'pitchMax'],
] as const satisfies readonly (readonly [keyof AnalysisConfig, keyof AnalysisConfig])[];

/**
 * `features` as written: names separated by white space. Unknown names are left out and named in
 * `unknown`; the rest stand. Never throws.
 */
export function parseFeatures(input: unknown): { value: Feature[]; unknown: string[] } {
  if (Array.isArray(input)) return parseFeatures(input.join(' '));
  const names = typeof input === 'string' ? input.split(/\s+/).filter((name) => name !== '') : [String(input)];
  const value = FEATURES.filter((feature) => names.includes(feature));
  return { value, unknown: names.filter((name) => !(FEATURES as readonly string[]).includes(name)) };
}

/** Checks one numeric analysis option (`fftSize` must be a power of two; empty is its default). Never throws. */
export function parseAnalysisNumber<K extends Exclude<keyof AnalysisConfig, 'features'>>(
  name: K,
  input: unknown,
): OptionResult<AnalysisConfig[K]> {
  const option = ANALYSIS_OPTIONS[name];
  if (name === 'fftSize') {
    if (typeof input === 'string' && input.trim() === '') return { ok: true, value: null as AnalysisConfig[K] };
    const value = integerIn(input, option);
    if (value === null || (value & (value - 1)) !== 0) {
      return {
        ok: false,
        reason: `${option.attribute} must be a power of two from ${option.min} to ${option.max}, or empty for ${ANALYSIS_OPTIONS.fftSize.unset}; got ${describeValue(input)}`,
      };
    }
    return { ok: true, value: value as AnalysisConfig[K] };
  }
  const value = numberFrom(input);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < option.min || value > option.max) {
    return { ok: false, reason: `${option.attribute} must be a number from ${option.min} to ${option.max}; got ${describeValue(input)}` };
  }
  return { ok: true, value: value as AnalysisConfig[K] };
}

/**
 * Checks one context option, given as a number or a string (an attribute). An empty string is the
 * default (the device's rate). Never throws.
 */
export function parseContextOption<K extends keyof ContextConfig>(name: K, input: unknown): OptionResult<ContextConfig[K]> {
  const text = typeof input === 'string' ? input.trim() : null;
  if (text === '') return { ok: true, value: DEFAULT_CONTEXT[name] };
  if (name === 'contextGroup') {
    if (text === null)
      return { ok: false, reason: `${CONTEXT_OPTIONS.contextGroup.attribute} must be a name; got ${describeValue(input)}` };
    return { ok: true, value: text as ContextConfig[K] };
  }
  if (name === 'sampleRate') {
    const { attribute, min, max } = CONTEXT_OPTIONS.sampleRate;
    const value = integerIn(input, CONTEXT_OPTIONS.sampleRate);
    if (value === null) {
      return {
        ok: false,
        reason: `${attribute} must be an integer from ${min} to ${max} (Hz), or empty for the device's rate; got ${describeValue(input)}`,
      };
    }
    return { ok: true, value: value as ContextConfig[K] };
  }
  const { attribute, values, maxSeconds } = CONTEXT_OPTIONS.latencyHint;
  if (text !== null && (values as readonly string[]).includes(text)) return { ok: true, value: text as ContextConfig[K] };
  const seconds = text === null ? input : Number(text);
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0 || seconds > maxSeconds) {
    return {
      ok: false,
      reason: `${attribute} must be one of ${values.join(', ')}, or seconds above 0 and up to ${maxSeconds}; got ${describeValue(input)}`,
    };
  }
  return { ok: true, value: seconds as ContextConfig[K] };
}

function describeRange(option: IntegerOption): string {
  return `an integer from ${option.min} to ${option.max}`;
}

/**
 * Checks one option value, given as a number, a numeric string (an attribute) or an enum string.
 * Never throws: bad input yields `{ ok: false, reason }` that names what was expected.
 */
export function parseOption<K extends keyof CaptureConfig>(name: K, input: unknown): OptionResult<CaptureConfig[K]> {
  const option = CAPTURE_OPTIONS[name] as IntegerOption | EnumOption<string>;
  if (option.kind === 'enum') {
    if (typeof input === 'string' && option.values.includes(input)) {
      return { ok: true, value: input as CaptureConfig[K] };
    }
    return { ok: false, reason: `${option.attribute} must be one of ${option.values.join(', ')}; got ${describeValue(input)}` };
  }
  const value = integerIn(input, option);
  if (value === null) return { ok: false, reason: `${option.attribute} must be ${describeRange(option)}; got ${describeValue(input)}` };
  return { ok: true, value: value as CaptureConfig[K] };
}

/** An attribute's text as a number (a blank one stays a string, so that it is refused); anything else as it is. */
function numberFrom(input: unknown): unknown {
  return typeof input === 'string' && input.trim() !== '' ? Number(input) : input;
}

/** `input` (a number, or a numeric string) as an integer from `min` to `max`; null if it is not one. */
function integerIn(input: unknown, { min, max }: { readonly min: number; readonly max: number }): number | null {
  const value = numberFrom(input);
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? value : null;
}

function describeValue(input: unknown): string {
  if (typeof input === 'string') return JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input);
  if (typeof input === 'number' || typeof input === 'boolean' || input === null || input === undefined) return String(input);
  return typeof input;
}

/** The valid part of a partial configuration, and the reasons for every field that was refused. */
export interface ConfigCheck {
  config: Partial<CaptureConfig>;
  errors: string[];
}

/** Validates an untrusted object field by field; unknown keys are refused too. */
export function checkPartialConfig(input: unknown): ConfigCheck {
  const result: ConfigCheck = { config: {}, errors: [] };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    result.errors.push(`configuration must be an object; got ${describeValue(input)}`);
    return result;
  }
  const target = result.config as Record<string, unknown>;
  for (const [key, value] of Object.entries(input)) {
    if (!(CAPTURE_OPTION_NAMES as readonly string[]).includes(key)) {
      result.errors.push(`unknown option ${JSON.stringify(key)}`);
      continue;
    }
    const parsed = parseOption(key as keyof CaptureConfig, value);
    if (parsed.ok) target[key] = parsed.value;
    else result.errors.push(parsed.reason);
  }
  return result;
}

/** The configuration a worklet runs: `auto` already resolved. */
export type WorkletConfig = Omit<CaptureConfig, 'transport'> & { transport: ActiveTransport };

/** Like `checkPartialConfig`, for the worklet: `auto` must have been resolved by the page. */
export function checkWorkletConfig(input: unknown): { config: Partial<WorkletConfig>; errors: string[] } {
  const { config, errors } = checkPartialConfig(input);
  if (config.transport !== 'auto') return { config: config as Partial<WorkletConfig>, errors };
  const resolved: Partial<CaptureConfig> = { ...config };
  delete resolved.transport;
  errors.push('transport "auto" must be resolved by the page before it reaches the worklet');
  return { config: resolved as Partial<WorkletConfig>, errors };
}

/** Bytes of sample data in one batch (the pool's buffers add the protocol header). */
export function sampleBytes(batchSize: number, channels: number): number {
  return batchSize * channels * Float32Array.BYTES_PER_ELEMENT;
}
