import { expect } from '@open-wc/testing';
import { DEFAULT_CONFIG, type WorkletConfig } from '../src/config.js';
import { type BatchHeader, batchBufferBytes, COPY_ACKNOWLEDGE_EVERY, copyWindow, HEADER_SLOTS, PROTOCOL_VERSION } from '../src/protocol.js';
import type { PoolStats } from '../src/stats.js';
import { CaptureEngine } from '../worklet/capture-engine.js';
import { FakePort, type ReceivedBatch } from './helpers/fake-port.js';
import { rampQuantum, rampSample } from './helpers/signals.js';
import { expectAccounted } from './helpers/stats.js';

const SAMPLE_RATE = 48000;

class Harness {
  readonly port = new FakePort();
  readonly engine: CaptureEngine;
  frame = 0;

  /** Ping-pong unless `config` names another transport: most of these tests are about the pool. */
  constructor(config: Partial<WorkletConfig> = {}, options?: unknown) {
    const full = { transport: 'ping-pong', ...config };
    this.engine = new CaptureEngine(this.port, SAMPLE_RATE, options ?? { protocolVersion: PROTOCOL_VERSION, config: full });
  }

  /** Acknowledges copies up to `sequence`, in the wire's bare form. */
  acknowledge(sequence: number): void {
    this.engine.receive(sequence, this.frame);
  }

  /** Renders `frames` frames of the ramp in quanta of `quantum` frames; returns batches at once when asked. */
  render(frames: number, quantum = 128, options: { returnPromptly?: boolean; channels?: number } = {}): void {
    const end = this.frame + frames;
    while (this.frame < end) {
      const length = Math.min(quantum, end - this.frame);
      this.engine.process(rampQuantum(this.frame, length, options.channels ?? this.engine.config.channels), length, this.frame);
      this.frame += length;
      if (options.returnPromptly) for (const batch of this.port.batches.splice(0)) this.giveBack(batch);
    }
  }

  giveBack(batch: ReceivedBatch): void {
    this.keep.push(batch);
    this.engine.receive(batch.buffer, this.frame);
  }

  readonly keep: ReceivedBatch[] = [];

  stats(): PoolStats {
    this.engine.receive({ type: 'request-stats' }, this.frame);
    return this.port.ofType('stats').at(-1)?.stats as PoolStats;
  }
}

function expectRamp(batch: ReceivedBatch): void {
  const { frame, frames, channels } = batch.header;
  for (let channel = 0; channel < channels; channel++) {
    for (let i = 0; i < frames; i++) {
      const sample = batch.samples[channel * frames + i];
      if (sample !== rampSample(frame + i, channel)) {
        throw new Error(`channel ${channel} frame ${frame + i}: got ${sample}, expected ${rampSample(frame + i, channel)}`);
      }
    }
  }
}

