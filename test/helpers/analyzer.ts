import { expect, fixtureCleanup } from '@open-wc/testing';
import type { AudioPoolAnalyzer } from '../../src/audio-pool-analyzer.js';
import type { ActiveTransport } from '../../src/config.js';
import type { AnalyzerStats } from '../../src/events.js';
import { blockMainThread, collectEvents, nextEvent } from './events.js';

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
 * waits for recovery: checks that the first fresh batch carries whole skipped batches, that 50
 * batches later nothing is skipped, and that pool-exhausted came once per episode. Returns the
 * stats after it.
 */
export async function exhaustAndRecover(analyzer: AudioPoolAnalyzer): Promise<AnalyzerStats> {
  await nextEvent(analyzer, 'analysis-frame');
  const exhausted = collectEvents(analyzer, 'pool-exhausted');
  const resumed = nextEvent(analyzer, 'analysis-frame', (event) => event.detail.skippedFrames > 0);
  blockMainThread(500);
  const { detail: first } = await resumed;
  expect(first.skippedFrames % analyzer.batchSize).to.equal(0);
  const recovered = await nextEvent(analyzer, 'analysis-frame', (event) => event.detail.sequence >= first.sequence + 50);
  expect(recovered.detail.skippedFrames).to.equal(0);
  exhausted.stop();
  const { detail: stats } = await statsWhere(analyzer);
  // One event per episode, not per skipped batch. Usually one episode; a browser that renders
  // in bursts (Firefox: ~20 ms) can see a slot come back mid-stall and a second episode start.
  expect(exhausted.events.length).to.be.within(1, 2);
  expect(exhausted.events).to.have.length(stats.exhaustions);
  expect(stats.deliveredFrames + stats.skippedFrames + stats.pendingFrames).to.equal(stats.renderedFrames);
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
    expect(detail.deliveredFrames + detail.skippedFrames + detail.pendingFrames, transport).to.equal(detail.renderedFrames);
    expect(detail.available + detail.inFlight + detail.processing, transport).to.equal(detail.buffers);
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
