import { expect, fixture, html } from '@open-wc/testing';
import '../src/index.js';
import type { AnalyzerStats } from '../src/events.js';
import { WORKLET_ERROR_CODES } from '../src/protocol.js';
import { running, statsWhere, stopAnalyzersAndCleanup, toneAnalyzer } from './helpers/analyzer.js';
import { Conditions } from './helpers/conditions.js';
import { blockMainThread, collectEvents, nextEvent } from './helpers/events.js';

const EVENT_NAMES = ['analysis-frame', 'pool-stats', 'pool-exhausted', 'buffer-reclaimed', 'state-change', 'analyzer-error'] as const;

describe('<audio-pool-analyzer>: events', () => {
  afterEach(stopAnalyzersAndCleanup);

  it('fires every event bubbling and composed, so it reaches the document from inside a shadow root', async () => {
    const host = await fixture<HTMLDivElement>(html`<div></div>`);
    const analyzer = document.createElement('audio-pool-analyzer');
    // Two buffers of 128 frames (5 ms) run dry in any stall; a 10 ms timeout reclaims the one retained.
    for (const [name, value] of Object.entries({
      source: 'test-tone',
      transport: 'ping-pong',
      'pool-size': '2',
      'batch-size': '128',
      timeout: '10',
    })) {
      analyzer.setAttribute(name, value);
    }
    host.attachShadow({ mode: 'open' }).append(analyzer);
    const seen = new Map<string, { bubbles: boolean; composed: boolean; origin: EventTarget | undefined; target: EventTarget | null }>();
    const conditions = new Conditions(() => `seen: ${[...seen.keys()].join(', ')}`);
    const listener = (event: Event) => {
      if (!seen.has(event.type))
        seen.set(event.type, { bubbles: event.bubbles, composed: event.composed, origin: event.composedPath()[0], target: event.target });
      conditions.changed();
    };
    for (const name of EVENT_NAMES) document.addEventListener(name, listener);
    try {
      analyzer.addEventListener('analysis-frame', (event) => event.detail.retain(), { once: true });
      await running(analyzer);
      analyzer.setAttribute('channels', 'many');
      blockMainThread(100);
      await conditions.until(() => seen.size === EVENT_NAMES.length, 'every event at the document', 10000);
    } finally {
      for (const name of EVENT_NAMES) document.removeEventListener(name, listener);
    }
    for (const name of EVENT_NAMES) {
      // Retargeted to the shadow host outside the shadow root, from the analyzer inside it.
      expect(seen.get(name), name).to.deep.equal({ bubbles: true, composed: true, origin: analyzer, target: host });
    }
  });

  it('says where each exhaustion began: the next frame skipped from the frame pool-exhausted names', async () => {
    const analyzer = await toneAnalyzer({ transport: 'ping-pong', 'pool-size': 2, 'batch-size': 128, timeout: 60000 });
    await running(analyzer);
    await nextEvent(analyzer, 'analysis-frame');
    // Both arrive through the worklet's port, in the order the worklet posted them.
    const arrivals: (
      | { exhausted: number; time: number }
      | { missingFrom: number; skipped: number; gap: number; frame: number; sampleRate: number }
    )[] = [];
    const onExhausted = (event: HTMLElementEventMap['pool-exhausted']) =>
      arrivals.push({ exhausted: event.detail.frame, time: event.detail.time });
    const onFrame = (event: HTMLElementEventMap['analysis-frame']) => {
      const { frame, skippedFrames, gapFrames, sampleRate } = event.detail;
      arrivals.push({ missingFrom: frame - skippedFrames - gapFrames, skipped: skippedFrames, gap: gapFrames, frame, sampleRate });
    };
    analyzer.addEventListener('pool-exhausted', onExhausted);
    analyzer.addEventListener('analysis-frame', onFrame);
    blockMainThread(200);
    // A frame that ends an episode this test saw begin (a browser rendering in bursts, as Firefox
    // does, can run two buffers dry before the listeners were in place).
    await nextEvent(
      analyzer,
      'analysis-frame',
      (event) => event.detail.skippedFrames > 0 && arrivals.some((arrival) => 'exhausted' in arrival),
    );
    analyzer.removeEventListener('pool-exhausted', onExhausted);
    analyzer.removeEventListener('analysis-frame', onFrame);
    let checked = 0;
    arrivals.forEach((arrival, i) => {
      if (!('exhausted' in arrival)) return;
      const next = arrivals.slice(i + 1).find((later) => 'missingFrom' in later);
      if (next === undefined || !('missingFrom' in next)) return;
      expect(next.skipped, 'the frame after an exhaustion says it skipped').to.be.greaterThan(0);
      expect(arrival.time).to.equal(arrival.exhausted / next.sampleRate);
      // The first skipped batch starts where the previous frame ended, unless a render gap came first.
      if (next.gap === 0) expect(arrival.exhausted).to.equal(next.missingFrom);
      else expect(arrival.exhausted).to.be.within(next.missingFrom, next.frame - 128);
      checked++;
    });
    expect(checked).to.be.at.least(1);
  });

  it('sends a stats update every stats-interval of audio time, and follows a change of it while running', async () => {
    const analyzer = await toneAnalyzer({ 'batch-size': 128, 'stats-interval': 50 });
    await running(analyzer);
    const spacing = async (intervalMs: number) => {
      await analyzer.updateComplete;
      // A snapshot asked for now comes after the change (the worklet takes messages in order) and
      // starts the next interval; those still on their way from before it are left out, however
      // many a busy page has yet to read.
      const updates = collectEvents(analyzer, 'pool-stats');
      const from = (await analyzer.requestStats())?.currentFrame ?? 0;
      const since = () => updates.events.map((event) => event.detail).filter((stats) => stats.currentFrame >= from);
      await nextEvent(analyzer, 'pool-stats', () => since().length >= 6);
      updates.stop();
      const snapshots = since();
      for (let i = 1; i < snapshots.length; i++) {
        const [previous, current] = [snapshots[i - 1] as AnalyzerStats, snapshots[i] as AnalyzerStats];
        const rendered = current.currentFrame - previous.currentFrame - (current.renderGapFrames - previous.renderGapFrames);
        // At the first render quantum (128 frames) that reaches the interval.
        expect(rendered).to.be.within((intervalMs * current.sampleRate) / 1000, (intervalMs * current.sampleRate) / 1000 + 128);
      }
    };
    await spacing(50);
    analyzer.statsInterval = 200;
    await spacing(200);
  });

  it('passes on each error the worklet reports as an analyzer-error of its own code', async () => {
    const analyzer = await toneAnalyzer({ 'worklet-url': '/test/fixtures/error-reporting-processor.js' });
    const errors = collectEvents(analyzer, 'analyzer-error');
    await running(analyzer);
    // They come as the processor is made, most likely all before start() resolves.
    if (errors.events.length < WORKLET_ERROR_CODES.length) {
      await nextEvent(analyzer, 'analyzer-error', () => errors.events.length >= WORKLET_ERROR_CODES.length);
    }
    errors.stop();
    expect(Object.fromEntries(errors.events.map((event) => [event.detail.message, event.detail.code]))).to.deep.equal({
      'worklet: invalid-message on purpose': 'invalid-message',
      'worklet: invalid-config on purpose': 'invalid-attribute',
      'worklet: protocol-mismatch on purpose': 'worklet-load-failed',
      'worklet: processor-error on purpose': 'processor-error',
      'worklet: transport-unavailable on purpose': 'transport-unavailable',
    });
    expect(WORKLET_ERROR_CODES).to.have.length(5);
  });

  it('reports a malformed message from the worklet as invalid-message and keeps running', async () => {
    const analyzer = await toneAnalyzer();
    await running(analyzer);
    const error = nextEvent(analyzer, 'analyzer-error');
    analyzer.node?.port.dispatchEvent(new MessageEvent('message', { data: { type: 'nonsense' } }));
    const { detail } = await error;
    expect(detail.code).to.equal('invalid-message');
    const { detail: stats } = await statsWhere(analyzer, (next) => next.invalidWorkletMessages === 1);
    expect(analyzer.state).to.equal('running');
    const delivered = stats.deliveredBatches;
    await statsWhere(analyzer, (next) => next.deliveredBatches > delivered);
  });

  it('reports a processor that fails as processor-error, and stops', async () => {
    const analyzer = await toneAnalyzer({ 'worklet-url': '/test/fixtures/failing-processor.js' });
    const error = nextEvent(analyzer, 'analyzer-error');
    const stopped = nextEvent(analyzer, 'state-change', (event) => event.detail.state === 'stopped' || event.detail.state === 'error');
    void analyzer.start();
    const { detail } = await error;
    expect(detail.code).to.equal('processor-error');
    await stopped;
    expect([analyzer.state, analyzer.context]).to.deep.equal(['error', null]);
  });
});