describe('CaptureEngine', () => {
  for (const [batchSize, quantum] of [
    [128, 128],
    [1000, 128],
    [1024, 128],
    [8192, 128],
    [1000, 441],
    [128, 100],
    [1024, 1],
  ] as const) {
    it(`delivers intact batches of ${batchSize} frames in order from quanta of ${quantum}, recycling the pool`, () => {
      const harness = new Harness({ batchSize, poolSize: 4 });
      const delivered: ReceivedBatch[] = [];
      const frames = batchSize * 12 + 77;
      const end = harness.frame + frames;
      while (harness.frame < end) {
        harness.render(Math.min(quantum, end - harness.frame), quantum);
        for (const batch of harness.port.drain()) {
          delivered.push(batch);
          expectRamp(batch);
          harness.giveBack(batch);
        }
      }
      expect(delivered.map((batch) => batch.header.sequence)).to.deep.equal([...Array(12).keys()]);
      expect(delivered.map((batch) => batch.header.frame)).to.deep.equal([...Array(12).keys()].map((i) => i * batchSize));
      expect(new Set(delivered.map((batch) => batch.header.bufferId)).size).to.be.at.most(4);
      const stats = harness.stats();
      expect(stats.allocations).to.equal(4);
      expect(stats.hitRate).to.equal(1);
      expect(stats.returns).to.equal(12);
      expect(stats.pendingFrames).to.equal(77);
      expectAccounted(stats);
    });
  }

  it('captures each configured channel, silence where the input has fewer', () => {
    const harness = new Harness({ batchSize: 128, channels: 3 });
    harness.render(256, 128, { channels: 2 });
    const [first] = harness.port.batches;
    expect(first?.header.channels).to.equal(3);
    const samples = first?.samples as Float32Array;
    expect(samples[0]).to.equal(rampSample(0, 0));
    expect(samples[128 + 5]).to.equal(rampSample(5, 1));
    expect(samples.subarray(256).every((sample) => sample === 0)).to.equal(true);
  });

  it('delivers silence when no input is connected', () => {
    const harness = new Harness({ batchSize: 128 });
    harness.engine.process(undefined, 128, 0);
    expect(harness.port.batches[0]?.samples.every((sample) => sample === 0)).to.equal(true);
  });

  it('reports a failure inside process() as processor-error and keeps rendering', () => {
    const harness = new Harness({ batchSize: 128 });
    const broken = [
      new Proxy(new Float32Array(128), {
        get: () => {
          throw new Error('unreadable input');
        },
      }),
    ];
    expect(harness.engine.process(broken, 128, 0)).to.equal(true);
    const [error] = harness.port.ofType('error');
    expect([error?.code, error?.message]).to.deep.equal(['processor-error', 'process() failed: Error: unreadable input']);
    harness.frame = 128;
    harness.render(128 * 2);
    const stats = harness.stats();
    expect([stats.processErrors, stats.deliveredBatches]).to.deep.equal([1, 2]);
  });

  it('skips batches when exhausted, reports the episode once, and carries the skipped frames on the next batch', () => {
    const harness = new Harness({ batchSize: 128, poolSize: 2 });
    harness.render(128 * 6);
    expect(harness.port.batches.length).to.equal(2);
    expect(harness.port.ofType('exhausted')).to.have.length(1);
    expect(harness.port.ofType('exhausted')[0]?.frame).to.equal(256);
    for (const batch of harness.port.drain()) harness.giveBack(batch);
    harness.render(128);
    const [next] = harness.port.drain();
    expect(next?.header.skippedFrames).to.equal(128 * 4);
    expect(next?.header.sequence).to.equal(2);
    const stats = harness.stats();
    expect([stats.skippedBatches, stats.skippedFrames, stats.misses, stats.exhaustions]).to.deep.equal([4, 512, 4, 1]);
    expect(stats.hitRate).to.equal(3 / 7);
    expect(stats.allocations).to.equal(2);
    expectAccounted(stats);
    harness.render(128 * 3);
    expect(harness.port.ofType('exhausted')).to.have.length(2);
  });

  it('reclaims buffers not returned within the timeout, measured in audio frames', () => {
    const harness = new Harness({ batchSize: 128, poolSize: 2, timeout: 10 });
    harness.render(128);
    const [kept] = harness.port.drain();
    harness.render(128 * 4, 128, { returnPromptly: true });
    const reclaimed = harness.port.ofType('reclaimed');
    expect(reclaimed).to.have.length(1);
    expect(reclaimed[0]?.bufferId).to.equal(kept?.header.bufferId);
    expect(reclaimed[0]?.ageMs as number).to.be.within(10, 10 + (128 / SAMPLE_RATE) * 1000);
    harness.giveBack(kept as ReceivedBatch);
    const stats = harness.stats();
    expect([stats.reclaims, stats.allocationsAfterStart, stats.invalidReturns.late]).to.deep.equal([1, 1, 1]);
    expect(stats.buffers).to.equal(2);
    expectAccounted(stats);
  });

  it('applies a batch-size change between batches and discards old-size returns, refilling the pool', () => {
    const harness = new Harness({ batchSize: 256, poolSize: 3 });
    harness.render(256 + 128);
    const [old] = harness.port.drain();
    harness.engine.receive({ type: 'configure', config: { batchSize: 128 } }, harness.frame);
    harness.render(128);
    const [finished] = harness.port.drain();
    expect(finished?.header.frames).to.equal(256);
    harness.render(128);
    const [resized] = harness.port.drain();
    expect(resized?.header.frames).to.equal(128);
    expect(resized?.buffer.byteLength).to.equal(batchBufferBytes(128, 1));
    harness.giveBack(old as ReceivedBatch);
    harness.giveBack(finished as ReceivedBatch);
    const stats = harness.stats();
    expect(stats.invalidReturns.sizeMismatch).to.equal(2);
    expect(stats.batchSize).to.equal(128);
    expect([stats.available, stats.inFlight, stats.buffers]).to.deep.equal([2, 1, 3]);
    // One new pool: the buffer that was in the pool replaced at once, the two out as they came back.
    expect([stats.allocations, stats.allocationsAfterStart]).to.deep.equal([6, 3]);
    expectAccounted(stats);
  });

  it('allocates one buffer per batch in allocate mode and keeps no pool', () => {
    const harness = new Harness({ batchSize: 128, transport: 'allocate' });
    harness.render(128 * 20);
    const batches = harness.port.drain();
    expect(batches).to.have.length(20);
    expect(batches.every((batch) => batch.header.transport === 'allocate')).to.equal(true);
    batches.forEach(expectRamp);
    const stats = harness.stats();
    expect(stats.allocations).to.equal(stats.deliveredBatches);
    expect(stats.buffers).to.equal(0);
    expect(stats.hitRate).to.equal(1);
  });

  it('switches transport live, accepting pooled buffers still out', () => {
    const harness = new Harness({ batchSize: 128, poolSize: 2 });
    harness.render(128);
    const [out] = harness.port.drain();
    harness.engine.receive({ type: 'configure', config: { transport: 'allocate' } }, harness.frame);
    harness.render(128 * 3);
    const allocated = harness.port.drain();
    expect(allocated.map((batch) => batch.header.transport)).to.deep.equal(['allocate', 'allocate', 'allocate']);
    harness.giveBack(out as ReceivedBatch);
    let stats = harness.stats();
    expect([stats.returns, stats.buffers, stats.inFlight]).to.deep.equal([1, 0, 0]);
    harness.engine.receive({ type: 'configure', config: { transport: 'ping-pong' } }, harness.frame);
    harness.render(128);
    expect(harness.port.drain()[0]?.header.transport).to.equal('ping-pong');
    stats = harness.stats();
    expect(stats.buffers).to.equal(2);
    expectAccounted(stats);
  });

  it('copies batches without transfer and keeps its own buffer, sample-exact', () => {
    const harness = new Harness({ batchSize: 128, transport: 'copy' });
    harness.render(128 * 10, 128);
    const batches = harness.port.drain();
    expect(batches).to.have.length(10);
    batches.forEach(expectRamp);
    expect(batches.map((batch) => batch.header.transport)).to.deep.equal(Array(10).fill('copy'));
    const stats = harness.stats();
    expect([stats.transport, stats.allocations, stats.inFlight, stats.buffers]).to.deep.equal(['copy', 0, 10, copyWindow(16)]);
    expectAccounted(stats);
  });

  it('bounds copies by credits: skips and counts once the window is out, resumes when acknowledged', () => {
    const window = copyWindow(2);
    const harness = new Harness({ batchSize: 128, poolSize: 2, transport: 'copy' });
    harness.render(128 * (window + 5));
    expect(harness.port.drain()).to.have.length(window);
    expect(harness.port.ofType('exhausted')).to.have.length(1);
    let stats = harness.stats();
    expect([stats.inFlight, stats.available, stats.skippedBatches, stats.hitRate]).to.deep.equal([window, 0, 5, window / (window + 5)]);
    harness.acknowledge(COPY_ACKNOWLEDGE_EVERY - 1);
    harness.render(128);
    const [next] = harness.port.drain();
    expect([next?.header.sequence, next?.header.skippedFrames]).to.deep.equal([window, 5 * 128]);
    stats = harness.stats();
    expect([stats.returns, stats.inFlight]).to.deep.equal([COPY_ACKNOWLEDGE_EVERY, window - COPY_ACKNOWLEDGE_EVERY + 1]);
    expectAccounted(stats);
  });

  it('counts an acknowledgement of a batch never sent as unknown, and takes nothing back for it', () => {
    const harness = new Harness({ batchSize: 128, transport: 'copy' });
    harness.render(128 * 3);
    harness.acknowledge(1000);
    // The message form is taken as well as the bare number.
    harness.engine.receive({ type: 'acknowledge', sequence: 0 }, harness.frame);
    const stats = harness.stats();
    expect([stats.invalidReturns.unknownId, stats.returns, stats.inFlight]).to.deep.equal([1, 1, 2]);
  });

  it('switches between every transport live, losing no frame of the accounting', () => {
    const harness = new Harness({ batchSize: 128, poolSize: 4 });
    const seen: ReceivedBatch[] = [];
    for (const transport of ['copy', 'allocate', 'ping-pong', 'copy', 'ping-pong', 'allocate'] as const) {
      harness.engine.receive({ type: 'configure', config: { transport } }, harness.frame);
      for (let round = 0; round < 3; round++) {
        harness.render(412, 100);
        for (const batch of harness.port.drain()) {
          expectRamp(batch);
          seen.push(batch);
          if (batch.header.transport === 'ping-pong') harness.giveBack(batch);
          if (batch.header.transport === 'copy') harness.acknowledge(batch.header.sequence);
        }
      }
      const stats = harness.stats();
      expect(stats.transport).to.equal(transport);
      expectAccounted(stats);
    }
    const stats = harness.stats();
    expect(new Set(seen.map((batch) => batch.header.transport))).to.deep.equal(new Set(['copy', 'allocate', 'ping-pong']));
    expect(seen.map((batch) => batch.header.sequence)).to.deep.equal([...seen.keys()]);
    expect(seen.map((batch) => batch.header.frame)).to.deep.equal([...seen.keys()].map((i) => i * 128));
    expect([stats.deliveredBatches, stats.skippedFrames]).to.deep.equal([seen.length, 0]);
    expect(Object.values(stats.invalidReturns)).to.deep.equal([0, 0, 0, 0, 0]);
    // Allocate runs last: nothing is out, not even the copy credits it ran with before (dropped on the switch).
    expect([stats.buffers, stats.inFlight]).to.deep.equal([0, 0]);
  });

  it('tracks buffers reported as processing', () => {
    const harness = new Harness({ batchSize: 128, poolSize: 3 });
    harness.render(256);
    const [first] = harness.port.batches;
    harness.engine.receive({ type: 'report-processing', bufferIds: [first?.header.bufferId] }, harness.frame);
    const stats = harness.stats();
    expect([stats.available, stats.inFlight, stats.processing]).to.deep.equal([1, 1, 1]);
  });

  it('accepts several buffers returned in one message', () => {
    const harness = new Harness({ batchSize: 128, poolSize: 4 });
    harness.render(128 * 4);
    harness.engine.receive(
      harness.port.drain().map((batch) => batch.buffer),
      harness.frame,
    );
    expect(harness.stats().returns).to.equal(4);
  });

  it('counts every kind of bad return by reason and keeps delivering', () => {
    const harness = new Harness({ batchSize: 128, poolSize: 2 });
    harness.render(128);
    const [batch] = harness.port.drain();
    const copy = (batch as ReceivedBatch).buffer.slice(0);
    harness.giveBack(batch as ReceivedBatch);
    harness.engine.receive(copy, harness.frame);
    harness.engine.receive([42, 'x', null], harness.frame);
    harness.engine.receive(new ArrayBuffer(3), harness.frame);
    harness.engine.receive(new ArrayBuffer(batchBufferBytes(128, 1)), harness.frame);
    harness.engine.receive({ type: 'return-buffer', buffers: [new ArrayBuffer(0)] }, harness.frame);
    const stats = harness.stats();
    expect(stats.invalidReturns).to.deep.equal({ notBuffer: 3, unknownId: 1, sizeMismatch: 2, duplicate: 1, late: 0 });
    harness.render(128 * 4, 128, { returnPromptly: true });
    expect(harness.stats().deliveredBatches).to.equal(5);
  });

  it('refuses malformed control messages without throwing, counting and reporting them', () => {
    const harness = new Harness({ batchSize: 128, statsInterval: 50 });
    const junk = [
      null,
      7,
      'stop',
      {},
      { type: 'nope' },
      { type: 'configure', config: { poolSize: 1e9 } },
      { type: 'report-processing', bufferIds: 'x' },
    ];
    for (const message of junk) harness.engine.receive(message, harness.frame);
    const errors = harness.port.ofType('error');
    expect(errors).to.have.length(1);
    expect(errors[0]?.code).to.equal('invalid-message');
    harness.render(48000 * 0.05 + 128);
    harness.engine.receive({ type: 'nope' }, harness.frame);
    expect(harness.port.ofType('error')[1]?.message).to.contain('6 earlier errors not reported');
    const stats = harness.stats();
    expect(stats.invalidMessages).to.equal(junk.length + 1);
    expect(stats.poolSize).to.equal(DEFAULT_CONFIG.poolSize);
    expect(stats.transport).to.equal('ping-pong');
  });

  it('posts stats on its own every stats interval of audio time', () => {
    const harness = new Harness({ batchSize: 128, statsInterval: 100 });
    harness.render(48000, 128, { returnPromptly: true });
    expect(harness.port.ofType('stats').length).to.be.within(10, 11);
  });

  it('answers await-render from the next quantum it renders, once for every request before it', () => {
    const harness = new Harness({ batchSize: 128 });
    harness.render(256);
    harness.engine.receive({ type: 'await-render' }, harness.frame);
    harness.engine.receive({ type: 'await-render' }, harness.frame);
    expect(harness.port.ofType('rendered')).to.have.length(0);
    harness.render(128);
    harness.render(128);
    expect(harness.port.ofType('rendered')).to.deep.equal([{ type: 'rendered', requests: 2, frame: 256 }]);
    harness.engine.receive({ type: 'await-render' }, harness.frame);
    harness.render(128);
    expect(harness.port.ofType('rendered').at(-1)).to.deep.equal({ type: 'rendered', requests: 3, frame: 512 });
  });

  it('answers stop with final stats and then ends, ignoring returns that arrive later', () => {
    const harness = new Harness({ batchSize: 128, poolSize: 2 });
    harness.render(256);
    harness.engine.receive({ type: 'stop' }, harness.frame);
    const stopped = harness.port.ofType('stopped');
    expect(stopped).to.have.length(1);
    expect(stopped[0]?.stats).to.deep.include({ inFlight: 2 });
    expect(harness.engine.process(undefined, 128, harness.frame)).to.equal(false);
    const messagesAtStop = harness.port.messages.length;
    for (const batch of harness.port.drain()) harness.giveBack(batch);
    harness.engine.receive({ type: 'request-stats' }, harness.frame);
    harness.engine.receive('junk', harness.frame);
    harness.render(128 * 4);
    // Nothing more: no stats, no error, no batch, and the buffers given back are not taken into a pool that is gone.
    expect(harness.port.messages).to.have.length(messagesAtStop);
    expect(harness.port.batches).to.have.length(0);
    expect(harness.engine.meters.stats.returns).to.equal(0);
  });

  it('refuses to run with a different protocol version', () => {
    const harness = new Harness({}, { protocolVersion: PROTOCOL_VERSION + 1, config: {} });
    expect(harness.port.ofType('error')[0]?.code).to.equal('protocol-mismatch');
    expect(harness.engine.process(undefined, 128, 0)).to.equal(false);
  });

  it('zeroes counters on reset-stats, keeping the accounting identity', () => {
    const harness = new Harness({ batchSize: 128 });
    harness.render(128 * 3 + 5, 128, { returnPromptly: true });
    harness.engine.receive({ type: 'reset-stats' }, harness.frame);
    const stats = harness.stats();
    expect([stats.deliveredBatches, stats.returns, stats.allocations, stats.pendingFrames]).to.deep.equal([0, 0, 0, 5]);
    expectAccounted(stats);
  });

  it('counts context frames that never reached process() as render gaps, not as rendered', () => {
    const harness = new Harness({ batchSize: 256 });
    harness.render(128);
    harness.frame += 3072;
    harness.render(128 * 3);
    const stats = harness.stats();
    expect([stats.renderGaps, stats.renderGapFrames, stats.renderedFrames]).to.deep.equal([1, 3072, 512]);
    expect([stats.gapDiscardedFrames, stats.deliveredFrames, stats.pendingFrames]).to.deep.equal([128, 256, 128]);
    expectAccounted(stats);
  });

  for (const [batchSize, quantum] of [
    [1024, 128],
    [1000, 441],
    [128, 128],
  ] as const) {
    it(`keeps every batch of ${batchSize} contiguous when the clock leaps mid-batch (quanta of ${quantum}), and says what is missing before each`, () => {
      const harness = new Harness({ batchSize, poolSize: 2, timeout: 1e6 });
      const leaps = [1408, 512, 3, 7 * batchSize];
      const delivered: ReceivedBatch[] = [];
      let held: ReceivedBatch[] = [];
      for (let round = 0; round < 12; round++) {
        harness.render(batchSize * 2 + 77, quantum);
        harness.frame += leaps[round % leaps.length] as number;
        // Every third round the page holds both slots, so skips and gaps come before one batch.
        const batches = harness.port.drain();
        for (const batch of batches) expectRamp(batch);
        delivered.push(...batches);
        if (round % 3 === 1) held = batches;
        else for (const batch of [...held.splice(0), ...batches]) harness.giveBack(batch);
      }
      // One more batch, so that the last leap is reported too.
      harness.render(batchSize + quantum, quantum);
      for (const batch of harness.port.batches) expectRamp(batch);
      delivered.push(...harness.port.drain());
      const headers = delivered.map((batch) => batch.header);
      expect(headers.length).to.be.greaterThan(12);
      for (let i = 1; i < headers.length; i++) {
        const [previous, current] = [headers[i - 1] as BatchHeader, headers[i] as BatchHeader];
        expect(current.frame, `batch ${current.sequence}`).to.equal(
          previous.frame + previous.frames + current.skippedFrames + current.gapFrames,
        );
      }
      const stats = harness.stats();
      const sum = (field: 'skippedFrames' | 'gapFrames') => headers.reduce((total, header) => total + header[field], 0);
      expect(stats.renderGaps).to.equal(12);
      expect(sum('gapFrames')).to.equal(stats.renderGapFrames);
      expect(stats.skippedFrames).to.be.greaterThan(0);
      expect(stats.gapDiscardedFrames).to.be.greaterThan(0);
      expect(sum('skippedFrames')).to.equal(stats.skippedFrames + stats.gapDiscardedFrames);
      expectAccounted(stats);
    });
  }

  it('keeps its own count when the clock reads behind it (stale or stepped back), so frames stay contiguous and say what is missing', () => {
    const harness = new Harness({ batchSize: 1024, poolSize: 64 });
    // The clock as process() reads it, one reading per quantum of 128: a step back of 256 right
    // after a batch, a leap ahead, the same value twice, then on from there.
    const readings = [0, 128, 256, 384, 512, 640, 768, 896, 768, 896, 1024, 1152, 4096, 4096, 4224];
    for (let step = 1; step <= 40; step++) readings.push(4224 + step * 128);
    for (const reading of readings) harness.engine.process(rampQuantum(reading, 128, 1), 128, reading);
    harness.frame = (readings.at(-1) as number) + 128;
    const headers = harness.port.drain().map((batch) => batch.header);
    expect(headers.length).to.be.at.least(4);
    for (let i = 1; i < headers.length; i++) {
      const [previous, current] = [headers[i - 1] as BatchHeader, headers[i] as BatchHeader];
      expect(current.frame, `batch ${current.sequence}`).to.equal(
        previous.frame + previous.frames + current.skippedFrames + current.gapFrames,
      );
    }
    const stats = harness.stats();
    // Only the reading ahead of the engine's count is a gap: 4096 where the count stood at 1536
    // (it went on through the readings behind it).
    expect([stats.renderGaps, stats.renderGapFrames]).to.deep.equal([1, 4096 - 1536]);
    expectAccounted(stats);
  });

  it('writes the samples right after the header', () => {
    const harness = new Harness({ batchSize: 128 });
    harness.render(128);
    const batch = harness.port.batches[0] as ReceivedBatch;
    expect(new Float32Array(batch.buffer)[HEADER_SLOTS]).to.equal(rampSample(0));
  });
});
