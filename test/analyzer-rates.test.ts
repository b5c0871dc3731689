import { expect, fixture, html } from '@open-wc/testing';
import '../src/index.js';
import type { AudioPoolAnalyzer } from '../src/audio-pool-analyzer.js';
import { TEST_TONE } from '../src/audio-sources.js';
import type { AnalysisFrame } from '../src/events.js';
import { frameWithSignal, running, stopAnalyzersAndCleanup, toneAnalyzer } from './helpers/analyzer.js';
import { replaceAudioContext } from './helpers/audio-context.js';
import { collectEvents, keepFrame, nextEvent } from './helpers/events.js';
import { RampFollower, rampSource } from './helpers/signals.js';
import { expectAccounted, expectContiguous, type FrameSpan, frameSpan } from './helpers/stats.js';

const BATCH = 1024;
/** 8000 Hz where the engine allows it; where not, it must say so and run at the device's rate. */
const RATES = [8000, 22050, 44100, 48000, 96000];

/**
 * `count` frames in a row with nothing missing between them (no skip, no render gap), their
 * samples copied during dispatch, from the tenth that carries the tone: past start-up. A frame
 * that says something is missing before it starts the run again from itself: a loaded machine
 * can leap over frames at any time, and these checks want samples contiguous in time.
 */
async function toneFrames(analyzer: AudioPoolAnalyzer, count: number): Promise<{ detail: AnalysisFrame; samples: Float32Array }[]> {
  const first = await frameWithSignal(analyzer, { nth: 10 });
  let frames = [{ detail: first.detail, samples: first.samples[0] as Float32Array }];
  await new Promise<void>((done) => {
    const listener = ({ detail }: HTMLElementEventMap['analysis-frame']) => {
      const samples = (detail.channelData[0] as Float32Array).slice();
      if (detail.skippedFrames + detail.gapFrames > 0) {
        frames = [{ detail: keepFrame(detail), samples }];
        return;
      }
      frames.push({ detail: keepFrame(detail), samples });
      if (frames.length === count) {
        analyzer.removeEventListener('analysis-frame', listener);
        done();
      }
    };
    analyzer.addEventListener('analysis-frame', listener);
  });
  return frames;
}

/** Sign changes per second over contiguous frames (a sine crosses zero twice per period). */
function crossingsPerSecond(frames: { samples: Float32Array }[], sampleRate: number): number {
  let crossings = 0;
  let previous = 0;
  let length = 0;
  for (const { samples } of frames) {
    for (const sample of samples) {
      if (sample !== 0) {
        if (previous !== 0 && Math.sign(sample) !== Math.sign(previous)) crossings++;
        previous = sample;
      }
      length++;
    }
  }
  return (crossings * sampleRate) / length;
}

/** Replaces AudioContext with a subclass that records the options it was made with, and refuses `refuse` rates. */
function recordContextOptions(refuse: (rate: number) => boolean = () => false): { made: AudioContextOptions[]; restore: () => void } {
  const made: AudioContextOptions[] = [];
  const restore = replaceAudioContext({
    refuse(options) {
      if (options.sampleRate !== undefined && refuse(options.sampleRate)) {
        throw new DOMException(`${options.sampleRate} Hz is not supported here`, 'NotSupportedError');
      }
    },
    adjust(_context, options) {
      made.push({ ...options });
    },
  });
  return { made, restore };
}

