/**
 * The wire protocol between the main thread and the `audio-pool-capture` processor, both ways.
 *
 * Control messages are objects tagged by `type` and validated on receipt. The hot path sends as
 * few objects as it can: a batch that travels by message is a bare ArrayBuffer whose first bytes
 * are a header (layout below), and returned buffers travel back bare (one ArrayBuffer, or an
 * array of them). A batch in shared memory carries the same header in its slot
 * (`shared-slots.ts` has the rest of that layout). This module owns the header and the messages.
 *
 * Pure: imported by the worklet, so no DOM and no Lit here.
 */
import { ACTIVE_TRANSPORTS, type ActiveTransport, checkWorkletConfig, sampleBytes, type WorkletConfig } from './config.js';
import { decodeStats, type PoolStats } from './stats.js';

/** Bumped when the header layout or a message shape changes incompatibly. */
export const PROTOCOL_VERSION = 5;

/** The name the processor is registered under. */
export const PROCESSOR_NAME = 'audio-pool-capture';

// ---- Batch header -------------------------------------------------------------------------------
//
// The header sits in the first HEADER_SLOTS float32 slots of every batch buffer or shared slot,
// followed by the samples, planar (all of channel 0, then channel 1, ...). It is written through
// the memory's one Float32Array view, so the worklet needs no second view. A float32 holds
// integers exactly only up to 2^24, so each 40-bit counter is split into two 16-bit halves.

/** Float32 slots reserved for the header (64 bytes, keeps the samples 16-byte aligned). */
export const HEADER_SLOTS = 16;
export const HEADER_BYTES = HEADER_SLOTS * Float32Array.BYTES_PER_ELEMENT;
/** Identifies our buffers among foreign ones ("AP"). */
export const HEADER_MAGIC = 0x4150;
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
const SLOT_TRANSPORT = 12;
const SLOT_GAP_FRAMES = 13;

/** Each transport's number in the header. */
export const TRANSPORT_CODES = Object.fromEntries(ACTIVE_TRANSPORTS.map((name, code) => [name, code])) as Readonly<
  Record<ActiveTransport, number>
>;

/** Byte length of one batch buffer: header plus samples. */
export function batchBufferBytes(batchSize: number, channels: number): number {
  return HEADER_BYTES + sampleBytes(batchSize, channels);
}

/** What the engine knows of a batch before a transport carries it. */
export interface BatchFields {
  /** Delivered batches before this one. */
  sequence: number;
  /** Context frame of the first sample. */
  frame: number;
  /** Frames rendered but not delivered since the previous batch: skipped (no free slot), or staged before a render gap. */
  skippedFrames: number;
  /** Context frames since the previous batch that the browser never rendered (render gaps). */
  gapFrames: number;
  channels: number;
  /** Frames per channel in this batch. */
  frames: number;
}

