import { expect, fixture, html } from '@open-wc/testing';
import '../src/index.js';
import type { AudioPoolAnalyzer } from '../src/audio-pool-analyzer.js';
import { running, statsWhere, stopAnalyzersAndCleanup, toneAnalyzer } from './helpers/analyzer.js';
import { nextEvent } from './helpers/events.js';
import { ABSENT, replaceProperty } from './helpers/globals.js';

describe('<audio-pool-analyzer>: lifecycle', () => {
  afterEach(stopAnalyzersAndCleanup);

  it('reports a worklet URL that 404s and starts once it is fixed', async () => {
    const analyzer = await toneAnalyzer({ 'worklet-url': '/nowhere/worklet.js' });
    const error = nextEvent(analyzer, 'analyzer-error');
    await analyzer.start();
    const { detail } = await error;
    expect(detail.code).to.equal('worklet-load-failed');
    expect(detail.message).to.contain('/nowhere/worklet.js');
    expect(analyzer.state).to.equal('error');
    analyzer.workletUrl = null;
    await running(analyzer);
  });

  it('stops when removed from the document and starts again when re-inserted with autostart', async () => {
    const analyzer = await toneAnalyzer({ autostart: '' });
    await nextEvent(analyzer, 'state-change', (event) => event.detail.state === 'running');
    const context = analyzer.context as AudioContext;
    const parent = analyzer.parentElement as HTMLElement;
    const stopped = nextEvent(analyzer, 'state-change', (event) => event.detail.state === 'stopped');
    analyzer.remove();
    await stopped;
    expect(context.state).to.equal('closed');
    const restarted = nextEvent(analyzer, 'state-change', (event) => event.detail.state === 'running');
    parent.append(analyzer);
    await restarted;
    expect(analyzer.context).to.not.equal(context);
    await nextEvent(analyzer, 'analysis-frame');
  });

  it('survives stop() during start()', async () => {
    const analyzer = await toneAnalyzer();
    const starting = analyzer.start();
    await analyzer.stop();
    await starting;
    expect(analyzer.state).to.equal('stopped');
    expect(analyzer.context).to.equal(null);
    await running(analyzer);
  });

  it('follows a context suspended underneath it, and start() resumes it', async () => {
    const analyzer = await toneAnalyzer();
    await running(analyzer);
    const suspended = nextEvent(analyzer, 'state-change', (event) => event.detail.state === 'suspended');
    const context = analyzer.context as AudioContext;
    await context.suspend();
    await suspended;
    const frameAtSuspend = Math.round(context.currentTime * context.sampleRate);
    await analyzer.start();
    expect([analyzer.state, analyzer.context]).to.deep.equal(['running', context]);
    // Capture goes on in the same context where it left off.
    const { detail } = await nextEvent(analyzer, 'analysis-frame');
    expect(detail.frame + analyzer.batchSize).to.be.at.least(frameAtSuspend);
  });

  it('requestStats() answers with a snapshot taken now; stopped, with the last one; null before the first start', async () => {
    const analyzer = await toneAnalyzer({ 'batch-size': 128, 'stats-interval': 10000 });
    expect(await analyzer.requestStats()).to.equal(null);
    await running(analyzer);
    // The periodic snapshot comes at the first quantum and then not for 10 s: only a fresh one counts these batches.
    await nextEvent(analyzer, 'analysis-frame', (event) => event.detail.sequence >= 20);
    const event = nextEvent(analyzer, 'pool-stats');
    const stats = await analyzer.requestStats();
    expect(stats?.deliveredBatches).to.be.at.least(21);
    expect((await event).detail).to.equal(stats);
    await analyzer.stop();
    const last = analyzer.stats;
    expect(await analyzer.requestStats()).to.equal(last);
  });

  it('is not displayed, nor its children, while hidden', async () => {
    const analyzer = await fixture<AudioPoolAnalyzer>(html`<audio-pool-analyzer hidden><span>child</span></audio-pool-analyzer>`);
    const child = analyzer.querySelector('span') as HTMLSpanElement;
    expect(getComputedStyle(analyzer).display).to.equal('none');
    expect(child.getClientRects().length).to.equal(0);
    analyzer.hidden = false;
    expect(getComputedStyle(analyzer).display).to.equal('contents');
    expect(child.getClientRects().length).to.be.greaterThan(0);
  });

  it('runs two analyzers independently', async () => {
    const container = await fixture<HTMLDivElement>(html`<div>
      <audio-pool-analyzer source="test-tone" transport="ping-pong" batch-size="128" pool-size="4" timeout="60000"></audio-pool-analyzer>
      <audio-pool-analyzer source="test-tone" transport="ping-pong" batch-size="512" pool-size="8" timeout="60000"></audio-pool-analyzer>
    </div>`);
    const [first, second] = [...container.querySelectorAll('audio-pool-analyzer')] as AudioPoolAnalyzer[];
    if (!first || !second) throw new Error('fixture incomplete');
    await Promise.all([running(first), running(second)]);
    expect(first.context).to.not.equal(second.context);
    const [a, b] = await Promise.all([
      statsWhere(first, (s) => s.deliveredBatches > 20),
      statsWhere(second, (s) => s.deliveredBatches > 5),
    ]);
    expect([a.detail.batchSize, a.detail.allocations]).to.deep.equal([128, 4]);
    expect([b.detail.batchSize, b.detail.allocations]).to.deep.equal([512, 8]);
    await first.stop();
    await nextEvent(second, 'analysis-frame');
  });

  for (const [what, owner, key, value, code] of [
    ['a browser without AudioWorklet as unsupported', window, 'AudioWorkletNode', ABSENT, 'unsupported'],
    ['an insecure context', window, 'isSecureContext', false, 'insecure-context'],
  ] as const) {
    it(`reports ${what}`, async () => {
      const analyzer = await fixture<AudioPoolAnalyzer>(html`<audio-pool-analyzer></audio-pool-analyzer>`);
      const restore = replaceProperty(owner, key, value);
      try {
        const error = nextEvent(analyzer, 'analyzer-error');
        await analyzer.start();
        expect((await error).detail.code).to.equal(code);
        expect(analyzer.state).to.equal('error');
      } finally {
        restore();
      }
      expect([typeof AudioWorkletNode, window.isSecureContext]).to.deep.equal(['function', true]);
    });
  }
});
