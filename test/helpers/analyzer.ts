import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import type { AudioPoolAnalyzer } from '../../src/audio-pool-analyzer.js';
import type { ActiveTransport } from '../../src/config.js';
import type { AnalysisFrame, AnalyzerStats } from '../../src/events.js';
import { blockMainThread, collectEvents, keepFrame, nextEvent } from './events.js';
import { expectAccounted, expectContiguous, type FrameSpan, frameSpan } from './stats.js';

/**
 * An analyzer on the page (in the fixture) playing the built-in test tone, with `attributes`
 * written as in markup (kebab-case names).
 */
export async function toneAnalyzer(attributes: Record<string, string | number> = {}): Promise<AudioPoolAnalyzer> {
  const analyzer = document.createElement('audio-pool-analyzer');
  analyzer.setAttribute('source', 'test-tone');
  for (const [name, value] of Object.entries(attributes)) analyzer.setAttribute(name, String(value));
  return fixture<AudioPoolAnalyzer>(html`${analyzer}`);
}

/** What a frame said, read during its dispatch (the frame and its `channelData` are only valid then). */
export interface FrameReading {
  detail: AnalysisFrame;
  /** Each channel's samples, copied. */
  samples: Float32Array[];
}

/**
 * The `nth` of the next `within` frames whose peak on `channel` passes `threshold`, its samples
 * copied during dispatch. Rejects as soon as `within` frames went by with fewer, saying how loud
 * they were, so a source that carries nothing fails fast and says so rather than timing out.
 */
export function frameWithSignal(
  analyzer: AudioPoolAnalyzer,
  { nth = 1, within = 200, threshold = 0.01, channel = 0 } = {},
): Promise<FrameReading> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    let loud = 0;
    let loudest = 0;
    const listener = (event: HTMLElementEventMap['analysis-frame']) => {
      const peak = event.detail.peak[channel] ?? 0;
      seen++;
      loudest = Math.max(loudest, peak);
      if (peak > threshold && ++loud === nth) {
        analyzer.removeEventListener('analysis-frame', listener);
        const detail = keepFrame(event.detail);
        resolve({ detail, samples: detail.channelData });
      } else if (seen >= within) {
        analyzer.removeEventListener('analysis-frame', listener);
        reject(
          new Error(`${loud} of ${within} frames had a peak above ${threshold} on channel ${channel} (loudest ${loudest}); wanted ${nth}`),
        );
      }
    };
    analyzer.addEventListener('analysis-frame', listener);
  });
}

/** Starts the analyzer and resolves once it runs (the listener is in place before start()). */
export async function running(analyzer: AudioPoolAnalyzer): Promise<void> {
  const started =
    analyzer.state === 'running' ? Promise.resolve() : nextEvent(analyzer, 'state-change', (event) => event.detail.state === 'running');
  await analyzer.start();
  await started;
}

/** The next `pool-stats` event whose snapshot satisfies `accept`. */
export function statsWhere(analyzer: AudioPoolAnalyzer, accept: (stats: AnalyzerStats) => boolean = () => true) {
  return nextEvent(analyzer, 'pool-stats', (event) => accept(event.detail));
}

/**
 * Stops every analyzer on the page (frames included) and waits for its AudioContext to close, then removes the
 * fixtures. Tests end on closed contexts: WebKitGTK's web process can crash when the page goes
 * while an AudioWorklet context is still closing.
 */
export async function stopAnalyzersAndCleanup(): Promise<void> {
  await Promise.all(analyzersIn(document).map((analyzer) => analyzer.stop()));
  fixtureCleanup();
}

/** The analyzers in a document and in its same-origin frames. */
function analyzersIn(root: Document): AudioPoolAnalyzer[] {
  const found = [...root.querySelectorAll<AudioPoolAnalyzer>('audio-pool-analyzer')];
  for (const frame of root.querySelectorAll('iframe')) {
    if (frame.contentDocument) found.push(...analyzersIn(frame.contentDocument));
  }
  return found;
}

/**
 * Blocks the main thread for 500 ms while the (running) analyzer's pool holds far less, then
 * waits for 50 frames after the first fresh one. Checks what holds under any load: the skipped
 * frames come in whole batches on the frame after them, every frame starts where the previous one
 * ended plus what it says was skipped, the events match the episodes counted, and every frame is
 * accounted for. Returns the stats after it.
 */
