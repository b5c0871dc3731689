import type { ActiveTransport, WorkletConfig } from '../src/config.js';
import { batchBufferBytes } from '../src/protocol.js';
import { createStats, type InvalidReturnReason, MAX_REPORTED_SLOTS, type PoolStats, type RawMeters, resetCounters } from '../src/stats.js';

/**
 * What the engine, its pools and its transports count into: one live stats object (counters are
 * incremented in place, gauges written when a snapshot is taken) and the raw meters the page
 * derives the rest from. Shared by every transport, so a switch loses no count. Runs on the
 * audio thread: allocates only in its constructor, and computes no fraction.
 */
export class Meters implements RawMeters {
  readonly stats: PoolStats;
  turnoverCount = 0;
  turnoverTotalFrames = 0;
  turnoverMaxFrames = 0;
  readonly slotAgeFrames = new Int32Array(MAX_REPORTED_SLOTS);
  /** Allocations made before the capture started (the first pool); the rest count as after start. */
  allocationsAtStart = 0;
  private readonly sampleRate: number;

  constructor(transport: ActiveTransport, sampleRate: number) {
    this.stats = createStats(transport);
    this.sampleRate = sampleRate;
  }

  /** A slot came back `frames` after it was sent. */
  addTurnover(frames: number): void {
    this.turnoverCount++;
    this.turnoverTotalFrames += frames;
    if (frames > this.turnoverMaxFrames) this.turnoverMaxFrames = frames;
  }

  /** Counts a return discarded for `reason`, and passes the reason on. */
  discard(reason: InvalidReturnReason): InvalidReturnReason {
    this.stats.invalidReturns[reason]++;
    return reason;
  }

  /** Zeroes every counter (`reset-stats`). */
  reset(): void {
    resetCounters(this.stats);
    this.turnoverCount = 0;
    this.turnoverTotalFrames = 0;
    this.turnoverMaxFrames = 0;
    this.allocationsAtStart = 0;
  }

  /**
   * Writes the gauges that come from the configuration and the counters, and zeroes the pool
   * gauges the transports then add to (`BatchTransport.writeGauges`). Allocation-free.
   */
  beginSnapshot(config: WorkletConfig, nowFrame: number, pendingFrames: number): void {
    const stats = this.stats;
    stats.currentFrame = nowFrame;
    stats.sampleRate = this.sampleRate;
    stats.transport = config.transport;
    stats.poolSize = config.poolSize;
    stats.batchSize = config.batchSize;
    stats.channels = config.channels;
    stats.timeout = config.timeout;
    stats.bufferBytes = batchBufferBytes(config.batchSize, config.channels);
    stats.allocationsAfterStart = stats.allocations - this.allocationsAtStart;
    stats.pendingFrames = pendingFrames;
    stats.available = 0;
    stats.inFlight = 0;
    stats.processing = 0;
    stats.buffers = 0;
    stats.maxInFlight = 0;
  }

  /** Clears the slot cells past the `cells` the transports wrote. */
  endSnapshot(cells: number): void {
    this.stats.slotStates.fill(0, cells);
    this.slotAgeFrames.fill(0, cells);
  }
}
