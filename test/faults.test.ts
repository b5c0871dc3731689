import { expect, fixture, html } from '@open-wc/testing';
import '../src/index.js';
import type { AudioPoolAnalyzer } from '../src/audio-pool-analyzer.js';
import { running, statsWhere, stopAnalyzersAndCleanup } from './helpers/analyzer.js';
import { blockMainThread, collectEvents, nextEvent } from './helpers/events.js';

describe('faults', () => {
  afterEach(stopAnalyzersAndCleanup);

  // Copy's window (128 batches at least) is sized in batches: 256-frame batches keep its audio near ping-pong's 16 × 1024.
  for (const [transport, batchSize] of [
    ['ping-pong', 1024],
    ['copy', 256],
  ] as const) {
    it(`counts every frame through stalls of 100 ms, 500 ms and 2 s, one pool-exhausted per episode, and recovers (${transport})`, async () => {
      const analyzer = await fixture<AudioPoolAnalyzer>(
        html`<audio-pool-analyzer source="test-tone" transport=${transport} pool-size="16" batch-size=${batchSize} timeout="60000" stats-interval="50"></audio-pool-analyzer>`,
      );
      await running(analyzer);
      await nextEvent(analyzer, 'analysis-frame');
      const first = (await statsWhere(analyzer)).detail;
      // What the pool (or the window of copies) holds, in ms of audio.
      const poolMs = (first.buffers * batchSize * 1000) / first.sampleRate;
      for (const stallMs of [100, 500, 2000]) {
        const exhausted = collectEvents(analyzer, 'pool-exhausted');
        const before = (await statsWhere(analyzer)).detail;
        const stallStart = performance.now();
        blockMainThread(stallMs);
        // Everything queued during the stall comes first (copy queues up to its whole window): wait
        // for a snapshot taken after it (by wall time: Firefox's currentTime does not move while the
        // page is blocked), then for recovery, a run of frames with nothing skipped before them.
        const stallEnd = before.currentFrame + ((performance.now() - stallStart) / 1000) * first.sampleRate;
        await statsWhere(analyzer, (stats) => stats.currentFrame > stallEnd);
        let clean = 0;
        await nextEvent(analyzer, 'analysis-frame', (event) => {
          clean = event.detail.skippedFrames === 0 ? clean + 1 : 0;
          return clean >= 20;
        });
        exhausted.stop();
        const after = (await statsWhere(analyzer)).detail;
        expect(after.deliveredFrames + after.skippedFrames + after.pendingFrames, `${stallMs} ms`).to.equal(after.renderedFrames);
        expect(after.available + after.inFlight + after.processing).to.equal(after.buffers);
        const skipped = after.skippedFrames - before.skippedFrames;
        expect(exhausted.events, `${stallMs} ms`).to.have.length(after.exhaustions - before.exhaustions);
        // Grouped returns (or unacknowledged copies) may hold up to half of it: a stall under half must fit.
        if (stallMs < poolMs / 2) {
          expect(skipped, `${stallMs} ms fits in the pool`).to.equal(0);
        } else if (stallMs > poolMs) {
          expect(skipped, `${stallMs} ms overflows the pool`).to.be.greaterThan(0);
          expect(exhausted.events, `${stallMs} ms: one episode`).to.have.length(1);
        }
      }
      expect(analyzer.stats?.allocations).to.equal(transport === 'ping-pong' ? 16 : 0);
    });
  }

  it('notices its AudioContext closed underneath it, and can start again', async () => {
    const analyzer = await fixture<AudioPoolAnalyzer>(html`<audio-pool-analyzer source="test-tone"></audio-pool-analyzer>`);
    await running(analyzer);
    const stopped = nextEvent(analyzer, 'state-change', (event) => event.detail.state === 'stopped');
    await analyzer.context?.close();
    await stopped;
    expect(analyzer.context).to.equal(null);
    await running(analyzer);
    await nextEvent(analyzer, 'analysis-frame');
  });

  it('lets two analyzers share one source stream', async () => {
    const container = await fixture<HTMLDivElement>(html`<div>
      <audio-pool-analyzer batch-size="512"></audio-pool-analyzer>
      <audio-pool-analyzer batch-size="1024"></audio-pool-analyzer>
    </div>`);
    const [first, second] = [...container.querySelectorAll('audio-pool-analyzer')] as AudioPoolAnalyzer[];
    if (!first || !second) throw new Error('fixture incomplete');
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    try {
      first.connectSource(stream);
      second.connectSource(stream);
      await Promise.all([running(first), running(second)]);
      const signal = (analyzer: AudioPoolAnalyzer) => nextEvent(analyzer, 'analysis-frame', (event) => (event.detail.peak[0] ?? 0) > 0.01);
      await Promise.all([signal(first), signal(second)]);
      await first.stop();
      expect(stream.getAudioTracks()[0]?.readyState, "a stream the page passed in is the page's to stop").to.equal('live');
      await signal(second);
    } finally {
      for (const track of stream.getTracks()) track.stop();
    }
  });

  it('reports a worklet URL that is not JavaScript, and starts once it is fixed', async () => {
    const analyzer = await fixture<AudioPoolAnalyzer>(
      html`<audio-pool-analyzer worklet-url="/docs/architecture.md" source="test-tone"></audio-pool-analyzer>`,
    );
    const error = nextEvent(analyzer, 'analyzer-error');
    await analyzer.start();
    expect((await error).detail.code).to.equal('worklet-load-failed');
    expect(analyzer.state).to.equal('error');
    analyzer.removeAttribute('worklet-url');
    await running(analyzer);
  });

  it('discards bad returns posted at its node by reason, and keeps delivering', async () => {
    const analyzer = await fixture<AudioPoolAnalyzer>(
      html`<audio-pool-analyzer source="test-tone" transport="ping-pong" batch-size="256" stats-interval="50"></audio-pool-analyzer>`,
    );
    await running(analyzer);
    await nextEvent(analyzer, 'analysis-frame');
    const port = analyzer.node?.port as MessagePort;
    const foreign = new ArrayBuffer(analyzer.stats?.bufferBytes ?? 1088);
    port.postMessage([foreign, new ArrayBuffer(12), 'not a buffer', 42], [foreign]);
    const { detail: stats } = await statsWhere(analyzer, (next) => next.invalidReturns.notBuffer >= 2);
    expect(stats.invalidReturns).to.deep.include({ notBuffer: 2, unknownId: 1, sizeMismatch: 1 });
    const delivered = stats.deliveredBatches;
    await statsWhere(analyzer, (next) => next.deliveredBatches > delivered + 10);
  });
});
