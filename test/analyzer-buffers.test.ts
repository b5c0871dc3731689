import { expect } from '@open-wc/testing';
import '../src/index.js';
import { copyWindow } from '../src/protocol.js';
import { exhaustAndRecover, running, statsWhere, stopAnalyzersAndCleanup, switchTransportsLive, toneAnalyzer } from './helpers/analyzer.js';
import { nextEvent } from './helpers/events.js';

describe('<audio-pool-analyzer>: buffers', () => {
  afterEach(stopAnalyzersAndCleanup);

  it('keeps a retained buffer in state processing until it is released', async () => {
    // A long timeout: however late a snapshot comes (WebKit once took seconds), no reclaim takes the buffer first.
    const analyzer = await toneAnalyzer({ transport: 'ping-pong', 'batch-size': 128, 'stats-interval': 50, timeout: 60000 });
    let release: (() => void) | undefined;
    let kept: Float32Array | undefined;
    analyzer.addEventListener('analysis-frame', (event) => {
      if (release || (event.detail.peak[0] ?? 0) < 0.1) return;
      release = event.detail.retain();
      kept = event.detail.channelData[0];
    });
    await running(analyzer);
    await statsWhere(analyzer, (stats) => stats.processing === 1 && stats.retained === 1);
    await analyzer.updateComplete;
    expect([analyzer.processing, analyzer.getAttribute('processing')]).to.deep.equal([1, '1']);
    expect(kept?.length).to.equal(128);
    expect(kept?.some((sample) => sample !== 0)).to.equal(true);
    release?.();
    release?.();
    const { detail } = await statsWhere(analyzer, (stats) => stats.processing === 0 && stats.retained === 0);
    expect(kept?.length, 'the view is detached once the buffer went back').to.equal(0);
    expect(detail.invalidReturns.duplicate).to.equal(0);
  });

  it('reclaims a buffer retained past the timeout and fires buffer-reclaimed', async () => {
    const analyzer = await toneAnalyzer({ transport: 'ping-pong', 'batch-size': 128, timeout: 50 });
    let retainedId: number | undefined;
    analyzer.addEventListener('analysis-frame', (event) => {
      if (retainedId !== undefined) return;
      event.detail.retain();
      retainedId = event.detail.bufferId;
    });
    // A 50 ms timeout may also catch a return that a browser hiccup delayed (WebKitGTK has them):
    // wait for the retained buffer's reclaim, whatever else is reclaimed.
    const reclaimed = nextEvent(analyzer, 'buffer-reclaimed', (event) => event.detail.bufferId === retainedId);
    await running(analyzer);
    const { detail } = await reclaimed;
    expect(detail.ageMs).to.be.at.least(50);
    const stats = await statsWhere(analyzer, (next) => next.reclaims >= 1);
    expect(stats.detail.buffers).to.equal(16);
    expect(stats.detail.allocationsAfterStart).to.equal(stats.detail.reclaims);
    await analyzer.updateComplete;
    expect([analyzer.reclaimed, analyzer.getAttribute('reclaimed')]).to.deep.equal([stats.detail.reclaims, String(stats.detail.reclaims)]);
  });

  it('exhausts the pool while the main thread is blocked, reports each episode once, then recovers', async () => {
    // 4 buffers of 512 frames: 43 ms of slack, far more than ordinary hiccups, far less than the stall.
    // A long timeout keeps reclaims out of it (with the default 1 s, WebKitGTK once reclaimed all
    // four buffers after the 500 ms stall).
    const analyzer = await toneAnalyzer({ transport: 'ping-pong', 'batch-size': 512, 'pool-size': 4, timeout: 10000 });
    await running(analyzer);
    const stats = await exhaustAndRecover(analyzer);
    expect(stats.skippedBatches).to.be.greaterThan(stats.exhaustions * 4);
    expect(Number(analyzer.getAttribute('dropped'))).to.be.greaterThan(0);
    expect(stats.allocations).to.equal(4);
  });

  for (const transport of ['ping-pong', 'copy'] as const) {
    it(`reconfigures pool size and batch size live, without restarting the context (${transport})`, async () => {
      const analyzer = await toneAnalyzer({ transport, 'batch-size': 256, 'pool-size': 4 });
      await running(analyzer);
      const context = analyzer.context;
      await nextEvent(analyzer, 'analysis-frame');
      const resized = nextEvent(analyzer, 'analysis-frame', (event) => event.detail.channelData[0]?.length === 512);
      analyzer.poolSize = 6;
      analyzer.setAttribute('batch-size', '512');
      await resized;
      const slots = transport === 'copy' ? copyWindow(6) : 6;
      const { detail } = await statsWhere(analyzer, (stats) => stats.buffers === slots && stats.batchSize === 512);
      expect(detail.available + detail.inFlight + detail.processing).to.equal(slots);
      expect(detail.transport).to.equal(transport);
      expect(analyzer.context).to.equal(context);
    });
  }

  it('switches transport live: same context, every frame accounted for, transport-active follows', async () => {
    const analyzer = await toneAnalyzer({ 'batch-size': 128, 'stats-interval': 50 });
    await running(analyzer);
    // This page is not cross-origin isolated: auto runs copy.
    expect([analyzer.transport, analyzer.transportActive]).to.deep.equal(['auto', 'copy']);
    await switchTransportsLive(analyzer, ['allocate', 'ping-pong', 'copy']);
  });

  it('falls back to copy, and says why, when shared is asked for on a page that is not cross-origin isolated', async () => {
    const analyzer = await toneAnalyzer({ transport: 'shared' });
    const error = nextEvent(analyzer, 'analyzer-error');
    await running(analyzer);
    const { detail } = await error;
    expect(detail.code).to.equal('transport-unavailable');
    expect(detail.message).to.contain('cross-origin isolated');
    expect(analyzer.transportActive).to.equal('copy');
    const stats = await statsWhere(analyzer, (next) => next.deliveredBatches > 5);
    expect(stats.detail.transport).to.equal('copy');
  });
});