/** The metadata a batch carries in its header. */
export interface BatchHeader extends BatchFields {
  /** Pool buffer or slot id; unique for the processor's lifetime (0 where nothing is pooled). */
  bufferId: number;
  /** The transport that carried it, which says what the page owes back. */
  transport: ActiveTransport;
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
 * `view` must span the whole buffer or slot.
 */
export function writeBatchHeader(view: Float32Array, fields: BatchFields, bufferId: number, transport: ActiveTransport): void {
  view[SLOT_MAGIC] = HEADER_MAGIC;
  view[SLOT_VERSION] = PROTOCOL_VERSION;
  writeCounter(view, SLOT_BUFFER_ID, bufferId);
  writeCounter(view, SLOT_SEQUENCE, fields.sequence);
  writeCounter(view, SLOT_FRAME, fields.frame);
  writeCounter(view, SLOT_SKIPPED_FRAMES, fields.skippedFrames);
  writeCounter(view, SLOT_GAP_FRAMES, fields.gapFrames);
  view[SLOT_CHANNELS] = fields.channels;
  view[SLOT_FRAMES] = fields.frames;
  view[SLOT_TRANSPORT] = TRANSPORT_CODES[transport];
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

/**
 * Reads and validates a header into `into` (allocation-free, for the main thread's hot path);
 * false when the view is not a well-formed batch.
 */
export function readBatchHeader(view: Float32Array, into: BatchHeader): boolean {
  if (readBufferId(view) < 0) return false;
  const channels = view[SLOT_CHANNELS] as number;
  const frames = view[SLOT_FRAMES] as number;
  const transport = ACTIVE_TRANSPORTS[view[SLOT_TRANSPORT] as number];
  if (!Number.isInteger(channels) || channels < 1 || !Number.isInteger(frames) || frames < 1 || transport === undefined) return false;
  if (view.byteLength < batchBufferBytes(frames, channels)) return false;
  into.bufferId = readCounter(view, SLOT_BUFFER_ID);
  into.sequence = readCounter(view, SLOT_SEQUENCE);
  into.frame = readCounter(view, SLOT_FRAME);
  into.skippedFrames = readCounter(view, SLOT_SKIPPED_FRAMES);
  into.gapFrames = readCounter(view, SLOT_GAP_FRAMES);
  into.channels = channels;
  into.frames = frames;
  into.transport = transport;
  return true;
}

/** An empty header to read into. */
export function createBatchHeader(): BatchHeader {
  return { bufferId: 0, sequence: 0, frame: 0, skippedFrames: 0, gapFrames: 0, channels: 1, frames: 1, transport: 'copy' };
}

/** Decodes a batch buffer's header; null unless it is a well-formed batch of exactly its length. */
export function decodeBatchHeader(view: Float32Array): BatchHeader | null {
  const header = createBatchHeader();
  if (!readBatchHeader(view, header) || view.byteLength !== batchBufferBytes(header.frames, header.channels)) return null;
  return header;
}

/** Views of each channel's samples in a batch buffer or slot (valid while the memory is the page's). */
export function channelViews(buffer: ArrayBufferLike, channels: number, frames: number): Float32Array[] {
  const views: Float32Array[] = [];
  for (let channel = 0; channel < channels; channel++) {
    views.push(new Float32Array(buffer, HEADER_BYTES + sampleBytes(frames, channel), frames));
  }
  return views;
}

// ---- The copy transport's credit -------------------------------------------------------------------

/**
 * The page acknowledges copied batches once per this many: each acknowledgement is a message,
 * and so a MessageEvent on the audio thread (about 230 B, measured); one per 128 batches keeps
 * that under 2 B per batch.
 */
export const COPY_ACKNOWLEDGE_EVERY = 128;

/**
 * Batches the copy transport may have posted and not had acknowledged: the pool size, but at
 * least two acknowledgement periods, so acknowledgements never hold up a page that keeps pace.
 */
export function copyWindow(poolSize: number): number {
  return Math.max(poolSize, 2 * COPY_ACKNOWLEDGE_EVERY);
}

// ---- Messages to the worklet ---------------------------------------------------------------------

/** Changes options at run time; applied between batches. Invalid fields are refused one by one. */
export interface ConfigureMessage {
  type: 'configure';
  config: Partial<WorkletConfig>;
}

/**
 * Transfers buffers back (ping-pong). On the wire the hot path sends the bare payload instead
 * (one ArrayBuffer, or an array of them) to spare the audio thread an object; both are accepted.
 */
export interface ReturnBufferMessage {
  type: 'return-buffer';
  buffers: ArrayBuffer[];
}

/** Tells the pool these in-flight buffers are now held by a consumer (ping-pong; state processing). */
export interface ReportProcessingMessage {
  type: 'report-processing';
  bufferIds: number[];
}

/**
 * Copy transport: every batch up to and including `sequence` has been dispatched. On the wire
 * the page sends the bare sequence number instead, which costs the audio thread no object; both
 * forms are accepted.
 */
export interface AcknowledgeMessage {
  type: 'acknowledge';
  sequence: number;
}

export interface RequestStatsMessage {
  type: 'request-stats';
}

/** Zeroes the counters; the pool itself and the slots out are untouched. */
export interface ResetStatsMessage {
  type: 'reset-stats';
}

/**
 * Asks to be told when the processor next renders a quantum (answered by `rendered`): a context
 * can say it runs while its clock has not moved yet (Firefox: about a second at start).
 */
export interface AwaitRenderMessage {
  type: 'await-render';
}

/** Stops capturing: the processor answers `stopped` and ends. Slots still out need no return. */
export interface StopMessage {
  type: 'stop';
}

export type ToWorkletMessage =
  | ConfigureMessage
  | ReturnBufferMessage
  | ReportProcessingMessage
  | AcknowledgeMessage
  | RequestStatsMessage
  | ResetStatsMessage
  | AwaitRenderMessage
  | StopMessage;

/** What a return may look like on the wire (ping-pong). */
export type ReturnPayload = ArrayBuffer | ArrayBuffer[];

/** An acknowledgement on the wire (copy): the bare sequence number. */
export type AcknowledgePayload = number;

/** The options passed to the processor's constructor (`processorOptions`). */
export interface CaptureProcessorOptions {
  protocolVersion: number;
  config: WorkletConfig;
}

// ---- Messages from the worklet -------------------------------------------------------------------

// Batches and stats travel bare (an ArrayBuffer, a Float64Array); the types below are what they decode to.

/** A batch that came by message, after decoding: the bare buffer as sent, and its header. */
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

export const WORKLET_ERROR_CODES = [
  'invalid-message',
  'invalid-config',
  'protocol-mismatch',
  'processor-error',
  'transport-unavailable',
] as const;
export type WorkletErrorCode = (typeof WORKLET_ERROR_CODES)[number];

export interface ErrorMessage {
  type: 'error';
  code: WorkletErrorCode;
  message: string;
}

/** A slot was not given back within the timeout and has been replaced. */
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

/** Shared transport: memory for slots, sent before any batch is published in it. */
export interface SharedSlotsMessage {
  type: 'shared-slots';
  /** The control block (`shared-slots.ts`), the same for the processor's lifetime. */
  control: SharedArrayBuffer;
  /**
   * Slots given new memory: each slot's index, its id, its memory (header and samples) and the
   * shape of every batch it will hold, so that the page makes the slot's views and frame now,
   * off the dispatch path.
   */
  slots: { slot: number; id: number; memory: SharedArrayBuffer; channels: number; frames: number }[];
}

/**
 * The answer to `await-render`, sent from the first `process()` call after the requests: every
 * request received up to then (counted since the processor started) is answered by it.
 */
export interface RenderedMessage {
  type: 'rendered';
  /** `await-render` requests received so far. */
  requests: number;
  /** The context frame of the quantum rendered. */
  frame: number;
}

/** Shared transport: batches were published while the page waited and cannot wait on memory. */
export interface WakeMessage {
  type: 'wake';
}

export type FromWorkletMessage =
  | BatchMessage
  | StatsMessage
  | ErrorMessage
  | ReclaimedMessage
  | ExhaustedMessage
  | StoppedMessage
  | SharedSlotsMessage
  | RenderedMessage
  | WakeMessage;

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

// Allocation-free checks for the messages the worklet's transports take on their own, before
// (and instead of) the full parse below, which builds a result object.

export function isReturnBufferMessage(data: unknown): data is ReturnBufferMessage {
  return isRecord(data) && data.type === 'return-buffer' && Array.isArray(data.buffers);
}

export function isReportProcessingMessage(data: unknown): data is ReportProcessingMessage {
  return isRecord(data) && data.type === 'report-processing' && Array.isArray(data.bufferIds) && data.bufferIds.every(isCount);
}

export function isAcknowledgeMessage(data: unknown): data is AcknowledgeMessage {
  return isRecord(data) && data.type === 'acknowledge' && isCount(data.sequence);
}

/** The sequence an acknowledgement names, bare or as a message; -1 when `data` is no acknowledgement. */
export function acknowledgedSequence(data: unknown): number {
  if (isCount(data)) return data;
  return isAcknowledgeMessage(data) ? data.sequence : -1;
}

/**
 * Validates a control message received by the worklet. Bare returns are not handled here: the
 * worklet checks `isReturnPayload` first so that the hot path never builds a result object.
 */
export function parseToWorkletMessage(data: unknown): Parsed<ToWorkletMessage> {
  if (!isRecord(data)) return { ok: false, reason: `expected a message object, got ${describeType(data)}` };
  switch (data.type) {
    case 'configure': {
      const check = checkWorkletConfig(data.config);
      if (check.errors.length > 0) return { ok: false, reason: `configure: ${check.errors.join('; ')}` };
      return { ok: true, message: { type: 'configure', config: check.config } };
    }
    case 'return-buffer':
      if (!isReturnBufferMessage(data)) return { ok: false, reason: 'return-buffer: buffers must be an array' };
      return { ok: true, message: data };
    case 'report-processing':
      if (!isReportProcessingMessage(data)) {
        return { ok: false, reason: 'report-processing: bufferIds must be an array of non-negative integers' };
      }
      return { ok: true, message: data };
    case 'acknowledge':
      if (!isAcknowledgeMessage(data)) return { ok: false, reason: 'acknowledge: sequence must be a non-negative integer' };
      return { ok: true, message: data };
    case 'request-stats':
    case 'reset-stats':
    case 'await-render':
    case 'stop':
      return { ok: true, message: { type: data.type } };
    default:
      return { ok: false, reason: `unknown message type ${describeType(data)}` };
  }
}

function isSharedSlot(value: unknown): value is SharedSlotsMessage['slots'][number] {
  return (
    isRecord(value) &&
    isCount(value.slot) &&
    isCount(value.id) &&
    typeof SharedArrayBuffer === 'function' &&
    value.memory instanceof SharedArrayBuffer &&
    isCount(value.channels) &&
    value.channels >= 1 &&
    isCount(value.frames) &&
    value.frames >= 1 &&
    value.memory.byteLength === batchBufferBytes(value.frames, value.channels)
  );
}

/**
 * Validates anything received from the worklet: a bare ArrayBuffer is decoded as a batch, a bare
 * Float64Array as a stats snapshot (`stats.ts` has its layout).
 */
export function parseFromWorkletMessage(data: unknown, statsTemplate?: PoolStats): Parsed<FromWorkletMessage> {
  if (data instanceof ArrayBuffer) {
    const header = canHoldHeader(data.byteLength) ? decodeBatchHeader(new Float32Array(data)) : null;
    if (header === null) return { ok: false, reason: `batch buffer of ${data.byteLength} bytes has no valid header` };
    return { ok: true, message: { type: 'batch', buffer: data, header } };
  }
  if (data instanceof Float64Array) {
    const decoded = decodeStats(data, statsTemplate);
    if (decoded === null) return { ok: false, reason: `stats snapshot of ${data.length} values is malformed` };
    if (decoded.kind === 'final') return { ok: true, message: { type: 'stopped', stats: decoded.stats } };
    return { ok: true, message: { type: 'stats', stats: decoded.stats, requested: decoded.kind === 'requested' } };
  }
  if (!isRecord(data)) return { ok: false, reason: `expected a message object, got ${describeType(data)}` };
  switch (data.type) {
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
    case 'shared-slots':
      if (typeof SharedArrayBuffer !== 'function' || !(data.control instanceof SharedArrayBuffer)) {
        return { ok: false, reason: 'shared-slots: needs a SharedArrayBuffer control block' };
      }
      if (!Array.isArray(data.slots) || !data.slots.every(isSharedSlot)) {
        return {
          ok: false,
          reason: 'shared-slots: each slot needs a slot index, an id, and SharedArrayBuffer memory the size of its channels and frames',
        };
      }
      return { ok: true, message: { type: 'shared-slots', control: data.control, slots: data.slots } };
    case 'rendered':
      if (!isCount(data.requests) || !isCount(data.frame)) return { ok: false, reason: 'rendered: needs requests and frame' };
      return { ok: true, message: { type: 'rendered', requests: data.requests, frame: data.frame } };
    case 'wake':
      return { ok: true, message: { type: 'wake' } };
    default:
      return { ok: false, reason: `unknown message type ${describeType(data)}` };
  }
}
