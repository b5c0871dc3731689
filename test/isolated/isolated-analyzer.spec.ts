import { expect, fixture, html } from '@open-wc/testing';
import '../../src/index.js';
import type { AudioPoolAnalyzer } from '../../src/audio-pool-analyzer.js';
import { TEST_TONE } from '../../src/audio-sources.js';
import { ACTIVE_TRANSPORTS } from '../../src/config.js';
import {
  exhaustAndRecover,
  running,
  statsWhere,
  stopAnalyzersAndCleanup,
  switchTransportsLive,
  toneAnalyzer,
} from '../helpers/analyzer.js';
import { CaptureRecorder } from '../helpers/capture-recorder.js';
import { renderInSteps } from '../helpers/conditions.js';
import { collectEvents, nextEvent } from '../helpers/events.js';
import { junkMessage } from '../helpers/junk.js';
import { randomInt, seededRandom } from '../helpers/random.js';
import { RampFollower, rampSample, rampSource } from '../helpers/signals.js';
import { requireSharedMemory, skipBecause } from '../helpers/skip.js';
import { expectAccounted } from '../helpers/stats.js';

const hasSharedMemory = typeof SharedArrayBuffer === 'function';

describe('<audio-pool-analyzer> on a cross-origin-isolated page', () => {
  afterEach(stopAnalyzersAndCleanup);

  it('is served cross-origin isolated', () => {
    expect(window.crossOriginIsolated).to.equal(true);
  });

  it('runs shared for auto where the browser has SharedArrayBuffer, else copy, with no error either way', async () => {
    const analyzer = await toneAnalyzer({ 'batch-size': 256 });
    const errors = collectEvents(analyzer, 'analyzer-error');
    await running(analyzer);
    const expected = hasSharedMemory ? 'shared' : 'copy';
    const { detail } = await statsWhere(analyzer, (stats) => stats.deliveredBatches > 10);
    errors.stop();
    expect([analyzer.transportActive, detail.transport]).to.deep.equal([expected, expected]);
    expect(errors.events).to.deep.equal([]);
  });

  it('says transport-unavailable and runs copy when shared is asked for where the browser has no SharedArrayBuffer', async function () {
    if (hasSharedMemory) skipBecause(this, 'this browser has SharedArrayBuffer here: shared runs (the tests below)');
    const analyzer = await toneAnalyzer({ transport: 'shared' });
    const error = nextEvent(analyzer, 'analyzer-error');
    await running(analyzer);
    const { detail } = await error;
    expect(detail.code).to.equal('transport-unavailable');
    expect(detail.message).to.contain('SharedArrayBuffer');
    expect((await statsWhere(analyzer, (stats) => stats.deliveredBatches > 5)).detail.transport).to.equal('copy');
  });

  it('captures the test tone through shared memory: right levels, no message per batch, every slot given back', async function () {
    requireSharedMemory(this);
    const analyzer = await toneAnalyzer({ transport: 'shared', 'batch-size': 256, 'stats-interval': 50, timeout: 60000 });
    const levels: number[] = [];
    analyzer.addEventListener('analysis-frame', (event) => levels.push(event.detail.rms[0] ?? 0));
    await running(analyzer);
    const { detail } = await statsWhere(analyzer, (stats) => stats.deliveredBatches > 100 && levels.filter((rms) => rms > 0.3).length > 20);
    const audible = levels.slice(levels.findIndex((rms) => rms > 0) + 1);
    expect(audible.slice(0, 20).every((rms) => Math.abs(rms - TEST_TONE.amplitude / Math.SQRT2) < 0.01)).to.equal(true);
    expect(detail.transport).to.equal('shared');
    expect(detail.returnMessages, 'nothing goes back by message').to.equal(0);
    expect(detail.buffersReturned).to.be.at.least(detail.deliveredBatches - detail.poolSize);
    expect(detail.allocations).to.equal(detail.poolSize);
    expect(detail.wakeups).to.be.greaterThan(0);
    expect(detail.sequenceGaps).to.equal(0);
  });

  for (const transport of ACTIVE_TRANSPORTS) {
    it(`delivers a ramp sample-exact in real time through ${transport}`, async function () {
      if (transport === 'shared') requireSharedMemory(this);
      const context = new AudioContext({ sampleRate: 48000 });
      try {
        await context.resume();
        // 64 × 128 frames (171 ms) outlast a render burst in any engine.
        const recorder = await CaptureRecorder.create(context, { transport, batchSize: 128, poolSize: 64 });
        const source = rampSource(context, 4096, true);
        source.connect(recorder.node);
        const ramp = new RampFollower();
        recorder.onFrame = ({ channelData, skippedFrames }) => ramp.check(channelData, skippedFrames);
        source.start(0);
        await recorder.framesReached(600);
        const stats = await recorder.session.requestStats();
        expect(stats.transport).to.equal(transport);
        expect(ramp.checked).to.be.greaterThan(500 * 128);
        expect(ramp.mismatches, 'samples out of order or altered').to.equal(0);
        expect(recorder.frames.map((frame) => frame.sequence)).to.deep.equal([...recorder.frames.keys()]);
        expectAccounted(stats);
        expect(recorder.errors).to.deep.equal([]);
      } finally {
        await context.close();
      }
    });
  }

  it('exhausts the shared pool while the main thread is blocked, counts every skipped frame, then recovers', async function () {
    requireSharedMemory(this);
    // 4 slots of 512 frames: 43 ms of slack, far less than the stall.
    const analyzer = await toneAnalyzer({ transport: 'shared', 'batch-size': 512, 'pool-size': 4, timeout: 10000, 'stats-interval': 50 });
    await running(analyzer);
    const stats = await exhaustAndRecover(analyzer);
    expect(stats.skippedFrames).to.equal(stats.skippedBatches * 512);
    expect([stats.allocations, stats.reclaims]).to.deep.equal([4, 0]);
  });

  it('reclaims a shared slot retained past the timeout: new memory for the pool, the retainer keeps its samples', async function () {
    requireSharedMemory(this);
    const analyzer = await fixture<AudioPoolAnalyzer>(
      html`<audio-pool-analyzer transport="shared" batch-size="128" timeout="50" stats-interval="50"></audio-pool-analyzer>`,
    );
    await running(analyzer);
    const context = analyzer.context as AudioContext;
    const ramp = rampSource(context, 4096, true);
    analyzer.connectSource(ramp);
    ramp.start();
    let retainedId: number | undefined;
    let release: (() => void) | undefined;
    let kept: Float32Array | undefined;
    let first = 0;
    analyzer.addEventListener('analysis-frame', (event) => {
      if (retainedId !== undefined || (event.detail.peak[0] ?? 0) === 0) return;
      release = event.detail.retain();
      retainedId = event.detail.bufferId;
      kept = event.detail.channelData[0];
      first = kept?.[0] ?? 0;
    });
    const reclaimed = await nextEvent(analyzer, 'buffer-reclaimed', (event) => event.detail.bufferId === retainedId);
    expect(reclaimed.detail.ageMs).to.be.at.least(50);
    // A hundred batches later the slot is in use again, with new memory: the retained views still hold their batch.
    await statsWhere(analyzer, (stats) => stats.reclaims >= 1 && stats.deliveredBatches > 100);
    expect(kept?.[0]).to.equal(first);
    expect(Math.round(((kept?.[1] ?? 0) - (kept?.[0] ?? 0)) * 4096)).to.equal(Math.round((rampSample(1) - rampSample(0)) * 4096));
    release?.();
    const { detail } = await statsWhere(analyzer, (stats) => stats.invalidReturns.late >= 1);
    expect(detail.allocationsAfterStart).to.equal(detail.reclaims);
    expect(detail.buffers).to.equal(detail.poolSize);
    ramp.stop();
  });

  it('switches live between every transport on an isolated page: same context, every frame accounted for', async () => {
    const analyzer = await toneAnalyzer({ 'batch-size': 128, 'stats-interval': 50 });
    await running(analyzer);
    const order = hasSharedMemory
      ? (['copy', 'ping-pong', 'shared', 'allocate', 'shared'] as const)
      : (['ping-pong', 'copy', 'allocate'] as const);
    await switchTransportsLive(analyzer, order);
  });

  it('survives 10,000 random and malformed messages at the processor while shared runs, accounting intact', async function () {
    requireSharedMemory(this);
    const context = new AudioContext({ sampleRate: 48000 });
    try {
      const recorder = await CaptureRecorder.create(context, { transport: 'shared', batchSize: 128, poolSize: 8, statsInterval: 50 });
      new OscillatorNode(context).connect(recorder.node);
      await recorder.framesReached(10);
      const random = seededRandom(12);
      for (let i = 0; i < 10000; i++) {
        const message = junkMessage(random);
        const transfer = message instanceof ArrayBuffer && randomInt(random, 2) === 0 ? [message] : [];
        recorder.node.port.postMessage(message, transfer);
        if (i % 500 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      // Valid configurations among the junk may have changed the pool: put it back, then check.
      recorder.session.configure({ batchSize: 128, poolSize: 8, channels: 1, transport: 'shared', timeout: 1000 });
      const before = recorder.frames.length;
      await recorder.framesReached(before + 100);
      const stats = await recorder.session.requestStats();
      expect(recorder.processorErrors).to.have.length(0);
      expect([stats.processErrors, stats.transport, stats.poolSize]).to.deep.equal([0, 'shared', 8]);
      // Junk includes reset-stats, so only the count since the last reset is left; the reports say it was refused.
      expect(stats.invalidMessages).to.be.greaterThan(0);
      expect(recorder.errors.length).to.be.greaterThan(0);
      expectAccounted(stats);
      expect(recorder.errors.every((error) => error.code === 'invalid-message')).to.equal(true);
      expect(recorder.session.counters.sequenceGaps).to.equal(0);
    } finally {
      await context.close();
    }
  });
});

describe('shared transport in an OfflineAudioContext', () => {
  it('delivers 1000 batches sample-exact from a pool of 2 when rendering waits for the page', async function () {
    requireSharedMemory(this);
    if (!('suspend' in OfflineAudioContext.prototype)) {
      skipBecause(
        this,
        'no OfflineAudioContext.suspend() (Firefox), so rendering cannot wait for the page; the real-time ramp test covers shared',
      );
    }
    const batches = 1000;
    const batchSize = 128;
    const context = new OfflineAudioContext({ numberOfChannels: 1, length: (batches + 1) * batchSize, sampleRate: 48000 });
    const recorder = await CaptureRecorder.create(context, { transport: 'shared', batchSize, poolSize: 2 });
    const source = rampSource(context, context.length, false);
    source.connect(recorder.node);
    source.start(0);
    let mismatches = 0;
    recorder.onFrame = ({ channelData, frame }) => {
      const samples = channelData[0] as Float32Array;
      for (let i = 0; i < samples.length; i++) if (samples[i] !== rampSample(frame + i)) mismatches++;
    };
    // The page gives a shared slot back as it dispatches the frame: no round trip is needed.
    await renderInSteps(context, batchSize, batches, (step) => recorder.framesReached(step));
    await recorder.framesReached(batches + 1);
    const stats = await recorder.session.requestStats();
    expect(recorder.frames).to.have.length(batches + 1);
    expect(mismatches).to.equal(0);
    expect(recorder.frames.map((frame) => frame.frame)).to.deep.equal([...Array(batches + 1).keys()].map((i) => i * batchSize));
    expect([stats.transport, stats.allocations, stats.hitRate, stats.skippedFrames]).to.deep.equal(['shared', 2, 1, 0]);
  });
});
