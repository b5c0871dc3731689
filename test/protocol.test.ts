import { expect } from '@open-wc/testing';
import {
  batchBufferBytes,
  channelViews,
  decodeBatchHeader,
  HEADER_BYTES,
  MAX_HEADER_COUNTER,
  PROTOCOL_VERSION,
  parseFromWorkletMessage,
  parseToWorkletMessage,
  readBufferId,
  TRANSPORT_CODES,
} from '../src/protocol.js';
import { encodeStats, MAX_REPORTED_SLOTS, type PoolStats, STATS_WIRE_LENGTH } from '../src/stats.js';
import { writeHeader } from './helpers/batches.js';
import { engineStats, rawMeters } from './helpers/stats.js';

function batchBuffer(frames = 128, channels = 2): { buffer: ArrayBuffer; view: Float32Array } {
  const buffer = new ArrayBuffer(batchBufferBytes(frames, channels));
  return { buffer, view: new Float32Array(buffer) };
}

describe('protocol: batch header', () => {
  it('round-trips every field, counters exact up to 2^40', () => {
    const { view } = batchBuffer(128, 2);
    const big = MAX_HEADER_COUNTER - 1;
    const header = {
      bufferId: big,
      sequence: big - 1,
      frame: big - 2,
      skippedFrames: 65536,
      gapFrames: big - 3,
      channels: 2,
      frames: 128,
      transport: 'shared',
    } as const;
    writeHeader(view, header);
    expect(decodeBatchHeader(view)).to.deep.equal(header);
    expect(readBufferId(view)).to.equal(big);
  });

  it('names the transport that carried the batch, each by its own code', () => {
    const { view } = batchBuffer(128, 1);
    for (const transport of ['shared', 'copy', 'ping-pong', 'allocate'] as const) {
      writeHeader(view, { transport });
      expect(decodeBatchHeader(view)?.transport).to.equal(transport);
    }
    expect(new Set(Object.values(TRANSPORT_CODES)).size).to.equal(4);
    view[12] = 9;
    expect(decodeBatchHeader(view)).to.equal(null);
  });

  it('rejects a buffer without our magic, with another version, or whose size disagrees with its header', () => {
    const { view } = batchBuffer(128, 2);
    expect(decodeBatchHeader(view)).to.equal(null);
    writeHeader(view, { bufferId: 1, channels: 2 });
    expect(decodeBatchHeader(view)).to.not.equal(null);
    view[1] = PROTOCOL_VERSION + 1;
    expect(decodeBatchHeader(view)).to.equal(null);
    expect(readBufferId(view)).to.equal(-1);
    writeHeader(view, { bufferId: 1, channels: 2, frames: 256 });
    expect(decodeBatchHeader(view)).to.equal(null);
    writeHeader(view, { bufferId: 1, channels: 0 });
    expect(decodeBatchHeader(view)).to.equal(null);
  });

  it('lays channels out planar after the header', () => {
    const { buffer, view } = batchBuffer(4, 2);
    view.set([1, 2, 3, 4, 5, 6, 7, 8], HEADER_BYTES / 4);
    const [left, right] = channelViews(buffer, 2, 4);
    expect([...(left as Float32Array)]).to.deep.equal([1, 2, 3, 4]);
    expect([...(right as Float32Array)]).to.deep.equal([5, 6, 7, 8]);
  });
});

describe('protocol: messages to the worklet', () => {
  it('accepts each well-formed control message', () => {
    const valid = [
      { type: 'configure', config: { poolSize: 4, transport: 'allocate' } },
      { type: 'return-buffer', buffers: [new ArrayBuffer(8)] },
      { type: 'report-processing', bufferIds: [256, 257] },
      { type: 'acknowledge', sequence: 63 },
      { type: 'request-stats' },
      { type: 'reset-stats' },
      { type: 'await-render' },
      { type: 'stop' },
    ];
    for (const message of valid) expect(parseToWorkletMessage(message), message.type).to.deep.equal({ ok: true, message });
  });

  it('refuses malformed ones with a reason', () => {
    const invalid = [
      undefined,
      null,
      42,
      'stop',
      [],
      {},
      { type: 'launch' },
      { type: 'configure' },
      { type: 'configure', config: { batchSize: 100 } },
      { type: 'configure', config: { poolSize: '16px' } },
      { type: 'configure', config: { transport: 'auto' } },
      { type: 'acknowledge', sequence: -1 },
      { type: 'acknowledge' },
      { type: 'return-buffer', buffers: 'x' },
      { type: 'report-processing', bufferIds: [-1] },
      { type: 'report-processing', bufferIds: [Number.NaN] },
      { type: 'report-processing' },
    ];
    for (const message of invalid) {
      const parsed = parseToWorkletMessage(message);
      expect(parsed.ok, JSON.stringify(message)).to.equal(false);
      if (!parsed.ok) expect(parsed.reason).to.be.a('string').and.not.be.empty;
    }
  });
});

