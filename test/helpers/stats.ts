import { expect } from '@open-wc/testing';
import { createSessionCounters } from '../../src/batch-source.js';
import type { AnalyzerStats } from '../../src/events.js';
import { PROTOCOL_VERSION } from '../../src/protocol.js';
import { MAX_REPORTED_SLOTS, type PoolStats, type RawMeters } from '../../src/stats.js';
import { CaptureEngine } from '../../worklet/capture-engine.js';
import { FakePort } from './fake-port.js';

/** A real stats snapshot from a fresh engine: every field present and valid. */
export function engineStats(): PoolStats {
  const port = new FakePort();
  const engine = new CaptureEngine(port, 48000, { protocolVersion: PROTOCOL_VERSION, config: { transport: 'ping-pong' } });
  engine.receive({ type: 'request-stats' }, 0);
  return port.ofType('stats')[0]?.stats as PoolStats;
}

/** A complete AnalyzerStats with the given fields changed. */
export function syntheticStats(overrides: Partial<AnalyzerStats> = {}): AnalyzerStats {
  return {
    ...engineStats(),
    ...createSessionCounters(),
    retained: 0,
    outputUnderruns: null,
    ...overrides,
  };
}

/** Raw meters with nothing measured yet. */
export function rawMeters(): RawMeters {
  return { turnoverCount: 0, turnoverTotalFrames: 0, turnoverMaxFrames: 0, slotAgeFrames: new Int32Array(MAX_REPORTED_SLOTS) };
}

/**
 * The accounting identities every snapshot keeps under any load: each rendered frame delivered,
 * skipped or still pending, and each slot in exactly one state.
 */
export function expectAccounted(stats: PoolStats, label = 'snapshot'): void {
  const { renderedFrames, deliveredFrames, skippedFrames, pendingFrames, buffers, available, inFlight, processing } = stats;
  expect(
    deliveredFrames + skippedFrames + pendingFrames,
    `${label}: frames ${JSON.stringify({ renderedFrames, deliveredFrames, skippedFrames, pendingFrames })}`,
  ).to.equal(renderedFrames);
  expect(available + inFlight + processing, `${label}: slots ${JSON.stringify({ buffers, available, inFlight, processing })}`).to.equal(
    buffers,
  );
}
