/**
 * The stats snapshot the processor reports, declared once: `STATS_FIELDS` lists every numeric
 * field with its kind, and the type, the empty snapshot, the validator and the reset all derive
 * from it. A new counter is one line here and one increment where it happens.
 *
 * Pure: imported by the worklet, so no DOM and no Lit here.
 */
import { ACTIVE_TRANSPORTS, type ActiveTransport } from './config.js';

/**
 * A field's kind. `counter`: accumulates, zeroed by `reset-stats`. `gauge`: the state when the
 * snapshot is taken (written then, never accumulated). `derived`: worked out by the page from
 * the others and the raw meters (see `RawMeters`), so the audio thread computes no fraction.
 */
export type StatsFieldKind = 'counter' | 'gauge' | 'derived';

/** Every numeric field of a snapshot. Times are audio time. */
export const STATS_FIELDS = {
  /** Audio-thread frame when the snapshot was taken. */
  currentFrame: 'gauge',
  sampleRate: 'gauge',
  /** Configured pool size. */
  poolSize: 'gauge',
  /** Slots that exist now (available + in flight + processing); equals the pool's size once a resize has settled. */
  buffers: 'gauge',
  batchSize: 'gauge',
  channels: 'gauge',
  /** The reclaim timeout in force, ms. */
  timeout: 'gauge',
  /** Bytes per pool buffer or shared slot, header included. */
  bufferBytes: 'gauge',
  /** Batches that needed a slot. */
  acquisitions: 'counter',
  /** Batches that got one. */
  hits: 'counter',
  /** Batches skipped because no slot was free. */
  misses: 'counter',
  /** hits / acquisitions; 1 before the first batch. */
  hitRate: 'derived',
  /** Buffers (or shared slots) allocated on the audio thread (the initial pool included). */
  allocations: 'counter',
  /** Allocations beyond the initial pool: reclaims, resizes, and every allocate-mode batch. */
  allocationsAfterStart: 'gauge',
  /** Slots given back and accepted into the pool (returned buffers, released slots, acknowledged batches). */
  returns: 'counter',
  /** Slots declared lost after the timeout and replaced. */
  reclaims: 'counter',
  available: 'gauge',
  inFlight: 'gauge',
  processing: 'gauge',
  /** The most slots in flight at once since the last reset. */
  maxInFlight: 'gauge',
  /** Send-to-return time of accepted returns, milliseconds. */
  turnoverAvgMs: 'derived',
  turnoverMaxMs: 'derived',
  deliveredBatches: 'counter',
  deliveredFrames: 'counter',
  skippedBatches: 'counter',
  skippedFrames: 'counter',
  /** Exhaustion episodes: runs of skips between deliveries. */
  exhaustions: 'counter',
  /** Frames the processor has seen; equals delivered + skipped + gap-discarded + pending. */
  renderedFrames: 'counter',
  /**
   * Times the context frame jumped between two process() calls, and the frames jumped over:
   * audio the browser never passed to the processor (its own dropouts), not counted as rendered.
   * The next delivered frame's `gapFrames` counts them.
   */
  renderGaps: 'counter',
  renderGapFrames: 'counter',
  /** Frames staged when a render gap came, discarded so that no batch spans the gap (also in the next frame's `skippedFrames`). */
  gapDiscardedFrames: 'counter',
  /** Frames in the batch being filled. */
  pendingFrames: 'gauge',
  /** Control messages refused as malformed. */
  invalidMessages: 'counter',
  /** Exceptions caught inside process() (a bug if ever non-zero). */
  processErrors: 'counter',
} as const satisfies Record<string, StatsFieldKind>;

export type StatsNumberField = keyof typeof STATS_FIELDS;

const NUMBER_FIELDS = Object.keys(STATS_FIELDS) as readonly StatsNumberField[];
const COUNTER_FIELDS = NUMBER_FIELDS.filter((field) => STATS_FIELDS[field] === 'counter');
const WIRE_FIELDS = NUMBER_FIELDS.filter((field) => STATS_FIELDS[field] !== 'derived');

/** Why a slot given back was discarded. */
export const INVALID_RETURN_REASONS = ['notBuffer', 'unknownId', 'sizeMismatch', 'duplicate', 'late'] as const;
export type InvalidReturnReason = (typeof INVALID_RETURN_REASONS)[number];

/** Names of the values in `PoolStats.slotStates`, by value. */
export const SLOT_STATES = ['empty', 'available', 'in-flight', 'processing'] as const;
export type SlotState = (typeof SLOT_STATES)[number];
/** Each slot state's number in `slotStates` (its index in SLOT_STATES). */
export const SLOT_CODES = Object.fromEntries(SLOT_STATES.map((name, code) => [name, code])) as { readonly [K in SlotState]: number };

