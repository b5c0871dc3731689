import type { WorkletConfig } from '../src/config.js';
import type { BatchFields, WorkletErrorCode } from '../src/protocol.js';
import type { Meters } from './meters.js';
import type { SlotPool } from './slot-pool.js';

/** The part of a MessagePort the engine uses; a fake in unit tests, the processor's port in the worklet. */
export interface MessageSink {
  postMessage(message: unknown, transfer: Transferable[]): void;
}

/** Shared by every message that transfers nothing, so posting one allocates no array. */
export const NO_TRANSFER: Transferable[] = [];

/** What the engine gives every transport. */
export interface TransportContext {
  readonly port: MessageSink;
  readonly sampleRate: number;
  /** Where every count goes; shared by all transports, so a switch loses none. */
  readonly meters: Meters;
  /** Posts `reclaimed` for a slot given up after the timeout (a preallocated message). */
  reportReclaim(bufferId: number, ageFrames: number): void;
  /** Posts an error, at most one per stats interval, like the engine's own. */
  reportError(code: WorkletErrorCode, message: string, nowFrame: number): void;
}

/**
 * How batches leave the audio thread: one implementation per transport, listed in
 * `transports/index.ts` in a map typed over the transport names. The engine stages and counts;
 * a transport carries batches and takes back what the page gives back. Every method runs on the
 * audio thread and never throws; each implementation says in its doc comment what it allocates
 * and when.
 */
export interface BatchTransport {
  /**
   * Applies the pool's shape, between batches (`nowFrame` is the audio time then). `active` false:
   * the engine switched to another transport; keep only what is out, until it comes back or times out.
   */
  configure(config: WorkletConfig, active: boolean, nowFrame: number): void;
  /**
   * Carries the staged batch: `staging` holds a header's room (HEADER_SLOTS) then the samples,
   * planar; the transport writes the header wherever the batch goes. False when it has no room:
   * the engine skips the batch and counts it.
   */
  deliver(staging: Float32Array, batch: BatchFields, nowFrame: number): boolean;
  /** Takes a message from the page that is this transport's (returns, acknowledgements); false when it is not. */
  receive(data: unknown, nowFrame: number): boolean;
  /** Once per render quantum: notices slots given back, reclaims those held past the timeout. */
  tick(nowFrame: number, timeoutFrames: number): void;
  /**
   * Adds its gauges (available, inFlight, processing, buffers, maxInFlight) to the snapshot being
   * taken and writes its slot cells from `offset` on; returns how many cells it wrote.
   */
  writeGauges(meters: Meters, nowFrame: number, offset: number): number;
  /** Starts its peaks again from now (`reset-stats`). */
  resetPeaks(): void;
}

/**
 * Adds a pool's gauges to a snapshot and writes its slot cells from `offset` on: what every
 * pooled transport's `writeGauges` does. Returns the cells written.
 */
export function writePoolGauges(meters: Meters, pool: SlotPool, nowFrame: number, offset: number): number {
  const stats = meters.stats;
  stats.available += pool.available;
  stats.inFlight += pool.inFlight;
  stats.processing += pool.processing;
  stats.buffers += pool.buffersAlive;
  if (pool.maxInFlight > stats.maxInFlight) stats.maxInFlight = pool.maxInFlight;
  return pool.writeSlots(stats.slotStates, meters.slotAgeFrames, offset, nowFrame);
}
