/**
 * The wire protocol between the main thread and the `audio-pool-capture` processor, both ways.
 *
 * Control messages are objects tagged by `type` and validated on receipt. The hot path sends no
 * objects at all: a batch travels as a bare transferred ArrayBuffer whose first bytes are a
 * header (layout below), and returned buffers travel back bare (one ArrayBuffer, or an array of
 * them when several are ready together). Each message costs the audio thread a MessageEvent and
 * whatever objects its payload brings, so the fewer the better. This module owns both forms.
 *
 * Pure: imported by the worklet, so no DOM and no Lit here.
 */
import { type CaptureConfig, checkPartialConfig, sampleBytes } from './config.js';

/** Bumped when the header layout or a message shape changes incompatibly. */
export const PROTOCOL_VERSION = 2;

/** The name the processor is registered under. */
export const PROCESSOR_NAME = 'audio-pool-capture';

// ---- Batch header -------------------------------------------------------------------------------
//
// The header sits in the first HEADER_SLOTS float32 slots of every batch buffer, followed by the
// samples, planar (all of channel 0, then channel 1, ...). It is written through the buffer's one
// Float32Array view, so the worklet needs no second view per buffer. A float32 holds integers
// exactly only up to 2^24, so each 40-bit counter is split into a high and a low 16-bit half.

/** Float32 slots reserved for the header (64 bytes, keeps the samples 16-byte aligned). */
export const HEADER_SLOTS = 16;
export const HEADER_BYTES = HEADER_SLOTS * Float32Array.BYTES_PER_ELEMENT;
/** Identifies our buffers among foreign ones ("AP"). */
export const HEADER_MAGIC = 0x4150;
/** Set in the flags slot when the buffer belongs to the pool and must be returned. */
export const FLAG_POOLED = 1;
/** Counters are exact up to this value (2^40: at 48 kHz, 265 days of frames). */
export const MAX_HEADER_COUNTER = 2 ** 40;

const HALF = 0x10000;
const SLOT_MAGIC = 0;
const SLOT_VERSION = 1;
const SLOT_BUFFER_ID = 2;
const SLOT_SEQUENCE = 4;
const SLOT_FRAME = 6;
const SLOT_SKIPPED_FRAMES = 8;
const SLOT_CHANNELS = 10;
const SLOT_FRAMES = 11;
const SLOT_FLAGS = 12;

/** Byte length of one batch buffer: header plus samples. */
export function batchBufferBytes(batchSize: number, channels: number): number {
  return HEADER_BYTES + sampleBytes(batchSize, channels);
}

/** The metadata a batch carries in its header. */
export interface BatchHeader {
  /** Pool buffer id; unique for the processor's lifetime (0 for allocate-mode buffers). */
  bufferId: number;
  /** Delivered batches before this one. */
  sequence: number;
  /** Context frame of the first sample. */
  frame: number;
  /** Frames skipped (pool exhausted) right before this batch. */
  skippedFrames: number;
  channels: number;
  /** Frames per channel in this batch. */
  frames: number;
  /** True when the buffer belongs to the pool and must be transferred back. */
  pooled: boolean;
}

function writeCounter(view: Float32Array, slot: number, value: number): void {
  const high = Math.floor(value / HALF);
  view[slot] = high;
  view[slot + 1] = value - high * HALF;
}

function readCounter(view: Float32Array, slot: number): number {
  return (view[slot] as number) * HALF + (view[slot + 1] as number);
}

/**
 * Writes a header in place. Allocation-free: called on the audio thread for every batch.
 * `view` must span the whole buffer.
 */
export function writeBatchHeader(
  view: Float32Array,
  bufferId: number,
  sequence: number,
  frame: number,
  skippedFrames: number,
  channels: number,
  frames: number,
  pooled: boolean,
): void {
  view[SLOT_MAGIC] = HEADER_MAGIC;
  view[SLOT_VERSION] = PROTOCOL_VERSION;
  writeCounter(view, SLOT_BUFFER_ID, bufferId);
  writeCounter(view, SLOT_SEQUENCE, sequence);
  writeCounter(view, SLOT_FRAME, frame);
  writeCounter(view, SLOT_SKIPPED_FRAMES, skippedFrames);
  view[SLOT_CHANNELS] = channels;
  view[SLOT_FRAMES] = frames;
  view[SLOT_FLAGS] = pooled ? FLAG_POOLED : 0;
}

/** True when a buffer of this length can hold a header (and a Float32Array can span it). */
export function canHoldHeader(byteLength: number): boolean {
  return byteLength >= HEADER_BYTES && byteLength % Float32Array.BYTES_PER_ELEMENT === 0;
}

