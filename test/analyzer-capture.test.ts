import { expect } from '@open-wc/testing';
import '../src/index.js';
import { TEST_TONE } from '../src/audio-sources.js';
import { running, statsWhere, stopAnalyzersAndCleanup, toneAnalyzer } from './helpers/analyzer.js';
import { collectEvents, nextEvent } from './helpers/events.js';

const TONE_RMS = TEST_TONE.amplitude / Math.SQRT2;

describe('<audio-pool-analyzer>: capturing', () => {
  afterEach(stopAnalyzersAndCleanup);

  it('analyses the test tone: rms 0.3536, peak 0.5, frames in sequence, events that bubble out of shadow roots', async () => {
    const analyzer = await toneAnalyzer({ 'batch-size': 256 });
    const frames = collectEvents(document, 'analysis-frame');
    const states = collectEvents(analyzer, 'state-change');
    await running(analyzer);
    const audible = () => frames.events.filter((event) => (event.detail.peak[0] ?? 0) > 0).length;
    await nextEvent(analyzer, 'analysis-frame', () => audible() >= 40);
    frames.stop();
    states.stop();
    expect(states.events.map((event) => [event.detail.previous, event.detail.state])).to.deep.equal([
      ['idle', 'starting'],
      ['starting', 'running'],
    ]);
    // The node renders from the moment it exists; the tone joins a little later (how much later
    // depends on the browser and the load), and may start mid-batch.
    const all = frames.events.map((event) => event.detail);
    const details = all.slice(all.findIndex((detail) => (detail.peak[0] ?? 0) > 0) + 1);
    expect(details).to.have.length.at.least(39);
    for (const detail of details) {
      expect(detail.rms[0]).to.be.closeTo(TONE_RMS, 0.01);
      expect(detail.peak[0]).to.be.closeTo(TEST_TONE.amplitude, 0.01);
      expect(detail.sampleRate).to.equal(analyzer.context?.sampleRate);
      expect(detail.time).to.equal(detail.frame / detail.sampleRate);
    }
    for (let i = 1; i < details.length; i++) {
      const [previous, current] = [details[i - 1], details[i]];
      expect(current?.sequence).to.equal((previous?.sequence ?? 0) + 1);
      expect(current?.frame).to.equal((previous?.frame ?? 0) + 256 + (current?.skippedFrames ?? 0));
    }
    expect(frames.events[0]?.bubbles && frames.events[0]?.composed).to.equal(true);
  });

  it("carries the browser's own output-underrun count in its stats, or null where the browser keeps none", async () => {
    const analyzer = await toneAnalyzer();
    await running(analyzer);
    const { detail } = await statsWhere(analyzer);
    // Chromium has AudioContext.playbackStats; Firefox ESR 153 and WebKitGTK 2.50 do not.
    if ('playbackStats' in AudioContext.prototype) {
      expect(Number.isInteger(detail.outputUnderruns?.events)).to.equal(true);
      expect(detail.outputUnderruns?.durationMs).to.be.at.least(0);
    } else {
      expect(detail.outputUnderruns).to.equal(null);
    }
  });

  it('captures several channels: a mono tone is up-mixed to each of them', async () => {
    const analyzer = await toneAnalyzer({ channels: 2, 'batch-size': 512 });
    await running(analyzer);
    expect(analyzer.node?.channelCount).to.equal(2);
    // The batch the tone starts in is partly silent: check the one after it.
    const first = await nextEvent(analyzer, 'analysis-frame', (event) => (event.detail.rms[1] ?? 0) > 0);
    const { detail } = await nextEvent(analyzer, 'analysis-frame', (event) => event.detail.sequence > first.detail.sequence);
    expect(detail.channelData).to.have.length(2);
    expect(detail.rms[0]).to.be.closeTo(TONE_RMS, 0.01);
    expect(detail.rms[1]).to.be.closeTo(TONE_RMS, 0.01);
    const stats = await statsWhere(analyzer, (next) => next.channels === 2);
    expect(stats.detail.bufferBytes).to.equal(64 + 512 * 2 * 4);
  });

  it('reflects the stats as read-only attributes at every stats update, before pool-stats fires', async () => {
    const analyzer = await toneAnalyzer({ 'batch-size': 128, 'stats-interval': 50 });
    await running(analyzer);
    // Read during the event's dispatch: a listener sees attributes that agree with its detail.
    let reflected = new Map<string, string | null>();
    const { detail } = await statsWhere(analyzer, (stats) => {
      reflected = new Map(analyzer.getAttributeNames().map((name) => [name, analyzer.getAttribute(name)]));
      return stats.deliveredBatches > 20;
    });
    expect(reflected.get('state')).to.equal('running');
    expect(Number(reflected.get('hit-rate'))).to.be.closeTo(detail.hitRate, 0.0001);
    for (const [attribute, value] of [
      ['available', detail.available],
      ['in-flight', detail.inFlight],
      ['processing', detail.processing],
      ['dropped', detail.skippedBatches],
      ['reclaimed', detail.reclaims],
      ['allocations', detail.allocations],
    ] as const) {
      expect(reflected.get(attribute), attribute).to.equal(String(value));
    }
    expect({
      hitRate: analyzer.hitRate,
      available: analyzer.available,
      inFlight: analyzer.inFlight,
      processing: analyzer.processing,
      dropped: analyzer.dropped,
      reclaimed: analyzer.reclaimed,
      allocations: analyzer.allocations,
    }).to.deep.equal({
      hitRate: detail.hitRate,
      available: detail.available,
      inFlight: detail.inFlight,
      processing: detail.processing,
      dropped: detail.skippedBatches,
      reclaimed: detail.reclaims,
      allocations: detail.allocations,
    });
    expect(analyzer.stats).to.deep.equal(detail);
  });

  it('returns every buffer even with no listener: allocations stay at the pool size', async () => {
    const analyzer = await toneAnalyzer({ transport: 'ping-pong', 'batch-size': 128, 'pool-size': 64, timeout: 60000 });
    await running(analyzer);
    // Without returns the pool would be dry after 64 batches. How many batches are skipped on the
    // way depends on how often the main thread is busy, so that is for the bench, not asserted here.
    const { detail } = await statsWhere(analyzer, (stats) => stats.deliveredBatches > 300);
    expect(detail.allocations).to.equal(64);
    expect(detail.buffersReturned).to.be.at.least(detail.deliveredBatches - 64);
  });

  it('stops: closes its context, drops the node, keeps the last stats', async () => {
    const analyzer = await toneAnalyzer({ 'batch-size': 128 });
    await running(analyzer);
    const context = analyzer.context as AudioContext;
    await nextEvent(analyzer, 'pool-stats');
    const stopped = nextEvent(analyzer, 'state-change', (event) => event.detail.state === 'stopped');
    await analyzer.stop();
    await stopped;
    expect(context.state).to.equal('closed');
    expect([analyzer.context, analyzer.node]).to.deep.equal([null, null]);
    expect(analyzer.stats?.deliveredBatches).to.be.greaterThan(0);
    await analyzer.updateComplete;
    expect(analyzer.getAttribute('state')).to.equal('stopped');
  });

  it('resets its counters on resetStats()', async () => {
    const analyzer = await toneAnalyzer({ 'batch-size': 128 });
    await running(analyzer);
    await statsWhere(analyzer, (stats) => stats.deliveredBatches > 50);
    const reset = statsWhere(analyzer, (stats) => stats.deliveredBatches < 20);
    analyzer.resetStats();
    expect((await reset).detail.allocations).to.equal(0);
  });
});
