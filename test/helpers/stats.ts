import { expect } from '@open-wc/testing';
import { createSessionCounters } from '../../src/batch-source.js';
import type { AnalysisFrame, AnalyzerStats } from '../../src/events.js';
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
  const { renderedFrames, deliveredFrames, skippedFrames, gapDiscardedFrames, pendingFrames, buffers, available, inFlight, processing } =
    stats;
  expect(
    deliveredFrames + skippedFrames + gapDiscardedFrames + pendingFrames,
    `${label}: frames ${JSON.stringify({ renderedFrames, deliveredFrames, skippedFrames, gapDiscardedFrames, pendingFrames })}`,
  ).to.equal(renderedFrames);
  expect(available + inFlight + processing, `${label}: slots ${JSON.stringify({ buffers, available, inFlight, processing })}`).to.equal(
    buffers,
  );
}

/** Where a delivered frame sits in context time, and what it says is missing right before it. */
export interface FrameSpan {
  sequence: number;
  frame: number;
  frames: number;
  skippedFrames: number;
  gapFrames: number;
}

/** A frame's span, read during its dispatch (`channelData` may be empty after). */
export function frameSpan({ sequence, frame, channelData, skippedFrames, gapFrames }: AnalysisFrame): FrameSpan {
  return { sequence, frame, frames: channelData[0]?.length ?? 0, skippedFrames, gapFrames };
}

/**
 * Checks that consecutive frames (none lost on the page) leave out exactly what they say they
 * miss, and that the gaps they report are at most `renderGapFrames`, the count over their span.
 */
export function expectContiguous(spans: readonly FrameSpan[], renderGapFrames: number): void {
  let gapFrames = 0;
  for (let i = 1; i < spans.length; i++) {
    const [previous, current] = [spans[i - 1], spans[i]] as [FrameSpan, FrameSpan];
    expect(current.sequence, 'no frame lost on the page').to.equal(previous.sequence + 1);
    expect(current.frame, `frame ${current.sequence}: the previous end + skipped + gap`).to.equal(
      previous.frame + previous.frames + current.skippedFrames + current.gapFrames,
    );
    gapFrames += current.gapFrames;
  }
  expect(gapFrames, 'gap frames the frames report').to.be.at.most(renderGapFrames);
}
