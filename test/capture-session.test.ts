import { expect } from '@open-wc/testing';
import type { AnalysisFrame } from '../src/events.js';
import { COPY_ACKNOWLEDGE_EVERY } from '../src/protocol.js';
import { encodeStats, type PoolStats, STATS_WIRE_LENGTH, type StatsKind } from '../src/stats.js';
import { defaultReturnPolicy } from '../src/transports/ping-pong-source.js';
import { frameFields, keepFrame } from './helpers/events.js';
import { FAKE_SAMPLE_RATE, FakeWorklet } from './helpers/fake-worklet.js';
import { Loopback } from './helpers/loopback.js';
import { rampSample } from './helpers/signals.js';
import { engineStats, rawMeters } from './helpers/stats.js';

describe('CaptureSession', () => {
  it('groups a quarter of the pool per return, held at most a quarter of the pool duration', () => {
    expect(defaultReturnPolicy(16, 1024, 48000)).to.deep.equal({ groupSize: 4, maxDelayMs: (16 * 1024 * 1000) / 48000 / 4 });
    expect(defaultReturnPolicy(2, 128, 48000)).to.deep.equal({ groupSize: 1, maxDelayMs: 0 });
    expect(defaultReturnPolicy(256, 128, 48000).groupSize).to.equal(8);
  });

  it('decodes a batch into levels and views, and returns its buffer in a group', async () => {
    const worklet = new FakeWorklet();
    const frames: AnalysisFrame[] = [];
    const views: (Float32Array | undefined)[] = [];
    const target = worklet.session((frame) => {
      frames.push(keepFrame(frame));
      views.push(frame.channelData[0]);
    });
    for (let id = 256; id < 260; id++) worklet.sendBatch(id);
    await worklet.receivedAtLeast(1);
    expect(frames.map((frame) => frame.bufferId)).to.deep.equal([256, 257, 258, 259]);
    expect(frames[0]?.rms[0]).to.equal(0.5);
    expect(frames[0]?.peak[0]).to.equal(0.5);
    expect(frames[1]?.time).to.equal(128 / FAKE_SAMPLE_RATE);
    expect(Array.isArray(worklet.received[0])).to.equal(true);
    expect(worklet.returnedBuffers()).to.have.length(4);
    expect(target.counters).to.deep.include({ buffersReturned: 4, returnMessages: 1, sequenceGaps: 0 });
    expect(views[0]?.length, 'views are detached once returned').to.equal(0);
    target.dispose();
  });

  for (const transport of ['copy', 'ping-pong', 'allocate'] as const) {
    it(`${transport}: dispatches batches as one frame object, filled again, until a listener keeps one, which keeps every field`, async () => {
      const test = new Loopback({ transport, batchSize: 128, poolSize: 4 });
      try {
        const objects: AnalysisFrame[] = [];
        let retained: AnalysisFrame | undefined;
        let atRetain: ReturnType<typeof frameFields> | undefined;
        let release: (() => void) | undefined;
        test.onFrame = (frame) => {
          if (!objects.includes(frame)) objects.push(frame);
          if (frame.sequence !== 2) return;
          release = frame.retain();
          retained = frame;
          atRetain = frameFields(frame);
        };
        await test.stream(20);
        expect(objects.length, 'frame objects for 20 batches, one kept at the third').to.equal(2);
        expect(objects[0]).to.equal(retained);
        expect(frameFields(retained as AnalysisFrame), '17 batches later').to.deep.equal(atRetain);
        expect(atRetain?.first).to.equal(rampSample(2 * 128));
        release?.();
        expect(test.mismatches).to.equal(0);
      } finally {
        test.close();
      }
    });
  }

  it('returns an incomplete group after the hold time', async () => {
    const worklet = new FakeWorklet();
    const target = worklet.session(() => {}, { groupSize: 4, maxDelayMs: 5 });
    worklet.sendBatch(256);
    await worklet.receivedAtLeast(1);
    expect(worklet.received[0]).to.be.instanceOf(ArrayBuffer);
    target.dispose();
  });

  it('holds a retained buffer, reports it as processing, and returns it once on release', async () => {
    const worklet = new FakeWorklet();
    let release: (() => void) | undefined;
    const target = worklet.session((frame) => (release = frame.retain()), { groupSize: 1 });
    worklet.sendBatch(300);
    await worklet.receivedAtLeast(1);
    expect(worklet.received[0]).to.deep.equal({ type: 'report-processing', bufferIds: [300] });
    expect(target.retainedCount).to.equal(1);
    release?.();
    release?.();
    await worklet.receivedAtLeast(2);
    expect(worklet.returnedBuffers()).to.have.length(1);
    expect(target.retainedCount).to.equal(0);
    target.dispose();
  });

  it('gives nothing back for allocate batches, and their retain() asks the worklet for nothing', async () => {
    const worklet = new FakeWorklet();
    const target = worklet.session((frame) => frame.retain()(), { groupSize: 1 });
    worklet.sendBatch(0, 128, 'allocate');
    await worklet.framesDispatched(1);
    // Messages arrive in order: once this request is in, anything the batch caused would be too.
    void target.requestStats();
    await worklet.receivedAtLeast(1);
    expect(worklet.received).to.deep.equal([{ type: 'request-stats' }]);
    expect([target.counters.buffersReturned, target.retainedCount]).to.deep.equal([0, 0]);
    target.dispose();
  });

  it('ignores retain() called after dispatch: the pooled buffer has already gone back', async () => {
    const worklet = new FakeWorklet();
    let late: AnalysisFrame | undefined;
    const target = worklet.session((frame) => (late = frame), { groupSize: 1 });
    worklet.sendBatch(256);
    await worklet.receivedAtLeast(1);
    expect(worklet.returnedBuffers()).to.have.length(1);
    late?.retain()();
    void target.requestStats();
    await worklet.receivedAtLeast(2);
    expect(worklet.received[1]).to.deep.equal({ type: 'request-stats' });
    expect([target.retainedCount, target.counters.buffersReturned]).to.deep.equal([0, 1]);
    target.dispose();
  });

  it('acknowledges copied batches once per acknowledgement period, with the last sequence dispatched', async () => {
    const worklet = new FakeWorklet();
    const target = worklet.session();
    for (let i = 0; i < COPY_ACKNOWLEDGE_EVERY * 2 + 5; i++) worklet.sendBatch(0, 128, 'copy');
    await worklet.receivedAtLeast(2);
    await worklet.framesDispatched(COPY_ACKNOWLEDGE_EVERY * 2 + 5);
    // Bare sequence numbers: the wire form of acknowledge, which costs the audio thread no object.
    expect(worklet.received).to.deep.equal([COPY_ACKNOWLEDGE_EVERY - 1, 2 * COPY_ACKNOWLEDGE_EVERY - 1]);
    target.flushReturns();
    await worklet.receivedAtLeast(3);
    expect(worklet.received[2]).to.equal(2 * COPY_ACKNOWLEDGE_EVERY + 4);
    expect(target.counters).to.deep.include({ buffersReturned: 2 * COPY_ACKNOWLEDGE_EVERY + 5, returnMessages: 3 });
    target.dispose();
  });

  it('dispatches batches of every message transport in one run, in sequence', async () => {
    const worklet = new FakeWorklet();
    const sequences: number[] = [];
    const target = worklet.session((frame) => sequences.push(frame.sequence));
    worklet.sendBatch(256);
    worklet.sendBatch(0, 128, 'copy');
    worklet.sendBatch(0, 128, 'allocate');
    await worklet.framesDispatched(3);
    expect(sequences).to.deep.equal([0, 1, 2]);
    expect(target.counters.sequenceGaps).to.equal(0);
    target.dispose();
  });

  it('counts a buffer a listener transferred away instead of failing the return', async () => {
    const worklet = new FakeWorklet();
    const elsewhere = new MessageChannel();
    const target = worklet.session(
      (frame) => elsewhere.port1.postMessage(frame.channelData[0]?.buffer, [frame.channelData[0]?.buffer as ArrayBuffer]),
      {
        groupSize: 1,
      },
    );
    worklet.sendBatch(256);
    await worklet.framesDispatched(1);
    expect(target.counters.detachedReturns).to.equal(1);
    expect(target.counters.buffersReturned).to.equal(0);
    target.dispose();
    elsewhere.port1.close();
  });

  it('settles requestStats() with the answer to it, not with a periodic snapshot sent before', async () => {
    const worklet = new FakeWorklet();
    const target = worklet.session();
    const first = target.requestStats();
    const second = target.requestStats();
    await worklet.receivedAtLeast(2);
    const periodic = { ...engineStats(), renderedFrames: 128 };
    const answers = [
      { ...engineStats(), renderedFrames: 256 },
      { ...engineStats(), renderedFrames: 384 },
    ];
    const post = (stats: PoolStats, kind: StatsKind) => {
      const wire = new Float64Array(STATS_WIRE_LENGTH);
      encodeStats(stats, rawMeters(), kind, wire);
      worklet.channel.port2.postMessage(wire);
    };
    post(periodic, 'periodic');
    for (const stats of answers) post(stats, 'requested');
    expect((await first).renderedFrames).to.equal(256);
    expect((await second).renderedFrames).to.equal(384);
    expect(target.latestStats?.renderedFrames).to.equal(384);
    target.dispose();
  });

  it('settles awaitRender() with the rendered answer that counts its request, and with false once disposed', async () => {
    const worklet = new FakeWorklet();
    const target = worklet.session();
    const settled: string[] = [];
    const first = target.awaitRender().then((rendered) => settled.push(`first ${rendered}`));
    const second = target.awaitRender().then((rendered) => settled.push(`second ${rendered}`));
    await worklet.receivedAtLeast(2);
    expect(worklet.received).to.deep.equal([{ type: 'await-render' }, { type: 'await-render' }]);
    // Rendered after the first request only: the second still waits.
    worklet.channel.port2.postMessage({ type: 'rendered', requests: 1, frame: 128 });
    await first;
    const third = target.awaitRender().then((rendered) => settled.push(`third ${rendered}`));
    worklet.channel.port2.postMessage({ type: 'rendered', requests: 2, frame: 256 });
    await second;
    expect(settled).to.deep.equal(['first true', 'second true']);
    target.dispose();
    await third;
    expect(settled).to.deep.equal(['first true', 'second true', 'third false']);
    expect(await target.awaitRender()).to.equal(false);
  });

  it('settles stop() with the final stats the worklet answers, or with null when it never does', async () => {
    const answering = new FakeWorklet();
    const target = answering.session();
    const final = target.stop();
    await answering.receivedAtLeast(1);
    expect(answering.received).to.deep.equal([{ type: 'stop' }]);
    const wire = new Float64Array(STATS_WIRE_LENGTH);
    encodeStats({ ...engineStats(), renderedFrames: 640 }, rawMeters(), 'final', wire);
    answering.channel.port2.postMessage(wire);
    expect((await final)?.renderedFrames).to.equal(640);
    target.dispose();

    const silent = new FakeWorklet();
    const unanswered = silent.session();
    const started = performance.now();
    expect(await unanswered.stop()).to.equal(null);
    // Given up after its two seconds, not at once.
    expect(performance.now() - started).to.be.at.least(1900);
    unanswered.dispose();
  });

  it('refuses malformed messages from the worklet, counting and reporting them', async () => {
    const worklet = new FakeWorklet();
    const target = worklet.session();
    for (const junk of [null, 'x', { type: 'stats' }, new ArrayBuffer(8)]) worklet.channel.port2.postMessage(junk);
    worklet.sendBatch(256);
    await worklet.framesDispatched(1);
    expect(target.counters.invalidWorkletMessages).to.equal(4);
    expect(worklet.errors).to.deep.equal(['invalid-message', 'invalid-message', 'invalid-message', 'invalid-message']);
    target.dispose();
  });
});
