import { expect, fixture, html } from '@open-wc/testing';
import '../src/index.js';
import type { AudioPoolAnalyzer } from '../src/audio-pool-analyzer.js';
import { DEFAULT_CONFIG } from '../src/config.js';
import { stopAnalyzersAndCleanup } from './helpers/analyzer.js';
import { collectEvents, nextEvent } from './helpers/events.js';

describe('<audio-pool-analyzer>: configuration', () => {
  afterEach(stopAnalyzersAndCleanup);

  it('has the documented defaults and is idle', async () => {
    const analyzer = await fixture<AudioPoolAnalyzer>(html`<audio-pool-analyzer></audio-pool-analyzer>`);
    expect(analyzer).to.be.instanceOf(customElements.get('audio-pool-analyzer') as CustomElementConstructor);
    expect({
      poolSize: analyzer.poolSize,
      batchSize: analyzer.batchSize,
      timeout: analyzer.timeout,
      channels: analyzer.channels,
      transport: analyzer.transport,
      statsInterval: analyzer.statsInterval,
    }).to.deep.equal(DEFAULT_CONFIG);
    expect([analyzer.source, analyzer.autostart, analyzer.workletUrl]).to.deep.equal([null, false, null]);
    expect(analyzer.state).to.equal('idle');
    expect(analyzer.getAttribute('state')).to.equal('idle');
    expect([analyzer.context, analyzer.node, analyzer.stats]).to.deep.equal([null, null, null]);
  });

  it('reads every option from its kebab-case attribute', async () => {
    const analyzer = await fixture<AudioPoolAnalyzer>(
      html`<audio-pool-analyzer pool-size="4" batch-size="1000" timeout="50" channels="2" transport="allocate" stats-interval="60" source="test-tone" worklet-url="/x.js"></audio-pool-analyzer>`,
    );
    expect([
      analyzer.poolSize,
      analyzer.batchSize,
      analyzer.timeout,
      analyzer.channels,
      analyzer.transport,
      analyzer.statsInterval,
    ]).to.deep.equal([4, 1000, 50, 2, 'allocate', 60]);
    expect([analyzer.source, analyzer.workletUrl]).to.deep.equal(['test-tone', '/x.js']);
  });

  const badValues: [string, string][] = [
    ['pool-size', 'lots'],
    ['pool-size', '1'],
    ['pool-size', '257'],
    ['batch-size', '127'],
    ['batch-size', '16385'],
    ['batch-size', '512.5'],
    ['timeout', '9'],
    ['timeout', ''],
    ['channels', '0'],
    ['channels', '9'],
    ['transport', 'carrier-pigeon'],
    ['stats-interval', '49'],
    ['stats-interval', 'Infinity'],
  ];
  for (const [attribute, value] of badValues) {
    it(`refuses ${attribute}="${value}", keeps the last valid value and says why`, async () => {
      const analyzer = await fixture<AudioPoolAnalyzer>(html`<audio-pool-analyzer></audio-pool-analyzer>`);
      const before = analyzer.getAttribute(attribute);
      const property = { 'pool-size': 'poolSize', 'batch-size': 'batchSize', 'stats-interval': 'statsInterval' }[attribute] ?? attribute;
      const valid = (analyzer as unknown as Record<string, unknown>)[property];
      const error = nextEvent(analyzer, 'analyzer-error');
      analyzer.setAttribute(attribute, value);
      const { detail } = await error;
      expect(detail.code).to.equal('invalid-attribute');
      expect(detail.attribute).to.equal(attribute);
      expect(detail.message).to.contain(attribute);
      expect((analyzer as unknown as Record<string, unknown>)[property]).to.equal(valid);
      expect(before).to.equal(null);
    });
  }

  it('refuses bad property values the same way, without throwing', async () => {
    const analyzer = await fixture<AudioPoolAnalyzer>(html`<audio-pool-analyzer pool-size="8"></audio-pool-analyzer>`);
    const errors = collectEvents(analyzer, 'analyzer-error');
    analyzer.poolSize = Number.NaN;
    analyzer.batchSize = -5;
    // Plain JavaScript can pass anything; TypeScript refuses this one (test/types/consumer.ts).
    (analyzer as { transport: unknown }).transport = 'PING-PONG';
    errors.stop();
    expect(errors.events.map((event) => event.detail.attribute)).to.deep.equal(['pool-size', 'batch-size', 'transport']);
    expect([analyzer.poolSize, analyzer.batchSize, analyzer.transport]).to.deep.equal([8, 1024, 'auto']);
  });

  it('reports bad attributes written in the markup once connected', async () => {
    const container = document.createElement('div');
    container.innerHTML = '<audio-pool-analyzer channels="twelve"></audio-pool-analyzer>';
    const error = nextEvent(container, 'analyzer-error');
    document.body.append(container);
    expect((await error).detail.attribute).to.equal('channels');
    container.remove();
  });

  it('goes back to the default when an attribute is removed', async () => {
    const analyzer = await fixture<AudioPoolAnalyzer>(html`<audio-pool-analyzer batch-size="256"></audio-pool-analyzer>`);
    analyzer.removeAttribute('batch-size');
    expect(analyzer.batchSize).to.equal(1024);
  });
});