export async function exhaustAndRecover(analyzer: AudioPoolAnalyzer): Promise<AnalyzerStats> {
  await nextEvent(analyzer, 'analysis-frame');
  const { detail: before } = await statsWhere(analyzer);
  const exhausted = collectEvents(analyzer, 'pool-exhausted');
  const spans: FrameSpan[] = [];
  const recordSpan = (event: HTMLElementEventMap['analysis-frame']) => spans.push(frameSpan(event.detail));
  analyzer.addEventListener('analysis-frame', recordSpan);
  const resumed = nextEvent(analyzer, 'analysis-frame', (event) => event.detail.skippedFrames > 0);
  blockMainThread(500);
  const { detail: first } = await resumed;
  expect(first.skippedFrames % analyzer.batchSize).to.equal(0);
  await nextEvent(analyzer, 'analysis-frame', (event) => event.detail.sequence >= first.sequence + 50);
  analyzer.removeEventListener('analysis-frame', recordSpan);
  exhausted.stop();
  const { detail: stats } = await statsWhere(analyzer);
  expectContiguous(spans, stats.renderGapFrames - before.renderGapFrames);
  // One event per episode (how many episodes a stall makes depends on when slots come back), not per skipped batch.
  expect(exhausted.events.length).to.be.at.least(1);
  expect(exhausted.events).to.have.length(stats.exhaustions);
  expectAccounted(stats);
  return stats;
}

/**
 * Switches the running analyzer's transport live through `order`, checking after each that the
 * context is the same, every frame and slot is accounted for, `transport-active` follows and
 * allocate allocates per batch; then that frame sequences never broke.
 */
export async function switchTransportsLive(analyzer: AudioPoolAnalyzer, order: readonly ActiveTransport[]): Promise<void> {
  const frames = collectEvents(analyzer, 'analysis-frame');
  const context = analyzer.context;
  for (const transport of order) {
    analyzer.transport = transport;
    // Counted from the first snapshot the new transport wrote: batches the old one delivered meanwhile do not count.
    const { detail: switched } = await statsWhere(analyzer, (stats) => stats.transport === transport);
    const { detail } = await statsWhere(analyzer, (stats) => stats.deliveredBatches > switched.deliveredBatches + 30);
    expect(detail.transport).to.equal(transport);
    expectAccounted(detail, transport);
    // Allocate makes a buffer per batch; the others allocated their pools before (copy none at all).
    if (transport === 'allocate') expect(detail.allocations).to.be.greaterThan(switched.allocations + 20);
    await analyzer.updateComplete;
    expect([analyzer.transportActive, analyzer.getAttribute('transport-active')]).to.deep.equal([transport, transport]);
    expect(analyzer.context).to.equal(context);
  }
  frames.stop();
  const sequences = frames.events.map((event) => event.detail.sequence);
  expect(sequences.length).to.be.greaterThan(30 * order.length);
  expect(sequences.every((sequence, i) => i === 0 || sequence === (sequences[i - 1] as number) + 1)).to.equal(true);
  expect(analyzer.stats?.sequenceGaps).to.equal(0);
}

/**
 * The median rms on channel 0 of the next `count` frames whose rms passes `threshold`, among the
 * next `within` frames: a captured stream starts mid-batch and may stutter, so one frame proves little.
 */
export async function medianLevel(analyzer: AudioPoolAnalyzer, { count = 9, threshold = 0.05, within = 200 } = {}): Promise<number> {
  const levels: number[] = [];
  let seen = 0;
  await new Promise<void>((resolve, reject) => {
    const listener = (event: HTMLElementEventMap['analysis-frame']) => {
      const rms = event.detail.rms[0] ?? 0;
      if (rms > threshold) levels.push(rms);
      if (levels.length < count && ++seen < within) return;
      analyzer.removeEventListener('analysis-frame', listener);
      if (levels.length < count) reject(new Error(`${levels.length} of ${within} frames had an rms above ${threshold}; wanted ${count}`));
      else resolve();
    };
    analyzer.addEventListener('analysis-frame', listener);
  });
  return levels.sort((a, b) => a - b)[Math.floor(count / 2)] as number;
}