describe('protocol: messages from the worklet', () => {
  it('decodes a bare buffer as a batch', () => {
    const { buffer, view } = batchBuffer(128, 1);
    writeHeader(view, { bufferId: 300, sequence: 5, frame: 640 });
    const parsed = parseFromWorkletMessage(buffer);
    expect(parsed.ok && parsed.message.type === 'batch' && parsed.message.header.sequence).to.equal(5);
    expect(parsed.ok && parsed.message.type === 'batch' && parsed.message.buffer).to.equal(buffer);
  });

  it('accepts each well-formed message', () => {
    const valid = [
      { type: 'error', code: 'invalid-message', message: 'x' },
      { type: 'reclaimed', bufferId: 300, ageMs: 1000.5 },
      { type: 'exhausted', frame: 4096 },
      { type: 'error', code: 'transport-unavailable', message: 'no SharedArrayBuffer' },
      { type: 'wake' },
      { type: 'rendered', requests: 2, frame: 44032 },
    ];
    for (const message of valid) expect(parseFromWorkletMessage(message), message.type).to.deep.equal({ ok: true, message });
  });

  it('decodes a bare Float64Array as a stats snapshot: every field, the kind, the slots up to the last one in use', () => {
    const slotStates = new Uint8Array(MAX_REPORTED_SLOTS);
    slotStates.set([1, 2, 3, 1], 0);
    // Counts beyond int32 too (the page stores those that fit as int32s).
    const stats: PoolStats = {
      ...engineStats(),
      returns: 12345,
      acquisitions: 8,
      hits: 6,
      renderedFrames: 2 ** 40 - 1,
      deliveredFrames: 2 ** 31 + 3,
      transport: 'shared',
      slotStates,
    };
    stats.invalidReturns.late = 3;
    stats.invalidReturns.notBuffer = 2 ** 32 + 1;
    // The worklet sends ages and turnover in frames; the page derives milliseconds (and the hit rate).
    const raw = { ...rawMeters(), turnoverCount: 4, turnoverTotalFrames: 4800, turnoverMaxFrames: 2400 };
    raw.slotAgeFrames.set([0, 600, 1920], 0);
    const wire = new Float64Array(STATS_WIRE_LENGTH);
    for (const [kind, expected] of [
      ['periodic', { type: 'stats', requested: false }],
      ['requested', { type: 'stats', requested: true }],
      ['final', { type: 'stopped' }],
    ] as const) {
      encodeStats(stats, raw, kind, wire);
      const parsed = parseFromWorkletMessage(wire);
      if (!parsed.ok || (parsed.message.type !== 'stats' && parsed.message.type !== 'stopped')) throw new Error(`${kind} not decoded`);
      expect(parsed.message).to.deep.include(expected);
      const decoded = parsed.message.stats;
      expect({ ...decoded, slotStates: [...decoded.slotStates], slotAgesMs: [...decoded.slotAgesMs] }).to.deep.equal({
        ...stats,
        hitRate: 0.75,
        turnoverAvgMs: 25,
        turnoverMaxMs: 50,
        slotStates: [1, 2, 3, 1],
        slotAgesMs: [0, 12.5, 40, 0],
      });
    }
  });

  it('decodes a snapshot into a copy of the template it is given: the template’s own fields kept, the template untouched', () => {
    const wire = new Float64Array(STATS_WIRE_LENGTH);
    encodeStats({ ...engineStats(), returns: 7 }, rawMeters(), 'periodic', wire);
    const template = { ...engineStats(), retained: 2, outputUnderruns: null };
    const parsed = parseFromWorkletMessage(wire, template);
    if (!parsed.ok || parsed.message.type !== 'stats') throw new Error('not decoded');
    expect(parsed.message.stats).to.not.equal(template);
    expect(parsed.message.stats).to.deep.include({ returns: 7, retained: 2, outputUnderruns: null });
    expect(template.returns).to.equal(engineStats().returns);
  });

  it('refuses malformed ones', () => {
    const good = new Float64Array(STATS_WIRE_LENGTH);
    encodeStats(engineStats(), rawMeters(), 'periodic', good);
    const altered = (index: number, value: number) => {
      const copy = good.slice();
      copy[index] = value;
      return copy;
    };
    const invalid = [
      null,
      new ArrayBuffer(10),
      new ArrayBuffer(batchBufferBytes(128, 1)),
      { type: 'stats', stats: engineStats(), requested: false },
      new Float64Array(STATS_WIRE_LENGTH - 1),
      altered(0, 1),
      altered(1, 7),
      altered(2, 9),
      altered(10, Number.NaN),
      { type: 'error', code: 'oops', message: 'x' },
      { type: 'reclaimed', bufferId: -3, ageMs: 1 },
      { type: 'reclaimed', bufferId: 3, ageMs: Number.NaN },
      { type: 'exhausted' },
      { type: 'batch' },
      { type: 'shared-slots', control: new ArrayBuffer(8), slots: [] },
      { type: 'shared-slots' },
    ];
    for (const message of invalid) expect(parseFromWorkletMessage(message).ok, String(message)).to.equal(false);
  });

  it('survives a real postMessage round trip with transfer, detaching the sender', async () => {
    const { buffer, view } = batchBuffer(128, 1);
    writeHeader(view, { bufferId: 257, sequence: 9, frame: 1152, skippedFrames: 256 });
    view[HEADER_BYTES / 4 + 3] = 0.25;
    const channel = new MessageChannel();
    const received = new Promise<unknown>((resolve) => {
      channel.port2.onmessage = (event) => resolve(event.data);
    });
    channel.port1.postMessage(buffer, [buffer]);
    const data = await received;
    expect(buffer.byteLength).to.equal(0);
    const parsed = parseFromWorkletMessage(data);
    if (!parsed.ok || parsed.message.type !== 'batch') throw new Error('not decoded as a batch');
    expect(parsed.message.header).to.deep.include({ bufferId: 257, sequence: 9, frame: 1152, skippedFrames: 256 });
    expect(channelViews(parsed.message.buffer, 1, 128)[0]?.[3]).to.equal(0.25);
    channel.port1.close();
  });
});
