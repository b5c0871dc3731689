import { expect } from '@open-wc/testing';
import { batchBufferBytes, readBufferId } from '../src/protocol.js';
import { SLOT_CODES } from '../src/stats.js';
import { Meters } from '../worklet/meters.js';
import type { ReturnVerdict } from '../worklet/slot-pool.js';
import { TransferableBufferPool } from '../worklet/transports/transferable-buffer-pool.js';
import { writeHeader } from './helpers/batches.js';
import { randomInt, seededRandom } from './helpers/random.js';

const BYTES = batchBufferBytes(128, 1);

/** Simulates a transfer to the main thread and back: a new ArrayBuffer object with the same bytes. */
function sendAndReceive(pool: TransferableBufferPool, slot: number): ArrayBuffer {
  writeHeader(pool.viewAt(slot), { bufferId: pool.idAt(slot) });
  return structuredClone(pool.bufferAt(slot), { transfer: [pool.bufferAt(slot)] });
}

function giveBack(pool: TransferableBufferPool, buffer: ArrayBuffer, now = 0): ReturnVerdict {
  const view = new Float32Array(buffer);
  return pool.releaseBuffer(readBufferId(view), buffer, view, now);
}

/** A pool and the counters it adds to. */
function filledPool(size = 4, bytes = BYTES): TransferableBufferPool & { counts: Meters } {
  const meters = new Meters('ping-pong', 48000);
  const pool = Object.assign(new TransferableBufferPool(meters), { counts: meters });
  pool.configure(size, bytes);
  return pool;
}

function expectWhole(pool: TransferableBufferPool): void {
  expect(pool.available + pool.inFlight + pool.processing).to.equal(pool.buffersAlive);
  let counted = 0;
  for (let slot = 0; slot < pool.capacity; slot++) if (pool.stateAt(slot) !== SLOT_CODES.empty) counted++;
  expect(counted).to.equal(pool.buffersAlive);
}