/**
 * The buffer id in a header, or -1 when the view holds no header of ours. Allocation-free: the
 * worklet calls it for every returned buffer.
 */
export function readBufferId(view: Float32Array): number {
  if (view.length < HEADER_SLOTS || view[SLOT_MAGIC] !== HEADER_MAGIC || view[SLOT_VERSION] !== PROTOCOL_VERSION) return -1;
  return readCounter(view, SLOT_BUFFER_ID);
}

/** Decodes and validates a batch header; null when the buffer is not a well-formed batch. */
export function decodeBatchHeader(view: Float32Array): BatchHeader | null {
  if (readBufferId(view) < 0) return null;
  const channels = view[SLOT_CHANNELS] as number;
  const frames = view[SLOT_FRAMES] as number;
  if (!Number.isInteger(channels) || channels < 1 || !Number.isInteger(frames) || frames < 1) return null;
  if (view.byteLength !== batchBufferBytes(frames, channels)) return null;
  return {
    bufferId: readCounter(view, SLOT_BUFFER_ID),
    sequence: readCounter(view, SLOT_SEQUENCE),
    frame: readCounter(view, SLOT_FRAME),
    skippedFrames: readCounter(view, SLOT_SKIPPED_FRAMES),
    channels,
    frames,
    pooled: view[SLOT_FLAGS] === FLAG_POOLED,
  };
}

/** Views of each channel's samples in a batch buffer (valid until the buffer is transferred). */
export function channelViews(buffer: ArrayBuffer, channels: number, frames: number): Float32Array[] {
  const views: Float32Array[] = [];
  for (let channel = 0; channel < channels; channel++) {
    views.push(new Float32Array(buffer, HEADER_BYTES + sampleBytes(frames, channel), frames));
  }
  return views;
}

// ---- Stats --------------------------------------------------------------------------------------

/** Why a returned buffer was discarded. */
export const INVALID_RETURN_REASONS = ['notBuffer', 'unknownId', 'sizeMismatch', 'duplicate', 'late'] as const;
export type InvalidReturnReason = (typeof INVALID_RETURN_REASONS)[number];

/** A snapshot of the pool and the capture, as the processor reports it. Times are audio time. */
export interface PoolStats {
  /** Audio-thread frame when the snapshot was taken. */
  currentFrame: number;
  sampleRate: number;
  transport: CaptureConfig['transport'];
  /** Configured pool size. */
  poolSize: number;
  /** Buffers that exist now (available + in flight + processing); equals poolSize once a shrink has settled. */
  buffers: number;
  batchSize: number;
  channels: number;
  /** The reclaim timeout in force, ms. */
  timeout: number;
  /** Bytes per pool buffer, header included. */
  bufferBytes: number;
  /** Batches that needed a buffer. */
  acquisitions: number;
  /** Batches that got one. */
  hits: number;
  /** Batches skipped because no buffer was free. */
  misses: number;
  /** hits / acquisitions; 1 before the first batch. */
  hitRate: number;
  /** Buffers allocated on the audio thread since the processor started (the initial pool included). */
  allocations: number;
  /** Allocations beyond the initial pool: reclaims, resizes, and every allocate-mode batch. */
  allocationsAfterStart: number;
  /** Valid returns accepted back into the pool. */
  returns: number;
  /** Returns discarded, by reason. */
  invalidReturns: Record<InvalidReturnReason, number>;
  /** Buffers declared lost after the timeout and replaced. */
  reclaims: number;
  available: number;
  inFlight: number;
  processing: number;
  maxInFlight: number;
  /** Acquire-to-return time of accepted returns, milliseconds. */
  turnoverAvgMs: number;
  turnoverMaxMs: number;
  deliveredBatches: number;
  deliveredFrames: number;
  skippedBatches: number;
  skippedFrames: number;
  /** Exhaustion episodes: runs of skips between deliveries. */
  exhaustions: number;
  /** Frames the processor has seen; equals delivered + skipped + pending. */
  renderedFrames: number;
  /**
   * Times the context frame jumped between two process() calls, and the frames jumped over:
   * audio the browser never passed to the processor (its own dropouts), not counted as rendered.
   */
  renderGaps: number;
  renderGapFrames: number;
  /** Frames in the batch being filled. */
  pendingFrames: number;
  /** Control messages refused as malformed. */
  invalidMessages: number;
  /** Each pool slot's state, by slot: 0 empty, 1 available, 2 in flight, 3 processing (see SLOT_STATES). */
  slotStates: Uint8Array;
  /** For slots in flight or processing, ms since the buffer was sent; else 0. */
  slotAgesMs: Float32Array;
  /** Exceptions caught inside process() (a bug if ever non-zero). */
  processErrors: number;
}

