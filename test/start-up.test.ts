import { expect, fixture, html } from '@open-wc/testing';
import '../src/index.js';
import type { AudioPoolAnalyzer } from '../src/audio-pool-analyzer.js';
import { RENDER_WAIT_MS } from '../src/capture-controller.js';
import type { AnalysisFrame } from '../src/events.js';
import { stopAnalyzersAndCleanup, toneAnalyzer } from './helpers/analyzer.js';
import { replaceAudioContext } from './helpers/audio-context.js';
import { collectEvents, nextEvent } from './helpers/events.js';

/** The context frame its clock reads now. */
function clockFrame(context: BaseAudioContext): number {
  return Math.round(context.currentTime * context.sampleRate);
}

const BATCH_SIZE = 512;

/**
 * The peak of the first batch that begins at context frame `at` or later, from the frames
 * collected so far or the ones to come. (Not the batch holding `at`: a frame the browser never
 * rendered, as Chromium skips some at start, may be in no batch.)
 */
async function peakOfFirstBatchFrom(
  analyzer: AudioPoolAnalyzer,
  collected: { events: { detail: AnalysisFrame }[] },
  at: number,
): Promise<number> {
  const from = (frame: AnalysisFrame) => frame.frame >= at;
  const seen = collected.events.find((event) => from(event.detail));
  const { detail } = seen ?? (await nextEvent(analyzer, 'analysis-frame', (event) => from(event.detail)));
  return detail.peak[0] ?? 0;
}

/**
 * Makes the analyzer's next AudioContext one that says it runs while it renders nothing (it is
 * suspended underneath) until `render()` is called: as a context whose output never opens.
 */
function contextThatSaysItRuns(): { render(): Promise<void>; restore(): void } {
  let render = (): Promise<void> => Promise.reject(new Error('no context created'));
  const restore = replaceAudioContext({
    adjust(context, _options, Real) {
      void Real.prototype.suspend.call(context);
      Object.defineProperty(context, 'state', { get: () => 'running' });
      context.resume = () => Promise.resolve();
      render = () => Real.prototype.resume.call(context);
    },
  });
  return { render: () => render(), restore };
}

/**
 * Makes the analyzer's next AudioContext one that starts suspended and whose `resume()` waits for
 * `gesture()`: as the autoplay policy does without a user gesture.
 */
function contextAwaitingAGesture(): { gesture(): void; restore(): void } {
  let allowed: () => void = () => {};
  const gesture = new Promise<void>((resolve) => {
    allowed = resolve;
  });
  const restore = replaceAudioContext({
    adjust(context, _options, Real) {
      void Real.prototype.suspend.call(context);
      context.resume = () => gesture.then(() => Real.prototype.resume.call(context));
    },
  });
  return { gesture: allowed, restore };
}

describe('start-up: running means frames flow', () => {
  afterEach(stopAnalyzersAndCleanup);

  // Eight starts on one page: Firefox opens its output about two seconds after resume(), and
  // says suspended until then only some of the time (a one-second wait for resume() reported 10
  // of 20 starts in the bench as suspended, and failed this test in 10 starts).
  it('start() resolves once audio is rendered: the clock has moved and no frame before it is lost, start after start', async () => {
    const analyzer = await toneAnalyzer({ 'batch-size': BATCH_SIZE });
    let clockWhenRunning = -1;
    analyzer.addEventListener('state-change', (event) => {
      if (event.detail.state === 'running') clockWhenRunning = clockFrame(analyzer.context as AudioContext);
    });
    for (let round = 0; round < 8; round++) {
      const states = collectEvents(analyzer, 'state-change');
      const frames = collectEvents(analyzer, 'analysis-frame');
      await analyzer.start();
      const context = analyzer.context as AudioContext;
      const resolvedAt = clockFrame(context);
      expect(analyzer.state).to.equal('running');
      expect(states.events.map((event) => event.detail.state)).to.deep.equal(['starting', 'running']);
      expect(clockWhenRunning, 'clock when state-change says running').to.be.greaterThan(0);
      expect(resolvedAt).to.be.at.least(clockWhenRunning);
      const first = frames.events[0]?.detail ?? (await nextEvent(analyzer, 'analysis-frame')).detail;
      // The first batch began by the time start() resolved (the clock on the page can lag the audio
      // thread by a quantum, so it may begin exactly there): capture was live by then.
      expect(first.sequence).to.equal(0);
      expect(first.frame).to.be.at.most(resolvedAt);
      // And the tone is in what is rendered from then on.
      expect(await peakOfFirstBatchFrom(analyzer, frames, resolvedAt)).to.be.closeTo(0.5, 0.01);
      frames.stop();
      states.stop();
      await analyzer.stop();
    }
  });

  it('a context that says it runs but renders nothing: start() resolves, stalled and not-rendering; running once audio flows', async () => {
    const context = contextThatSaysItRuns();
    try {
      const analyzer = await toneAnalyzer();
      const states = collectEvents(analyzer, 'state-change');
      const error = nextEvent(analyzer, 'analyzer-error', () => true, RENDER_WAIT_MS + 15000);
      await analyzer.start();
      expect(analyzer.state).to.equal('stalled');
      const { detail } = await error;
      expect(detail.code).to.equal('not-rendering');
      expect(detail.message).to.contain(`${RENDER_WAIT_MS / 1000} s`);
      expect(states.events.map((event) => event.detail.state)).to.deep.equal(['starting', 'stalled']);
      const running = nextEvent(analyzer, 'state-change', (event) => event.detail.state === 'running');
      await context.render();
      await running;
      await nextEvent(analyzer, 'analysis-frame');
    } finally {
      context.restore();
    }
  });

  it('resumed after the autoplay policy held it: running only once audio is rendered', async () => {
    const context = contextAwaitingAGesture();
    try {
      const analyzer = await toneAnalyzer({ 'batch-size': BATCH_SIZE });
      await analyzer.start();
      expect(analyzer.state).to.equal('suspended');
      const audioContext = analyzer.context as AudioContext;
      const heldAt = clockFrame(audioContext);
      const frames = collectEvents(analyzer, 'analysis-frame');
      context.gesture();
      await analyzer.start();
      const resolvedAt = clockFrame(audioContext);
      expect(analyzer.state).to.equal('running');
      expect(resolvedAt).to.be.greaterThan(heldAt);
      const first = frames.events[0]?.detail ?? (await nextEvent(analyzer, 'analysis-frame')).detail;
      expect(first.frame).to.be.at.most(resolvedAt);
      expect(await peakOfFirstBatchFrom(analyzer, frames, resolvedAt)).to.be.closeTo(0.5, 0.01);
      frames.stop();
    } finally {
      context.restore();
    }
  });

  it('connectSource() while running resolves once audio with the new source is rendered', async () => {
    const analyzer = await fixture<AudioPoolAnalyzer>(html`<audio-pool-analyzer batch-size=${BATCH_SIZE}></audio-pool-analyzer>`);
    await analyzer.start();
    const context = analyzer.context as AudioContext;
    const constant = new ConstantSourceNode(context, { offset: 0.5 });
    constant.start();
    const frames = collectEvents(analyzer, 'analysis-frame');
    await analyzer.connectSource(constant);
    const resolvedAt = clockFrame(context);
    // What is rendered from the moment connectSource() resolved carries the source.
    expect(await peakOfFirstBatchFrom(analyzer, frames, resolvedAt)).to.equal(0.5);
    frames.stop();
    constant.stop();
  });
});
