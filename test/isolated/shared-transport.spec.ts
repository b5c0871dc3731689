import { expect } from '@open-wc/testing';
import { CaptureSession } from '../../src/capture-session.js';
import { DEFAULT_CONFIG, type WorkletConfig } from '../../src/config.js';
import type { AnalysisFrame } from '../../src/events.js';
import { batchBufferBytes, createBatchHeader, parseFromWorkletMessage, readBatchHeader } from '../../src/protocol.js';
import { frameFields } from '../helpers/events.js';
import { ABSENT, replaceProperty } from '../helpers/globals.js';
import { Loopback } from '../helpers/loopback.js';
import { rampSample } from '../helpers/signals.js';
import { requireSharedMemory } from '../helpers/skip.js';
import { expectAccounted } from '../helpers/stats.js';
import type { EngineWorkerTask } from './engine-worker.js';

describe('shared transport, end to end (engine and session over a MessageChannel)', () => {
  let loop: Loopback | undefined;

  beforeEach(function () {
    expect(window.crossOriginIsolated, 'this page is served with COOP and COEP').to.equal(true);
    requireSharedMemory(this);
  });

  afterEach(() => {
    loop?.close();
    loop = undefined;
  });

  it('delivers batches sample-exact through shared memory, with no message per batch and every slot given back', async () => {
    const test = new Loopback({ batchSize: 256, poolSize: 4, channels: 2 });
    loop = test;
    // Quanta of 100 frames: batches span quanta.
    await test.stream(100, 100);
    // One more quantum lets the engine notice the last slot given back.
    test.render(100);
    const stats = await test.stats();
    expect(test.mismatches).to.equal(0);
    expect(test.frames.map((frame) => frame.sequence)).to.deep.equal([...Array(100).keys()]);
    expect(test.frames.map((frame) => frame.frame)).to.deep.equal([...Array(100).keys()].map((i) => i * 256));
    expect(new Set(test.frames.map((frame) => frame.bufferId)).size).to.be.at.most(4);
    expect(test.received.get('buffer') ?? 0, 'batches by message').to.equal(0);
    expect(test.received.get('wake') ?? 0, 'wake messages').to.equal(0);
    expect(test.received.get('shared-slots'), 'memory announced once').to.equal(1);
    expect([stats.transport, stats.allocations, stats.returns, stats.hitRate]).to.deep.equal(['shared', 4, 100, 1]);
    expect(test.session.counters).to.deep.include({ buffersReturned: 100, returnMessages: 0, sequenceGaps: 0 });
    expect(test.session.counters.wakeups).to.be.within(1, 100);
    expectAccounted(stats);
  });

  it('wakes the page by message where it cannot wait on memory (no Atomics.waitAsync)', async () => {
    const restore = replaceProperty(Atomics, 'waitAsync', ABSENT);
    try {
      const test = new Loopback({ batchSize: 128, poolSize: 4 });
      loop = test;
      await test.stream(40);
      expect(test.mismatches).to.equal(0);
      expect(test.frames).to.have.length(40);
      // At most one wake per batch, and only while the page says it waits.
      expect(test.received.get('wake')).to.be.within(1, 40);
      expect(test.session.counters.wakeups).to.equal(test.received.get('wake'));
    } finally {
      restore();
    }
  });

  it('skips and counts exactly when every slot is out, and carries the skip on the next frame', async () => {
    const test = new Loopback({ batchSize: 128, poolSize: 4 });
    loop = test;
    // Ten batches without letting the page run: four published, six skipped.
    test.render(128 * 10);
    await test.until(() => test.frames.length === 4 && test.exhausted.length === 1, 'the four published batches');
    expect(test.exhausted).to.deep.equal([4 * 128]);
    test.render(128);
    await test.until(() => test.frames.length === 5, 'the next batch');
    expect(test.frames[4]).to.deep.equal({
      sequence: 4,
      frame: 10 * 128,
      frames: 128,
      skippedFrames: 6 * 128,
      gapFrames: 0,
      bufferId: test.frames[4]?.bufferId,
      channels: 1,
    });
    const stats = await test.stats();
    expect([stats.skippedBatches, stats.skippedFrames, stats.misses, stats.hits, stats.exhaustions]).to.deep.equal([6, 768, 6, 5, 1]);
    expect(test.mismatches).to.equal(0);
    expectAccounted(stats);
  });

  it('holds a retained slot in processing, its samples intact, until it is released', async () => {
    const test = new Loopback({ batchSize: 128, poolSize: 4 });
    loop = test;
    let release: (() => void) | undefined;
    let kept: Float32Array | undefined;
    test.onFrame = (frame) => {
      if (release) return;
      release = frame.retain();
      kept = frame.channelData[0];
    };
    await test.stream(12);
    // Quarter batches from here on: no batch completes, so none is in flight when stats are taken.
    test.render(32);
    let stats = await test.stats();
    expect([stats.processing, stats.inFlight, stats.available]).to.deep.equal([1, 0, 3]);
    expect(test.session.retainedCount).to.equal(1);
    expect([...(kept as Float32Array).subarray(0, 4)]).to.deep.equal([0, 1, 2, 3].map((i) => rampSample(i)));
    release?.();
    release?.();
    test.render(32);
    stats = await test.stats();
    expect([stats.processing, stats.available, stats.returns]).to.deep.equal([0, 4, 12]);
    expect(Object.values(stats.invalidReturns)).to.deep.equal([0, 0, 0, 0, 0]);
    expect(test.session.retainedCount).to.equal(0);
  });

  it('dispatches a slot’s batches as one frame object, filled again each time; a retained frame keeps every field until released', async () => {
    const test = new Loopback({ batchSize: 128, poolSize: 4 });
    loop = test;
    const objects = new Set<AnalysisFrame>();
    let retained: AnalysisFrame | undefined;
    let atRetain: ReturnType<typeof frameFields> | undefined;
    let release: (() => void) | undefined;
    test.onFrame = (frame) => {
      objects.add(frame);
      if (frame.sequence !== 2) return;
      release = frame.retain();
      retained = frame;
      atRetain = frameFields(frame);
    };
    await test.stream(40);
    const slots = new Set(test.frames.map((frame) => frame.bufferId)).size;
    expect([objects.size, slots], 'frame objects and slots for 40 batches').to.deep.equal([slots, Math.min(slots, 4)]);
    expect(frameFields(retained as AnalysisFrame), '37 batches later, through the other slots').to.deep.equal(atRetain);
    expect(atRetain?.first).to.equal(rampSample(2 * 128));
    release?.();
    expect(test.mismatches).to.equal(0);
  });

  it('reclaims a slot held past the timeout with new memory, leaves the retainer its samples, and counts its late release', async () => {
    const test = new Loopback({ batchSize: 128, poolSize: 2, timeout: 10 });
    loop = test;
    let release: (() => void) | undefined;
    let kept: Float32Array | undefined;
    let keptId = -1;
    test.onFrame = (frame) => {
      if (release) return;
      release = frame.retain();
      kept = frame.channelData[0];
      keptId = frame.bufferId;
    };
    // 2.7 ms per batch: the held slot passes 10 ms within five.
    for (let i = 0; i < 8 && test.reclaimed.length === 0; i++) await test.stream(1);
    expect(test.reclaimed).to.deep.equal([keptId]);
    await test.stream(4);
    expect([...(kept as Float32Array).subarray(0, 4)], 'the retained views still hold batch 0').to.deep.equal(
      [0, 1, 2, 3].map((i) => rampSample(i)),
    );
    release?.();
    test.render(64);
    const stats = await test.stats();
    expect([stats.reclaims, stats.allocations, stats.invalidReturns.late, stats.buffers]).to.deep.equal([1, 3, 1, 2]);
    expect(test.received.get('shared-slots'), 'the new memory announced').to.equal(2);
    expect(test.mismatches).to.equal(0);
    expectAccounted(stats);
  });

  it('gives slots new memory when the batch size changes live, replacing the one out when it comes back', async () => {
    const test = new Loopback({ batchSize: 256, poolSize: 3 });
    loop = test;
    let release: (() => void) | undefined;
    test.onFrame = (frame) => {
      release ??= frame.retain();
    };
    await test.stream(2);
    test.session.configure({ batchSize: 512 });
    await test.stats();
    await test.stream(6);
    expect(test.frames.slice(2).map((frame) => frame.frames)).to.deep.equal(Array(6).fill(512));
    release?.();
    test.render(128);
    const stats = await test.stats();
    // Three at first, the two given back replaced at once, the retained one when it came back.
    expect([stats.allocations, stats.invalidReturns.sizeMismatch, stats.buffers, stats.available]).to.deep.equal([6, 1, 3, 3]);
    expect(test.mismatches).to.equal(0);
    expectAccounted(stats);
  });

  it('gives slots new memory when the channels and batch size change live to the same bytes (2 × 512 after 1 × 1024)', async () => {
    const test = new Loopback({ batchSize: 1024, poolSize: 3, channels: 1 });
    loop = test;
    await test.stream(3);
    test.session.configure({ batchSize: 512, channels: 2 });
    await test.stats();
    await test.stream(6);
    expect(test.frames.slice(3).map((frame) => [frame.frames, frame.channels])).to.deep.equal(Array(6).fill([512, 2]));
    expect(test.mismatches, 'samples read through views of the old layout').to.equal(0);
    expect(test.errors).to.deep.equal([]);
    expect(test.received.get('shared-slots'), 'the new memory announced').to.equal(2);
    test.render(128);
    const stats = await test.stats();
    expect([stats.allocations, stats.buffers, stats.bufferBytes]).to.deep.equal([6, 3, batchBufferBytes(1024, 1)]);
    expectAccounted(stats);
  });

  it('refuses memory announced for another shape than its size, and delivers nothing from it', () => {
    const memory = new SharedArrayBuffer(batchBufferBytes(128, 2));
    const control = new SharedArrayBuffer(64);
    const slot = (channels: unknown, frames: unknown) => ({
      type: 'shared-slots',
      control,
      slots: [{ slot: 0, id: 0, memory, channels, frames }],
    });
    expect(parseFromWorkletMessage(slot(2, 128)).ok, 'the shape its size holds').to.equal(true);
    for (const [channels, frames] of [
      [1, 128],
      [2, 64],
      [1, 200],
      [0, 128],
      [2, 0],
      [2.5, 128],
      ['2', 128],
      [undefined, 128],
    ]) {
      expect(parseFromWorkletMessage(slot(channels, frames)).ok, `${channels} × ${frames}`).to.equal(false);
    }
  });

  it('passes over a slot that holds no valid batch: reported, counted, the slot given back, and the next batch dispatched', async () => {
    const test = new Loopback({ batchSize: 128, poolSize: 4 });
    loop = test;
    await test.stream(2);
    // Batch 2 is published; the page cannot take it before this test yields.
    test.render(128);
    const header = createBatchHeader();
    const slot = test.sharedMemory
      .map((memory) => new Float32Array(memory))
      .find((view) => readBatchHeader(view, header) && header.sequence === 2);
    expect(slot, 'the slot batch 2 was published in').to.not.equal(undefined);
    (slot as Float32Array)[0] = 0;
    expect(readBatchHeader(slot as Float32Array, header), 'its header spoilt').to.equal(false);
    await test.until(() => test.errors.length === 1, 'the refusal');
    await test.stream(3);
    expect(test.errors).to.have.length(1);
    expect(test.errors[0]?.code).to.equal('invalid-message');
    expect(test.errors[0]?.message).to.match(/^from the worklet: shared slot \d holds no valid batch$/);
    expect(test.frames.map((frame) => frame.sequence)).to.deep.equal([0, 1, 3, 4, 5]);
    expect(test.mismatches).to.equal(0);
    expect(test.session.counters).to.deep.include({ invalidWorkletMessages: 1, buffersReturned: 6, sequenceGaps: 0 });
    test.render(128);
    const stats = await test.stats();
    expect([stats.returns, stats.hitRate]).to.deep.equal([6, 1]);
    expectAccounted(stats);
  });

  it('keeps sequence order and loses no frame when the transport switches mid-stream, the page still behind', async () => {
    // Sixteen slots: four shared runs of three batches wait for the page at once.
    const test = new Loopback({ batchSize: 128, poolSize: 16 });
    loop = test;
    const transports = ['copy', 'shared', 'ping-pong', 'shared', 'allocate', 'shared', 'copy'] as const;
    for (const transport of transports) {
      // Three batches and the switch without letting the page run: the page reads shared batches
      // and message batches of one run around the switch, in whatever order their tasks come.
      test.render(128 * 3);
      test.engine.receive({ type: 'configure', config: { transport } }, test.frame);
    }
    test.render(128 * 3);
    const total = 3 * (transports.length + 1);
    await test.until(() => test.frames.length === total, `${total} frames`);
    expect(test.frames.map((frame) => frame.sequence)).to.deep.equal([...Array(total).keys()]);
    expect(test.frames.map((frame) => frame.frame)).to.deep.equal([...Array(total).keys()].map((i) => i * 128));
    expect(test.session.counters.sequenceGaps).to.equal(0);
    expect(test.mismatches).to.equal(0);
    test.session.flushReturns();
    const stats = await test.stats();
    expect([stats.transport, stats.deliveredBatches, stats.skippedBatches]).to.deep.equal(['copy', total, 0]);
    expectAccounted(stats);
  });

  it('wakes the page for every batch while the worklet publishes from a thread of its own, as fast as it can', async () => {
    // The engine in a Worker renders 100,000 batches back to back; the page takes them as they
    // come and waits on memory whenever it has caught up. A wake lost between the two threads
    // leaves published batches untaken for good: the page must end up with every one.
    const config: WorkletConfig = { ...DEFAULT_CONFIG, transport: 'shared', batchSize: 128, poolSize: 4, statsInterval: 10000 };
    const channel = new MessageChannel();
    let dispatched = 0;
    const session = new CaptureSession(channel.port2, 48000, config, {
      frame: () => {
        dispatched++;
      },
      error: () => {},
      reclaimed: () => {},
      exhausted: () => {},
    });
    const worker = new Worker(new URL('./engine-worker.ts', import.meta.url), { type: 'module' });
    try {
      const done = new Promise<void>((resolve) => worker.addEventListener('message', () => resolve(), { once: true }));
      const task: EngineWorkerTask = { port: channel.port1, config, batches: 100000, sampleRate: 48000 };
      worker.postMessage(task, [channel.port1]);
      await done;
      const stats = await session.requestStats();
      expect(stats.deliveredBatches, 'batches published').to.be.greaterThan(100);
      const deadline = performance.now() + 5000;
      while (dispatched < stats.deliveredBatches && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(dispatched, `of ${stats.deliveredBatches} published (wake-ups: ${session.counters.wakeups})`).to.equal(stats.deliveredBatches);
      expectAccounted(stats);
    } finally {
      worker.terminate();
      session.dispose();
    }
  });
});