/** Names of the values in `PoolStats.slotStates`. */
export const SLOT_STATES = ['empty', 'available', 'in-flight', 'processing'] as const;
export type SlotState = (typeof SLOT_STATES)[number];

const STATS_NUMBER_FIELDS = [
  'currentFrame',
  'sampleRate',
  'poolSize',
  'buffers',
  'batchSize',
  'channels',
  'timeout',
  'bufferBytes',
  'acquisitions',
  'hits',
  'misses',
  'hitRate',
  'allocations',
  'allocationsAfterStart',
  'returns',
  'reclaims',
  'available',
  'inFlight',
  'processing',
  'maxInFlight',
  'turnoverAvgMs',
  'turnoverMaxMs',
  'deliveredBatches',
  'deliveredFrames',
  'skippedBatches',
  'skippedFrames',
  'exhaustions',
  'renderedFrames',
  'renderGaps',
  'renderGapFrames',
  'pendingFrames',
  'invalidMessages',
  'processErrors',
] as const satisfies readonly (keyof PoolStats)[];

// ---- Messages to the worklet ---------------------------------------------------------------------

/** Changes options at run time; applied between batches. Invalid fields are refused one by one. */
export interface ConfigureMessage {
  type: 'configure';
  config: Partial<CaptureConfig>;
}

/**
 * Transfers buffers back. On the wire the hot path sends the bare payload instead (one
 * ArrayBuffer, or an array of them) to spare the audio thread an object; both forms are accepted.
 */
export interface ReturnBufferMessage {
  type: 'return-buffer';
  buffers: ArrayBuffer[];
}

/** Tells the pool these in-flight buffers are now held by a consumer (state processing). */
export interface ReportProcessingMessage {
  type: 'report-processing';
  bufferIds: number[];
}

export interface RequestStatsMessage {
  type: 'request-stats';
}

/** Zeroes the counters; the pool itself and the buffers out are untouched. */
export interface ResetStatsMessage {
  type: 'reset-stats';
}

/** Stops capturing: the processor answers `stopped` and ends. Buffers still out need no return. */
export interface StopMessage {
  type: 'stop';
}

export type ToWorkletMessage =
  | ConfigureMessage
  | ReturnBufferMessage
  | ReportProcessingMessage
  | RequestStatsMessage
  | ResetStatsMessage
  | StopMessage;

/** What a return may look like on the wire. */
export type ReturnPayload = ArrayBuffer | ArrayBuffer[];

/** The options passed to the processor's constructor (`processorOptions`). */
export interface CaptureProcessorOptions {
  protocolVersion: number;
  config: CaptureConfig;
}

// ---- Messages from the worklet -------------------------------------------------------------------

/** A batch after decoding: the bare buffer as sent, and its header. */
export interface BatchMessage {
  type: 'batch';
  buffer: ArrayBuffer;
  header: BatchHeader;
}

export interface StatsMessage {
  type: 'stats';
  stats: PoolStats;
  /**
   * True when it answers a `request-stats`, false when periodic. Requests are answered in order,
   * so each answer settles the oldest request, and reflects every message sent before it.
   */
  requested: boolean;
}

export const WORKLET_ERROR_CODES = ['invalid-message', 'invalid-config', 'protocol-mismatch', 'processor-error'] as const;
export type WorkletErrorCode = (typeof WORKLET_ERROR_CODES)[number];

export interface ErrorMessage {
  type: 'error';
  code: WorkletErrorCode;
  message: string;
}

/** A buffer was not returned within the timeout and has been replaced. */
export interface ReclaimedMessage {
  type: 'reclaimed';
  bufferId: number;
  ageMs: number;
}

/** The first skipped batch after a run of deliveries. */
export interface ExhaustedMessage {
  type: 'exhausted';
  frame: number;
}

/** The answer to `stop`, with the final stats. */
export interface StoppedMessage {
  type: 'stopped';
  stats: PoolStats;
}

export type FromWorkletMessage = BatchMessage | StatsMessage | ErrorMessage | ReclaimedMessage | ExhaustedMessage | StoppedMessage;

// ---- Validators ------------------------------------------------------------------------------------

export type Parsed<T> = { ok: true; message: T } | { ok: false; reason: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_HEADER_COUNTER;
}