/** The most slot cells a snapshot carries: the active transport's pool, then what a previous one still has out. */
export const MAX_REPORTED_SLOTS = 512;

/** A snapshot of the pool and the capture, as the processor reports it. */
export type PoolStats = { -readonly [K in StatsNumberField]: number } & {
  /** The transport that delivers batches now. */
  transport: ActiveTransport;
  /** Returns discarded, by reason (a counter per reason). */
  invalidReturns: Record<InvalidReturnReason, number>;
  /** Each slot's state (an index into SLOT_STATES): the active transport's slots first. */
  slotStates: Uint8Array;
  /** For slots in flight or processing, ms since they were sent; else 0. */
  slotAgesMs: Float32Array;
};

/**
 * Every snapshot is a copy of this one: one allocation, every field in place. Filled field by
 * field, an object of this many fields falls into V8's dictionary mode (1.6 times the size in
 * Node's V8, and slower to read and to copy); spread once into a literal, it is a fast object, and
 * so are its copies.
 */
const EMPTY_STATS: PoolStats = (() => {
  const fields = {} as Record<StatsNumberField, number>;
  for (const field of NUMBER_FIELDS) fields[field] = 0;
  const invalidReturns = {} as PoolStats['invalidReturns'];
  for (const reason of INVALID_RETURN_REASONS) invalidReturns[reason] = 0;
  return {
    ...fields,
    hitRate: 1,
    transport: ACTIVE_TRANSPORTS[0] as ActiveTransport,
    invalidReturns: { ...invalidReturns },
    slotStates: new Uint8Array(0),
    slotAgesMs: new Float32Array(0),
  };
})();

/** An all-zero snapshot (hit rate 1) for `slots` slots: a copy of `template`, so with any fields of its own. */
export function createStats(transport: ActiveTransport, slots: number = MAX_REPORTED_SLOTS, template: PoolStats = EMPTY_STATS): PoolStats {
  const stats = { ...template };
  stats.transport = transport;
  stats.invalidReturns = { ...EMPTY_STATS.invalidReturns };
  stats.slotStates = new Uint8Array(slots);
  stats.slotAgesMs = new Float32Array(slots);
  return stats;
}

/** Zeroes every counter in place (gauges are rewritten at the next snapshot). Allocation-free. */
export function resetCounters(stats: PoolStats): void {
  for (let i = 0; i < COUNTER_FIELDS.length; i++) stats[COUNTER_FIELDS[i] as StatsNumberField] = 0;
  for (let i = 0; i < INVALID_RETURN_REASONS.length; i++) stats.invalidReturns[INVALID_RETURN_REASONS[i] as InvalidReturnReason] = 0;
}

// ---- On the wire ------------------------------------------------------------------------------

/**
 * What the worklet measures in whole numbers and the page turns into the derived fields: the
 * audio thread divides nothing, since a fraction it computes before the JIT has optimised the
 * code becomes a HeapNumber (garbage).
 */
export interface RawMeters {
  /** Accepted returns whose turnover was measured, their total and the longest, in frames. */
  turnoverCount: number;
  turnoverTotalFrames: number;
  turnoverMaxFrames: number;
  /** Frames each slot cell has been out (0 for cells not out), MAX_REPORTED_SLOTS of them. */
  slotAgeFrames: Int32Array;
}

/**
 * A snapshot travels as one Float64Array the worklet writes in place: posting it costs the audio
 * thread no JS object, where cloning an object enumerates its keys into a new array (about 300 B
 * per snapshot, measured in the AudioWorklet isolate). Layout: a magic number, the kind, the
 * transport, the fields that are not derived in STATS_FIELDS order, the discarded returns in
 * INVALID_RETURN_REASONS order, the three turnover meters, then MAX_REPORTED_SLOTS slot states
 * and as many slot ages in frames.
 */
const WIRE_MAGIC = 0x5354;
/** Why a snapshot was sent: on its own every stats interval, in answer to `request-stats`, or in answer to `stop`. */
export const STATS_KINDS = ['periodic', 'requested', 'final'] as const;
export type StatsKind = (typeof STATS_KINDS)[number];
const FIELDS_AT = 3;
const REASONS_AT = FIELDS_AT + WIRE_FIELDS.length;
const TURNOVER_AT = REASONS_AT + INVALID_RETURN_REASONS.length;
const STATES_AT = TURNOVER_AT + 3;
const AGES_AT = STATES_AT + MAX_REPORTED_SLOTS;
/** Length of a snapshot on the wire, in float64s. */
export const STATS_WIRE_LENGTH = AGES_AT + MAX_REPORTED_SLOTS;