describe('SlotPool, as the ping-pong TransferableBufferPool', () => {
  it('fills to the configured size with buffers of the configured length', () => {
    const pool = filledPool(4);
    expect(pool.available).to.equal(4);
    expect(pool.counts.stats.allocations).to.equal(4);
    for (let i = 0; i < 4; i++) {
      const slot = pool.acquire(0);
      expect(pool.bufferAt(slot).byteLength).to.equal(BYTES);
      expect(pool.viewAt(slot).buffer).to.equal(pool.bufferAt(slot));
    }
  });

  it('acquires distinct buffers and marks them in flight', () => {
    const pool = filledPool(3);
    const slots = [pool.acquire(0), pool.acquire(0), pool.acquire(0)];
    expect(new Set(slots).size).to.equal(3);
    expect(new Set(slots.map((slot) => pool.idAt(slot))).size).to.equal(3);
    for (const slot of slots) expect(pool.stateAt(slot)).to.equal(SLOT_CODES['in-flight']);
    expect(pool.inFlight).to.equal(3);
    expect(pool.available).to.equal(0);
    expect(pool.maxInFlight).to.equal(3);
  });

  it('returns -1 when exhausted, without allocating', () => {
    const pool = filledPool(2);
    pool.acquire(0);
    pool.acquire(0);
    expect(pool.acquire(0)).to.equal(-1);
    expect([pool.available, pool.inFlight]).to.deep.equal([0, 2]);
    expect(pool.counts.stats.allocations).to.equal(2);
  });

  it('takes back a returned buffer under the same id and reuses it', () => {
    const pool = filledPool(2);
    const slot = pool.acquire(0);
    const id = pool.idAt(slot);
    const returned = sendAndReceive(pool, slot);
    expect(giveBack(pool, returned, 480)).to.equal('accepted');
    expect(pool.stateAt(slot)).to.equal(SLOT_CODES.available);
    expect(pool.bufferAt(slot)).to.equal(returned);
    expect(pool.idAt(slot)).to.equal(id);
    expect(pool.counts.stats.returns).to.equal(1);
    expect(pool.counts.turnoverTotalFrames).to.equal(480);
    expect(pool.counts.stats.allocations).to.equal(2);
    expect(pool.acquire(0)).to.equal(slot);
  });

  it('moves a buffer to processing when reported, and back to available when returned', () => {
    const pool = filledPool(2);
    const slot = pool.acquire(0);
    expect(pool.markProcessing(pool.idAt(slot))).to.equal(true);
    expect(pool.stateAt(slot)).to.equal(SLOT_CODES.processing);
    expect([pool.inFlight, pool.processing]).to.deep.equal([0, 1]);
    expect(pool.markProcessing(pool.idAt(slot))).to.equal(false);
    expect(giveBack(pool, sendAndReceive(pool, slot))).to.equal('accepted');
    expect([pool.available, pool.inFlight, pool.processing]).to.deep.equal([2, 0, 0]);
  });

  it('discards a duplicate return and counts it', () => {
    const pool = filledPool(2);
    const slot = pool.acquire(0);
    const returned = sendAndReceive(pool, slot);
    const copy = returned.slice(0);
    expect(giveBack(pool, returned)).to.equal('accepted');
    expect(giveBack(pool, copy)).to.equal('duplicate');
    expect(pool.counts.stats.invalidReturns.duplicate).to.equal(1);
    expect(pool.available).to.equal(2);
  });

  it('discards unknown ids: never issued, or no header at all', () => {
    const pool = filledPool(2);
    const slot = pool.acquire(0);
    const returned = sendAndReceive(pool, slot);
    const forged = returned.slice(0);
    writeHeader(new Float32Array(forged), { bufferId: pool.idAt(slot) + 10 * pool.capacity });
    expect(giveBack(pool, forged)).to.equal('unknownId');
    expect(giveBack(pool, new ArrayBuffer(BYTES))).to.equal('unknownId');
    expect(pool.release(-1, BYTES, 0)).to.equal('unknownId');
    expect(pool.counts.stats.invalidReturns.unknownId).to.equal(3);
    expect(pool.inFlight).to.equal(1);
  });

  it('reclaims a buffer out past the timeout with one fresh allocation and a new id', () => {
    const pool = filledPool(2);
    const slot = pool.acquire(100);
    const oldId = pool.idAt(slot);
    expect(pool.nextExpired(100 + 4799, 4800)).to.equal(-1);
    expect(pool.nextExpired(100 + 4800, 4800)).to.equal(slot);
    pool.reclaim(slot);
    expect(pool.counts.stats.reclaims).to.equal(1);
    expect(pool.counts.stats.allocations).to.equal(3);
    expect(pool.stateAt(slot)).to.equal(SLOT_CODES.available);
    expect(pool.idAt(slot)).to.not.equal(oldId);
    expect(pool.available).to.equal(2);
    expect(pool.nextExpired(1e9, 4800)).to.equal(-1);
  });

  it('discards the late return of a reclaimed buffer as late', () => {
    const pool = filledPool(2);
    const slot = pool.acquire(0);
    const returned = sendAndReceive(pool, slot);
    pool.reclaim(pool.nextExpired(10, 1));
    expect(giveBack(pool, returned)).to.equal('late');
    expect(pool.counts.stats.invalidReturns.late).to.equal(1);
    expect(pool.available).to.equal(2);
  });

  it('replaces available buffers at once and out buffers on return when the buffer size changes', () => {
    const pool = filledPool(3);
    const slot = pool.acquire(0);
    const returned = sendAndReceive(pool, slot);
    const newBytes = batchBufferBytes(256, 2);
    pool.configure(3, newBytes);
    expect(pool.counts.stats.allocations).to.equal(5);
    expect(giveBack(pool, returned)).to.equal('sizeMismatch');
    expect(pool.counts.stats.invalidReturns.sizeMismatch).to.equal(1);
    expect(pool.counts.stats.allocations).to.equal(6);
    expect(pool.available).to.equal(3);
    for (let i = 0; i < 3; i++) expect(pool.bufferAt(pool.acquire(0)).byteLength).to.equal(newBytes);
  });

  it('grows at once and shrinks as buffers come back', () => {
    const pool = filledPool(4);
    const out = [pool.acquire(0), pool.acquire(0), pool.acquire(0)].map((slot) => sendAndReceive(pool, slot));
    pool.configure(2, BYTES);
    expect(pool.available).to.equal(0);
    expect(pool.buffersAlive).to.equal(3);
    expect(giveBack(pool, out[0] as ArrayBuffer)).to.equal('accepted');
    expect(pool.buffersAlive).to.equal(2);
    expect(giveBack(pool, out[1] as ArrayBuffer)).to.equal('accepted');
    expect(giveBack(pool, out[2] as ArrayBuffer)).to.equal('accepted');
    expect([pool.available, pool.buffersAlive]).to.deep.equal([2, 2]);
    pool.configure(6, BYTES);
    expect([pool.available, pool.buffersAlive, pool.counts.stats.allocations]).to.deep.equal([6, 6, 8]);
    expectWhole(pool);
  });

  it('empties when configured to size 0 (switched away) and refills later', () => {
    const pool = filledPool(4);
    pool.configure(0, BYTES);
    expect(pool.buffersAlive).to.equal(0);
    pool.configure(4, BYTES);
    expect(pool.available).to.equal(4);
    expect(pool.counts.stats.allocations).to.equal(8);
  });

  it('writes each slot state and the age of buffers out', () => {
    const pool = filledPool(3);
    const sent = pool.acquire(0);
    const held = pool.acquire(480);
    pool.markProcessing(pool.idAt(held));
    const states = new Uint8Array(pool.capacity + 2);
    const ages = new Int32Array(pool.capacity + 2);
    expect(pool.writeSlots(states, ages, 2, 4800)).to.equal(3);
    expect(states[2 + sent]).to.equal(SLOT_CODES['in-flight']);
    expect(states[2 + held]).to.equal(SLOT_CODES.processing);
    expect([ages[2 + sent], ages[2 + held]]).to.deep.equal([4800, 4320]);
    expect([...states].filter((state) => state === SLOT_CODES.available)).to.have.length(1);
    expect([...states].filter((state) => state === SLOT_CODES.empty)).to.have.length(pool.capacity + 2 - 3);
  });

  it('starts its in-flight peak again from now, keeping slots and states', () => {
    const pool = filledPool(3);
    pool.release(pool.idAt(pool.acquire(0)), BYTES, 0);
    pool.acquire(0);
    pool.acquire(0);
    pool.release(pool.idAt(pool.acquire(0)), BYTES, 0);
    expect([pool.inFlight, pool.maxInFlight]).to.deep.equal([2, 3]);
    pool.resetPeaks();
    expect([pool.available, pool.inFlight, pool.maxInFlight]).to.deep.equal([1, 2, 2]);
  });

  it('keeps every buffer accounted for over a seeded random sequence of operations', () => {
    const random = seededRandom(20261125);
    const pool = filledPool(8);
    const out = new Map<number, ArrayBuffer>();
    const reclaimed: ArrayBuffer[] = [];
    let expectedAllocations = 8;
    let accepted = 0;
    let reclaims = 0;
    let lateReturns = 0;
    let misses = 0;
    for (let step = 0; step < 20000; step++) {
      const now = step * 128;
      const action = randomInt(random, 10);
      if (action < 4) {
        const slot = pool.acquire(now);
        if (slot >= 0) out.set(pool.idAt(slot), sendAndReceive(pool, slot));
        else {
          expect(pool.available).to.equal(0);
          misses++;
        }
      } else if (action < 7 && out.size > 0) {
        const ids = [...out.keys()];
        const id = ids[randomInt(random, ids.length)] as number;
        expect(giveBack(pool, out.get(id) as ArrayBuffer, now)).to.equal('accepted');
        out.delete(id);
        accepted++;
      } else if (action === 7 && out.size > 0) {
        pool.markProcessing([...out.keys()][0] as number);
      } else if (action === 8) {
        let slot = pool.nextExpired(now, 128 * 50);
        while (slot >= 0) {
          const id = pool.idAt(slot);
          pool.reclaim(slot);
          reclaimed.push(out.get(id) as ArrayBuffer);
          out.delete(id);
          expectedAllocations++;
          reclaims++;
          slot = pool.nextExpired(now, 128 * 50);
        }
      } else if (reclaimed.length > 0) {
        expect(giveBack(pool, reclaimed.pop() as ArrayBuffer, now)).to.equal('late');
        lateReturns++;
      }
      expect(pool.inFlight + pool.processing).to.equal(out.size);
      expect(pool.buffersAlive).to.equal(8);
    }
    expectWhole(pool);
    // Every branch ran, many times over: a run that never reclaimed or ran dry would prove little.
    expect(
      [reclaims, lateReturns, misses].every((count) => count > 50),
      JSON.stringify({ reclaims, lateReturns, misses }),
    ).to.equal(true);
    const { stats } = pool.counts;
    expect(stats.allocations).to.equal(expectedAllocations);
    expect([stats.returns, stats.reclaims, stats.invalidReturns.late]).to.deep.equal([accepted, reclaims, lateReturns]);
  });
});
