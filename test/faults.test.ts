import { expect, fixture, html } from '@open-wc/testing';
import '../src/index.js';
import type { AudioPoolAnalyzer } from '../src/audio-pool-analyzer.js';
import { running, statsWhere, stopAnalyzersAndCleanup, toneAnalyzer } from './helpers/analyzer.js';
import { blockMainThread, collectEvents, nextEvent } from './helpers/events.js';
import { expectAccounted } from './helpers/stats.js';

describe('faults', () => {
  afterEach(stopAnalyzersAndCleanup);

  // Stalls measured in the pool's own audio (the slots times the batch), so each case means the same at any rate.
  // Whether a stall that fits is absorbed without a skip depends on the load: the bench measures it (docs/performance.md).
  for (const [transport, batchSize] of [
    ['ping-pong', 1024],
    ['copy', 128],
  ] as const) {
    it(`counts every frame through stalls of a quarter, three quarters and three times the pool's audio, and recovers (${transport})`, async () => {
      const analyzer = await toneAnalyzer({ transport, 'pool-size': 16, 'batch-size': batchSize, timeout: 60000, 'stats-interval': 50 });
      await running(analyzer);
      await nextEvent(analyzer, 'analysis-frame');
      const first = (await statsWhere(analyzer)).detail;
      // What the pool (or the window of copies) holds, in ms of audio.
      const poolMs = (first.buffers * batchSize * 1000) / first.sampleRate;
      for (const share of [0.25, 0.75, 3]) {
        const label = `a stall of ${share} × ${poolMs.toFixed(0)} ms`;
        const exhausted = collectEvents(analyzer, 'pool-exhausted');
        const before = (await statsWhere(analyzer)).detail;
        const stallStart = performance.now();
        blockMainThread(share * poolMs);
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
        expectAccounted(after, label);
        const skipped = after.skippedFrames - before.skippedFrames;
        expect(skipped % batchSize, `${label}: whole batches`).to.equal(0);
        expect(after.skippedBatches - before.skippedBatches, label).to.equal(skipped / batchSize);
        // One event per episode, whatever the number of episodes.
        expect(exhausted.events, label).to.have.length(after.exhaustions - before.exhaustions);
        if (share > 1) {
          expect(skipped, `${label} overflows the pool`).to.be.greaterThan(0);
          expect(exhausted.events.length, `${label}: an episode`).to.be.at.least(1);
        }
      }
      // No allocation after start: the long timeout leaves nothing to reclaim (copy allocates nothing at all).
      expect(analyzer.stats?.allocations).to.equal(transport === 'ping-pong' ? 16 : 0);
    });
  }

  it('notices its AudioContext closed underneath it, and can start again', async () => {
    const analyzer = await toneAnalyzer();
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
    const analyzer = await toneAnalyzer({ 'worklet-url': '/docs/architecture.md' });
    const error = nextEvent(analyzer, 'analyzer-error');
    await analyzer.start();
    expect((await error).detail.code).to.equal('worklet-load-failed');
    expect(analyzer.state).to.equal('error');
    analyzer.removeAttribute('worklet-url');
    await running(analyzer);
  });

  it('discards bad returns posted at its node by reason, and keeps delivering', async () => {
    const analyzer = await toneAnalyzer({ transport: 'ping-pong', 'batch-size': 256, 'stats-interval': 50 });
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
