import { expect, fixture, html } from '@open-wc/testing';
import '../src/index.js';
import type { AudioPoolAnalyzer } from '../src/audio-pool-analyzer.js';
import { frameWithSignal, running, stopAnalyzersAndCleanup } from './helpers/analyzer.js';
import { collectEvents, nextEvent } from './helpers/events.js';
import { replaceProperty } from './helpers/globals.js';

/** Analyzers of the test tone, one per group name given (null: no group), in one container. */
async function analyzers(...groups: (string | null)[]): Promise<AudioPoolAnalyzer[]> {
  const container = await fixture<HTMLDivElement>(html`<div>
    ${groups.map(
      (group) => html`<audio-pool-analyzer source="test-tone" batch-size="512" context-group=${group ?? ''}></audio-pool-analyzer>`,
    )}
  </div>`);
  return [...container.querySelectorAll('audio-pool-analyzer')];
}

/** Counts `audioWorklet.addModule()` calls while `body` runs. */
async function countModuleLoads(body: () => Promise<void>): Promise<number> {
  let loads = 0;
  const original = AudioWorklet.prototype.addModule;
  const restore = replaceProperty(
    AudioWorklet.prototype,
    'addModule',
    function (this: AudioWorklet, ...args: Parameters<AudioWorklet['addModule']>) {
      loads++;
      return original.apply(this, args);
    },
  );
  try {
    await body();
  } finally {
    restore();
  }
  return loads;
}

describe('<audio-pool-analyzer>: context groups', () => {
  afterEach(stopAnalyzersAndCleanup);

  it('runs two groups and a loner: one context per group, the module loaded once per context, a node, pool and frames of their own each', async () => {
    const [a1, a2, b1, b2, loner] = (await analyzers('a', 'a', 'b', 'b', null)) as AudioPoolAnalyzer[];
    const all = [a1, a2, b1, b2, loner] as AudioPoolAnalyzer[];
    const loads = await countModuleLoads(async () => {
      for (const analyzer of all) await running(analyzer);
    });
    expect(loads).to.equal(3);
    expect(a1?.context).to.equal(a2?.context);
    expect(b1?.context).to.equal(b2?.context);
    expect(new Set(all.map((analyzer) => analyzer.context)).size).to.equal(3);
    expect(new Set(all.map((analyzer) => analyzer.node)).size).to.equal(5);
    for (const analyzer of all) {
      const { detail } = await frameWithSignal(analyzer);
      expect(detail.rms[0], analyzer.contextGroup ?? 'loner').to.be.closeTo(0.3536, 0.01);
    }
    // Each keeps its own pool: a reset of one leaves the other's counters alone.
    a1?.resetStats();
    const [reset, other] = await Promise.all([a1?.requestStats(), a2?.requestStats()]);
    expect(other?.deliveredBatches).to.be.greaterThan(reset?.deliveredBatches ?? 0);
  });

  it('keeps the context running until the last member stops, then closes it', async () => {
    const [first, second] = (await analyzers('shared', 'shared')) as [AudioPoolAnalyzer, AudioPoolAnalyzer];
    await running(first);
    await running(second);
    const context = first.context as AudioContext;
    await first.stop();
    expect(first.state).to.equal('stopped');
    expect(context.state).to.equal('running');
    await frameWithSignal(second);
    await second.stop();
    expect(context.state).to.equal('closed');
    // A new start makes the group a new context.
    await running(first);
    expect(first.context).to.not.equal(context);
    expect(first.context?.state).to.equal('running');
  });

  it('refuses a member whose sample-rate disagrees with its running group, leaving the group alone', async () => {
    const [first, second] = (await analyzers('rates', 'rates')) as [AudioPoolAnalyzer, AudioPoolAnalyzer];
    await running(first);
    const rate = (first.context as AudioContext).sampleRate;
    second.sampleRate = rate === 22050 ? 48000 : 22050;
    const { events: errors } = collectEvents(second, 'analyzer-error');
    await second.start();
    expect(second.state).to.equal('error');
    expect(errors.map((event) => [event.detail.code, event.detail.attribute])).to.deep.equal([['invalid-attribute', 'sample-rate']]);
    expect(errors[0]?.detail.message).to.contain('context-group "rates"').and.to.contain(`${rate} Hz`);
    await frameWithSignal(first);
    await first.stop();
    expect(second.context).to.equal(null);
    // The same rate as the group's joins it.
    await running(first);
    second.sampleRate = rate;
    await running(second);
    expect(second.context).to.equal(first.context);
  });

  it('refuses a group that is not a name as invalid-attribute, keeping the one it has', async () => {
    const [analyzer] = (await analyzers(null)) as [AudioPoolAnalyzer];
    const refused = nextEvent(analyzer, 'analyzer-error');
    analyzer.contextGroup = 7 as unknown as string;
    const { detail } = await refused;
    expect([detail.code, detail.attribute]).to.deep.equal(['invalid-attribute', 'context-group']);
    expect(detail.message).to.contain('keeping no group');
    expect(analyzer.contextGroup).to.equal(null);
    analyzer.contextGroup = ' mixer ';
    expect(analyzer.contextGroup).to.equal('mixer');
  });

  it("takes a node of the group's context through connectSource() on another member", async () => {
    const [first, second] = (await analyzers('nodes', 'nodes')) as [AudioPoolAnalyzer, AudioPoolAnalyzer];
    await running(first);
    await running(second);
    const oscillator = new OscillatorNode(first.context as AudioContext, { frequency: 1000 });
    const gain = new GainNode(first.context as AudioContext, { gain: 0.1 });
    oscillator.connect(gain);
    oscillator.start();
    try {
      await second.connectSource(gain);
      const { detail } = await nextEvent(second, 'analysis-frame', (event) => Math.abs((event.detail.peak[0] ?? 0) - 0.1) < 0.01);
      expect(detail.rms[0]).to.be.closeTo(0.1 / Math.SQRT2, 0.01);
    } finally {
      oscillator.stop();
    }
  });
});