describe('<audio-pool-analyzer>: sample rates and latency', () => {
  afterEach(stopAnalyzersAndCleanup);

  for (const rate of RATES) {
    it(`captures at ${rate} Hz: contiguous frames stamped with the rate, the tone's rms, 440 Hz in its zero crossings`, async () => {
      const analyzer = await toneAnalyzer({ 'sample-rate': rate, 'batch-size': BATCH });
      const { events: errors } = collectEvents(analyzer, 'analyzer-error');
      await running(analyzer);
      const context = analyzer.context as AudioContext;
      // Where the engine refuses the rate it must say so, and run at the device's rate.
      if (context.sampleRate !== rate) {
        expect(errors.map((event) => event.detail.code)).to.deep.equal(['unsupported']);
        expect(errors[0]?.detail.message).to.contain(`${rate} Hz`);
      } else {
        expect(errors).to.deep.equal([]);
      }
      const actual = context.sampleRate;
      const frames = await toneFrames(analyzer, 8);
      frames.forEach(({ detail }, i) => {
        expect(detail.sampleRate).to.equal(actual);
        expect(detail.time).to.be.closeTo(detail.frame / actual, 1e-9);
        // Nothing said missing before it: it begins where the one before it ended.
        if (i > 0) expect(detail.frame - (frames[i - 1]?.detail.frame ?? 0), `frame ${i}`).to.equal(BATCH);
      });
      const { detail } = frames.at(-1) as { detail: AnalysisFrame };
      expect(detail.rms[0]).to.be.closeTo(TEST_TONE.amplitude / Math.SQRT2, 0.01);
      expect(crossingsPerSecond(frames.slice(1), actual)).to.be.closeTo(2 * TEST_TONE.frequency, 2 * TEST_TONE.frequency * 0.02);
      const { detail: stats } = await nextEvent(analyzer, 'pool-stats');
      expect(stats.sampleRate).to.equal(actual);
    });
  }

  for (const rate of RATES) {
    it(`delivers a ramp sample-exact at ${rate} Hz, each frame saying what is missing before it`, async () => {
      const analyzer = await fixture<AudioPoolAnalyzer>(
        html`<audio-pool-analyzer sample-rate=${rate} batch-size=${BATCH}></audio-pool-analyzer>`,
      );
      await running(analyzer);
      const ramp = rampSource(analyzer.context as AudioContext, 4096, true);
      const follower = new RampFollower();
      const spans: FrameSpan[] = [];
      const followed = nextEvent(analyzer, 'analysis-frame', ({ detail }) => {
        follower.check(detail.channelData, detail.skippedFrames);
        spans.push(frameSpan(detail));
        return follower.checked >= 8 * BATCH;
      });
      ramp.start();
      await analyzer.connectSource(ramp);
      await followed;
      const { detail: stats } = await nextEvent(analyzer, 'pool-stats');
      expect(follower.mismatches, 'samples out of order, altered or unaccounted for').to.equal(0);
      expectContiguous(spans, stats.renderGapFrames);
      expectAccounted(stats);
      ramp.stop();
    });
  }

  for (const rate of RATES) {
    it(`reclaims a retained buffer after the timeout in ms of audio time at ${rate} Hz`, async () => {
      const timeout = 300;
      const analyzer = await toneAnalyzer({ 'sample-rate': rate, transport: 'ping-pong', 'batch-size': 128, timeout });
      let retained: { bufferId: number; endTime: number; gapFramesBefore: number } | undefined;
      // Where the context's clock stood when the worklet reclaimed: after the end of the last batch
      // it posted before the reclaim, and before the start of the first batch it posted after
      // (ping-pong posts both on one port, in order), whenever the page gets to handle them. The
      // two are one instant unless the pool ran short meanwhile (a page too busy to return
      // buffers, on a loaded machine) and batches were skipped between them.
      let lastFrameEnd = 0;
      let endBeforeReclaim: number | undefined;
      let startAfterReclaim: number | undefined;
      analyzer.addEventListener('analysis-frame', (event) => {
        if (endBeforeReclaim !== undefined) startAfterReclaim ??= event.detail.time;
        lastFrameEnd = event.detail.time + 128 / event.detail.sampleRate;
        if (retained !== undefined) return;
        event.detail.retain();
        const gapFramesBefore = analyzer.stats?.renderGapFrames ?? 0;
        retained = { bufferId: event.detail.bufferId, endTime: lastFrameEnd, gapFramesBefore };
      });
      const reclaimed = nextEvent(analyzer, 'buffer-reclaimed', (event) => {
        if (event.detail.bufferId !== retained?.bufferId) return false;
        endBeforeReclaim = lastFrameEnd;
        return true;
      });
      await running(analyzer);
      const actual = analyzer.context?.sampleRate as number;
      // An engine that refuses the rate runs the analyzer at the device's (the test above checks the error): the timeout holds there too.
      if (actual !== rate) expect(rate, 'only 8000 Hz may be refused').to.equal(8000);
      const { detail } = await reclaimed;
      await nextEvent(analyzer, 'analysis-frame');
      // Frames the clock leapt over while the buffer was out (a loaded machine's render gaps) age it at once.
      const { detail: stats } = await nextEvent(analyzer, 'pool-stats');
      const gapMs = ((stats.renderGapFrames - (retained?.gapFramesBefore ?? 0)) * 1000) / actual;
      // Checked once per render quantum: reclaimed within a quantum or two of the timeout, as the worklet tells it.
      expect(detail.ageMs).to.be.within(timeout, timeout + (2 * 128 * 1000) / actual + gapMs);
      // And in the context's time the frames carry: not before the timeout, nor after it by more
      // than the quanta between the reclaim and the batches around it (a wrong rate would be off by 2 × or more).
      const quantum = 128 / actual;
      const due = (retained?.endTime ?? 0) + timeout / 1000;
      expect(endBeforeReclaim, 'the end of the last batch before the reclaim').to.be.at.most(due + 3 * quantum + gapMs / 1000);
      expect(startAfterReclaim, 'the start of the first batch after it').to.be.at.least(due - 2 * quantum);
    });
  }

  it('takes the rate and the latency hint into the next context, and leaves a running one as it is', async () => {
    const { made, restore } = recordContextOptions();
    try {
      const analyzer = await toneAnalyzer({ 'sample-rate': 22050, 'latency-hint': 'playback' });
      await running(analyzer);
      expect(made).to.deep.equal([{ latencyHint: 'playback', sampleRate: 22050 }]);
      analyzer.sampleRate = 48000;
      analyzer.latencyHint = 0.05;
      expect(analyzer.context?.sampleRate).to.equal(22050);
      await analyzer.stop();
      analyzer.setAttribute('sample-rate', '');
      await running(analyzer);
      expect(made[1]).to.deep.equal({ latencyHint: 0.05 });
      expect(analyzer.sampleRate).to.equal(null);
    } finally {
      restore();
    }
  });

  it('starts at the device rate, with an unsupported error, when the browser refuses the rate', async () => {
    const { made, restore } = recordContextOptions((rate) => rate === 96000);
    try {
      const analyzer = await toneAnalyzer({ 'sample-rate': 96000 });
      const refused = nextEvent(analyzer, 'analyzer-error');
      await running(analyzer);
      const { detail } = await refused;
      expect(detail.code).to.equal('unsupported');
      expect(detail.message).to.contain('96000 Hz').and.to.contain("device's rate");
      expect(made).to.deep.equal([{ latencyHint: 'interactive' }]);
      await frameWithSignal(analyzer);
    } finally {
      restore();
    }
  });

  it('refuses rates and hints it cannot take as invalid-attribute, keeping the last good value', async () => {
    const analyzer = await toneAnalyzer({ 'sample-rate': 48000 });
    const { events: errors } = collectEvents(analyzer, 'analyzer-error');
    for (const value of ['7999', '192001', '44100.5', 'fast']) analyzer.setAttribute('sample-rate', value);
    for (const value of ['0', '-1', '11', 'soon']) analyzer.setAttribute('latency-hint', value);
    expect(analyzer.sampleRate).to.equal(48000);
    expect(analyzer.latencyHint).to.equal('interactive');
    expect(errors.map((event) => [event.detail.code, event.detail.attribute])).to.deep.equal([
      ...Array(4).fill(['invalid-attribute', 'sample-rate']),
      ...Array(4).fill(['invalid-attribute', 'latency-hint']),
    ]);
    expect(errors[0]?.detail.message).to.contain('8000 to 192000').and.to.contain('keeping 48000');
    analyzer.setAttribute('latency-hint', '0.25');
    expect(analyzer.latencyHint).to.equal(0.25);
    analyzer.setAttribute('latency-hint', 'balanced');
    expect(analyzer.latencyHint).to.equal('balanced');
  });
});
