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
 * snapshot is taken (written then, never accumulated).
 */
export type StatsFieldKind = 'counter' | 'gauge';

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
  hitRate: 'gauge',
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
  turnoverAvgMs: 'gauge',
  turnoverMaxMs: 'gauge',
  deliveredBatches: 'counter',
  deliveredFrames: 'counter',
  skippedBatches: 'counter',
  skippedFrames: 'counter',
  /** Exhaustion episodes: runs of skips between deliveries. */
  exhaustions: 'counter',
  /** Frames the processor has seen; equals delivered + skipped + pending. */
  renderedFrames: 'counter',
  /**
   * Times the context frame jumped between two process() calls, and the frames jumped over:
   * audio the browser never passed to the processor (its own dropouts), not counted as rendered.
   */
  renderGaps: 'counter',
  renderGapFrames: 'counter',
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

/** An all-zero snapshot (hit rate 1) for `slots` slots. */
export function createStats(transport: ActiveTransport, slots: number = MAX_REPORTED_SLOTS): PoolStats {
  const stats = {} as PoolStats;
  for (const field of NUMBER_FIELDS) stats[field] = 0;
  stats.hitRate = 1;
  stats.transport = transport;
  stats.invalidReturns = {} as PoolStats['invalidReturns'];
  for (const reason of INVALID_RETURN_REASONS) stats.invalidReturns[reason] = 0;
  stats.slotStates = new Uint8Array(slots);
  stats.slotAgesMs = new Float32Array(slots);
  return stats;
}

/** Zeroes every counter in place (gauges are rewritten at the next snapshot). Allocation-free. */
export function resetCounters(stats: PoolStats): void {
  for (let i = 0; i < COUNTER_FIELDS.length; i++) stats[COUNTER_FIELDS[i] as StatsNumberField] = 0;
  for (let i = 0; i < INVALID_RETURN_REASONS.length; i++) stats.invalidReturns[INVALID_RETURN_REASONS[i] as InvalidReturnReason] = 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates a snapshot received from the worklet, field by field. */
export function isPoolStats(value: unknown): value is PoolStats {
  if (!isRecord(value)) return false;
  if (!(ACTIVE_TRANSPORTS as readonly unknown[]).includes(value.transport)) return false;
  if (!NUMBER_FIELDS.every((field) => typeof value[field] === 'number')) return false;
  if (!(value.slotStates instanceof Uint8Array) || !(value.slotAgesMs instanceof Float32Array)) return false;
  if (value.slotStates.length !== value.slotAgesMs.length) return false;
  const invalid = value.invalidReturns;
  return isRecord(invalid) && INVALID_RETURN_REASONS.every((reason) => typeof invalid[reason] === 'number');
}
