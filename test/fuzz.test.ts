import { expect } from '@open-wc/testing';
import '../src/index.js';
import type { AnalyzerStats } from '../src/events.js';
import { stopAnalyzersAndCleanup, toneAnalyzer } from './helpers/analyzer.js';
import { CaptureRecorder } from './helpers/capture-recorder.js';
import { nextEvent } from './helpers/events.js';
import { junkMessage } from './helpers/junk.js';
import { randomInt, seededRandom } from './helpers/random.js';
import { expectAccounted } from './helpers/stats.js';

describe('fuzz', () => {
  afterEach(stopAnalyzersAndCleanup);

  it('survives 10,000 random and malformed messages posted straight at the processor, accounting intact', async () => {
    const context = new AudioContext({ sampleRate: 48000 });
    try {
      const recorder = await CaptureRecorder.create(context, { batchSize: 128, poolSize: 8, statsInterval: 50 });
      new OscillatorNode(context).connect(recorder.node);
      await recorder.framesReached(10);
      const random = seededRandom(7);
      for (let i = 0; i < 10000; i++) {
        const message = junkMessage(random);
        const transfer = message instanceof ArrayBuffer && randomInt(random, 2) === 0 ? [message] : [];
        recorder.node.port.postMessage(message, transfer);
        // Now and then, let the worklet catch up: its answer comes after every message before it.
        if (i % 500 === 499) await recorder.session.requestStats();
      }
      // Valid configurations among the junk may have changed the pool: put it back, then check.
      recorder.session.configure({ batchSize: 128, poolSize: 8, channels: 1, transport: 'ping-pong', timeout: 1000 });
      const deliveredBefore = recorder.frames.length;
      await recorder.framesReached(deliveredBefore + 100);
      const stats = await recorder.session.requestStats();
      expect(recorder.processorErrors).to.have.length(0);
      expect(stats.processErrors).to.equal(0);
      // Counted since the last reset-stats among the junk.
      expect(stats.invalidMessages).to.be.greaterThan(0);
      expectAccounted(stats);
      expect(stats.buffers).to.equal(8);
      // Reported, at most one error a stats interval (the rest counted), and only for what the junk was.
      expect(recorder.errors.length).to.be.within(1, stats.invalidMessages);
      expect(recorder.errors.filter((error) => error.code !== 'invalid-message')).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it('keeps every buffer accounted for through 1,000 random live attribute changes', async () => {
    const analyzer = await toneAnalyzer({ 'batch-size': 256, 'stats-interval': 50 });
    const snapshots: AnalyzerStats[] = [];
    analyzer.addEventListener('pool-stats', (event) => snapshots.push(event.detail));
    const errors: string[] = [];
    analyzer.addEventListener('analyzer-error', (event) => errors.push(event.detail.code));
    await analyzer.start();
    const random = seededRandom(1000);
    const values: Record<string, string[]> = {
      'pool-size': ['2', '4', '16', '64', '256', '1', '300', 'x', ''],
      'batch-size': ['128', '1000', '1024', '4096', '16384', '100', '99999', '1e3'],
      timeout: ['10', '100', '1000', '60000', '5', 'never'],
      channels: ['1', '2', '8', '0', '9', 'stereo'],
      transport: ['ping-pong', 'allocate', 'copy', 'auto', 'shared', 'carrier-pigeon'],
    };
    const names = Object.keys(values);
    let refused = 0;
    for (let i = 0; i < 1000; i++) {
      const name = names[randomInt(random, names.length)] as string;
      const options = values[name] as string[];
      const before = errors.length;
      analyzer.setAttribute(name, options[randomInt(random, options.length)] as string);
      refused += errors.length - before;
      // A snapshot every 100 changes, whatever the browser's frame rate, so the checks below see the churn.
      if (i % 100 === 99) await nextEvent(analyzer, 'pool-stats');
      else if (i % 20 === 0) await new Promise((resolve) => requestAnimationFrame(resolve));
    }
    analyzer.setAttribute('transport', 'ping-pong');
    analyzer.setAttribute('pool-size', '8');
    analyzer.setAttribute('batch-size', '256');
    analyzer.setAttribute('timeout', '1000');
    const configured = await nextEvent(
      analyzer,
      'pool-stats',
      (event) => event.detail.buffers === 8 && event.detail.batchSize === 256 && event.detail.deliveredBatches > 0,
    );
    // Buffers sent before the last change may still be on their way back, to be replaced on
    // return (a slow engine shows it): 20 batches later every buffer out is of the final size.
    const settled = await nextEvent(
      analyzer,
      'pool-stats',
      (event) => event.detail.deliveredBatches >= configured.detail.deliveredBatches + 20,
    );
    expect(analyzer.state).to.equal('running');
    expect(refused).to.be.greaterThan(100);
    // Shared cannot run on this page (not cross-origin isolated): each time, copy runs and an error says so.
    expect(errors.filter((code) => code !== 'invalid-attribute' && code !== 'transport-unavailable')).to.deep.equal([]);
    expect(snapshots.length).to.be.greaterThan(10);
    for (const stats of snapshots) {
      expectAccounted(stats);
      expect(stats.processErrors).to.equal(0);
    }
    expect(settled.detail.buffers).to.equal(8);
    // Once the changes stop, so do the allocations, but for a reclaim's (what a change allocates is
    // counted exactly in the engine's tests).
    const later = await nextEvent(analyzer, 'pool-stats', (event) => event.detail.deliveredBatches >= settled.detail.deliveredBatches + 40);
    expect(later.detail.allocations - later.detail.reclaims).to.equal(settled.detail.allocations - settled.detail.reclaims);
  });
});