function describeType(value: unknown): string {
  if (isRecord(value) && typeof value.type === 'string') return JSON.stringify(value.type.slice(0, 40));
  return Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
}

/** True when `data` is the bare wire form of a return. */
export function isReturnPayload(data: unknown): data is ReturnPayload {
  return data instanceof ArrayBuffer || Array.isArray(data);
}

/**
 * Validates a control message received by the worklet. Returns are not handled here: the worklet
 * checks `isReturnPayload` first so that the hot path never builds a result object.
 */
export function parseToWorkletMessage(data: unknown): Parsed<ToWorkletMessage> {
  if (!isRecord(data)) return { ok: false, reason: `expected a message object, got ${describeType(data)}` };
  switch (data.type) {
    case 'configure': {
      const check = checkPartialConfig(data.config);
      if (check.errors.length > 0) return { ok: false, reason: `configure: ${check.errors.join('; ')}` };
      return { ok: true, message: { type: 'configure', config: check.config } };
    }
    case 'return-buffer':
      if (!Array.isArray(data.buffers)) return { ok: false, reason: 'return-buffer: buffers must be an array' };
      return { ok: true, message: { type: 'return-buffer', buffers: data.buffers } };
    case 'report-processing':
      if (!Array.isArray(data.bufferIds) || !data.bufferIds.every(isCount)) {
        return { ok: false, reason: 'report-processing: bufferIds must be an array of non-negative integers' };
      }
      return { ok: true, message: { type: 'report-processing', bufferIds: data.bufferIds } };
    case 'request-stats':
    case 'reset-stats':
    case 'stop':
      return { ok: true, message: { type: data.type } };
    default:
      return { ok: false, reason: `unknown message type ${describeType(data)}` };
  }
}

/** Validates a stats snapshot field by field. */
export function isPoolStats(value: unknown): value is PoolStats {
  if (!isRecord(value)) return false;
  if (value.transport !== 'ping-pong' && value.transport !== 'allocate') return false;
  if (!STATS_NUMBER_FIELDS.every((field) => typeof value[field] === 'number')) return false;
  const invalid = value.invalidReturns;
  if (!(value.slotStates instanceof Uint8Array) || !(value.slotAgesMs instanceof Float32Array)) return false;
  if (value.slotStates.length !== value.slotAgesMs.length) return false;
  return isRecord(invalid) && INVALID_RETURN_REASONS.every((reason) => typeof invalid[reason] === 'number');
}

/** Validates anything received from the worklet; a bare ArrayBuffer is decoded as a batch. */
export function parseFromWorkletMessage(data: unknown): Parsed<FromWorkletMessage> {
  if (data instanceof ArrayBuffer) {
    const header = canHoldHeader(data.byteLength) ? decodeBatchHeader(new Float32Array(data)) : null;
    if (header === null) return { ok: false, reason: `batch buffer of ${data.byteLength} bytes has no valid header` };
    return { ok: true, message: { type: 'batch', buffer: data, header } };
  }
  if (!isRecord(data)) return { ok: false, reason: `expected a message object, got ${describeType(data)}` };
  switch (data.type) {
    case 'stats':
      if (!isPoolStats(data.stats)) return { ok: false, reason: 'stats: malformed stats' };
      if (typeof data.requested !== 'boolean') return { ok: false, reason: 'stats: requested must be a boolean' };
      return { ok: true, message: { type: 'stats', stats: data.stats, requested: data.requested } };
    case 'stopped':
      if (!isPoolStats(data.stats)) return { ok: false, reason: 'stopped: malformed stats' };
      return { ok: true, message: { type: 'stopped', stats: data.stats } };
    case 'error':
      if (!(WORKLET_ERROR_CODES as readonly unknown[]).includes(data.code) || typeof data.message !== 'string') {
        return { ok: false, reason: 'error: needs a known code and a message' };
      }
      return { ok: true, message: { type: 'error', code: data.code as WorkletErrorCode, message: data.message } };
    case 'reclaimed':
      if (!isCount(data.bufferId) || typeof data.ageMs !== 'number' || !(data.ageMs >= 0)) {
        return { ok: false, reason: 'reclaimed: needs bufferId and ageMs' };
      }
      return { ok: true, message: { type: 'reclaimed', bufferId: data.bufferId, ageMs: data.ageMs } };
    case 'exhausted':
      if (!isCount(data.frame)) return { ok: false, reason: 'exhausted: needs frame' };
      return { ok: true, message: { type: 'exhausted', frame: data.frame } };
    default:
      return { ok: false, reason: `unknown message type ${describeType(data)}` };
  }
}