/**
 * Writes a snapshot into `wire` (STATS_WIRE_LENGTH long): the fields that are not derived, the
 * raw meters, and the slot states. Allocation-free: the worklet calls it.
 */
export function encodeStats(stats: PoolStats, raw: RawMeters, kind: StatsKind, wire: Float64Array): void {
  wire[0] = WIRE_MAGIC;
  wire[1] = STATS_KINDS.indexOf(kind);
  wire[2] = ACTIVE_TRANSPORTS.indexOf(stats.transport);
  for (let i = 0; i < WIRE_FIELDS.length; i++) wire[FIELDS_AT + i] = stats[WIRE_FIELDS[i] as StatsNumberField];
  for (let i = 0; i < INVALID_RETURN_REASONS.length; i++) {
    wire[REASONS_AT + i] = stats.invalidReturns[INVALID_RETURN_REASONS[i] as InvalidReturnReason];
  }
  wire[TURNOVER_AT] = raw.turnoverCount;
  wire[TURNOVER_AT + 1] = raw.turnoverTotalFrames;
  wire[TURNOVER_AT + 2] = raw.turnoverMaxFrames;
  // Loops: set() from another element type allocates a little each call (measured in Chromium).
  const cells = stats.slotStates.length;
  for (let cell = 0; cell < MAX_REPORTED_SLOTS; cell++) {
    wire[STATES_AT + cell] = cell < cells ? (stats.slotStates[cell] as number) : 0;
    wire[AGES_AT + cell] = cell < cells ? (raw.slotAgeFrames[cell] as number) : 0;
  }
}

/**
 * Reads a snapshot off the wire, validated: null unless `value` is a Float64Array of the right
 * length and magic, with a known kind and transport and finite figures. Its slot cells stop
 * after the last slot that is not empty. The snapshot is a copy of `template` (fields of its own
 * included) with the worklet's figures written in.
 */
export function decodeStats(value: unknown, template?: PoolStats): { kind: StatsKind; stats: PoolStats } | null {
  if (!(value instanceof Float64Array) || value.length !== STATS_WIRE_LENGTH || value[0] !== WIRE_MAGIC) return null;
  const kind = STATS_KINDS[value[1] as number];
  const transport = ACTIVE_TRANSPORTS[value[2] as number];
  if (kind === undefined || transport === undefined) return null;
  // A loop, not every(): every() would box each of its 1300 numbers to pass it to a callback.
  for (let i = 0; i < value.length; i++) if (!Number.isFinite(value[i])) return null;
  let cells = MAX_REPORTED_SLOTS;
  while (cells > 0 && value[STATES_AT + cells - 1] === 0) cells--;
  // Loops and no closure, subarray or destructuring: each of those would be garbage per snapshot.
  const stats = createStats(transport, cells, template);
  // Whole numbers are stored as int32s where they fit, as the template's zeros are: a value read
  // from a Float64Array is a double, and one double makes the field a boxed double in every later
  // copy (about 420 B more per snapshot, measured in Chromium). Each branch stores for itself: a
  // helper returning either kind would hand back a double again.
  for (let i = 0; i < WIRE_FIELDS.length; i++) {
    const figure = value[FIELDS_AT + i] as number;
    if ((figure | 0) === figure) stats[WIRE_FIELDS[i] as StatsNumberField] = figure | 0;
    else stats[WIRE_FIELDS[i] as StatsNumberField] = figure;
  }
  for (let i = 0; i < INVALID_RETURN_REASONS.length; i++) {
    const count = value[REASONS_AT + i] as number;
    if ((count | 0) === count) stats.invalidReturns[INVALID_RETURN_REASONS[i] as InvalidReturnReason] = count | 0;
    else stats.invalidReturns[INVALID_RETURN_REASONS[i] as InvalidReturnReason] = count;
  }
  const turnoverCount = value[TURNOVER_AT] as number;
  const sampleRate = stats.sampleRate;
  stats.hitRate = stats.acquisitions === 0 ? 1 : stats.hits / stats.acquisitions;
  stats.turnoverAvgMs = turnoverCount === 0 ? 0 : framesToMs((value[TURNOVER_AT + 1] as number) / turnoverCount, sampleRate);
  stats.turnoverMaxMs = framesToMs(value[TURNOVER_AT + 2] as number, sampleRate);
  for (let cell = 0; cell < cells; cell++) {
    stats.slotStates[cell] = value[STATES_AT + cell] as number;
    stats.slotAgesMs[cell] = framesToMs(value[AGES_AT + cell] as number, sampleRate);
  }
  return { kind, stats };
}

function framesToMs(frames: number, sampleRate: number): number {
  return sampleRate > 0 ? (frames * 1000) / sampleRate : 0;
}
