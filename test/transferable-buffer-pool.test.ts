import { expect } from '@open-wc/testing';
import { batchBufferBytes, readBufferId, writeBatchHeader } from '../src/protocol.js';
import { BufferState, ReleaseResult, TransferableBufferPool } from '../worklet/transferable-buffer-pool.js';
import { randomInt, seededRandom } from './helpers/random.js';

const BYTES = batchBufferBytes(128, 1);

/** Simulates a transfer to the main thread and back: a new ArrayBuffer object with the same bytes. */
function sendAndReceive(pool: TransferableBufferPool, slot: number): ArrayBuffer {
  const id = pool.idAt(slot);
  writeBatchHeader(pool.viewAt(slot), id, 0, 0, 0, 1, 128, true);
  return structuredClone(pool.bufferAt(slot), { transfer: [pool.bufferAt(slot)] });
}

function giveBack(pool: TransferableBufferPool, buffer: ArrayBuffer, now = 0): ReleaseResult {
  const view = new Float32Array(buffer);
  return pool.release(readBufferId(view), buffer, view, now);
}

function filledPool(size = 4, bytes = BYTES): TransferableBufferPool {
  const pool = new TransferableBufferPool();
  pool.configure(size, bytes);
  return pool;
}

function expectWhole(pool: TransferableBufferPool): void {
  expect(pool.available + pool.inFlight + pool.processing).to.equal(pool.buffersAlive);
  let counted = 0;
  for (let slot = 0; slot < pool.capacity; slot++) if (pool.stateAt(slot) !== BufferState.Empty) counted++;
  expect(counted).to.equal(pool.buffersAlive);
}

describe('TransferableBufferPool', () => {
  it('fills to the configured size with buffers of the configured length', () => {
    const pool = filledPool(4);
    expect(pool.available).to.equal(4);
    expect(pool.allocations).to.equal(4);
    expect(pool.initialAllocations).to.equal(4);
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
    for (const slot of slots) expect(pool.stateAt(slot)).to.equal(BufferState.InFlight);
    expect(pool.inFlight).to.equal(3);
    expect(pool.available).to.equal(0);
    expect(pool.maxInFlight).to.equal(3);
  });

  it('returns -1 and counts a miss when exhausted, without allocating', () => {
    const pool = filledPool(2);
    pool.acquire(0);
    pool.acquire(0);
    expect(pool.acquire(0)).to.equal(-1);
    expect(pool.misses).to.equal(1);
    expect(pool.hits).to.equal(2);
    expect(pool.acquisitions).to.equal(3);
    expect(pool.allocations).to.equal(2);
  });

  it('takes back a returned buffer under the same id and reuses it', () => {
    const pool = filledPool(2);
    const slot = pool.acquire(0);
    const id = pool.idAt(slot);
    const returned = sendAndReceive(pool, slot);
    expect(giveBack(pool, returned, 480)).to.equal(ReleaseResult.Accepted);
    expect(pool.stateAt(slot)).to.equal(BufferState.Available);
    expect(pool.bufferAt(slot)).to.equal(returned);
    expect(pool.idAt(slot)).to.equal(id);
    expect(pool.returns).to.equal(1);
    expect(pool.turnoverTotalFrames).to.equal(480);
    expect(pool.allocations).to.equal(2);
    expect(pool.acquire(0)).to.equal(slot);
  });

  it('moves a buffer to processing when reported, and back to available when returned', () => {
    const pool = filledPool(2);
    const slot = pool.acquire(0);
    expect(pool.markProcessing(pool.idAt(slot))).to.equal(true);
    expect(pool.stateAt(slot)).to.equal(BufferState.Processing);
    expect([pool.inFlight, pool.processing]).to.deep.equal([0, 1]);
    expect(pool.markProcessing(pool.idAt(slot))).to.equal(false);
    expect(giveBack(pool, sendAndReceive(pool, slot))).to.equal(ReleaseResult.Accepted);
    expect([pool.available, pool.inFlight, pool.processing]).to.deep.equal([2, 0, 0]);
  });

  it('discards a duplicate return and counts it', () => {
    const pool = filledPool(2);
    const slot = pool.acquire(0);
    const returned = sendAndReceive(pool, slot);
    const copy = returned.slice(0);
    expect(giveBack(pool, returned)).to.equal(ReleaseResult.Accepted);
    expect(giveBack(pool, copy)).to.equal(ReleaseResult.Duplicate);
    expect(pool.invalidReturns[ReleaseResult.Duplicate]).to.equal(1);
    expect(pool.available).to.equal(2);
  });

  it('discards unknown ids: never issued, or no header at all', () => {
    const pool = filledPool(2);
    const slot = pool.acquire(0);
    const returned = sendAndReceive(pool, slot);
    const forged = returned.slice(0);
    writeBatchHeader(new Float32Array(forged), pool.idAt(slot) + 10 * pool.capacity, 0, 0, 0, 1, 128, true);
    expect(giveBack(pool, forged)).to.equal(ReleaseResult.UnknownId);
    expect(giveBack(pool, new ArrayBuffer(BYTES))).to.equal(ReleaseResult.UnknownId);
    expect(pool.release(-1, new ArrayBuffer(BYTES), null, 0)).to.equal(ReleaseResult.UnknownId);
    expect(pool.invalidReturns[ReleaseResult.UnknownId]).to.equal(3);
    expect(pool.inFlight).to.equal(1);
  });

  it('reclaims a buffer out past the timeout with one fresh allocation and a new id', () => {
    const pool = filledPool(2);
    const slot = pool.acquire(100);
    const oldId = pool.idAt(slot);
    expect(pool.nextExpired(100 + 4799, 4800)).to.equal(-1);
    expect(pool.nextExpired(100 + 4800, 4800)).to.equal(slot);
    pool.reclaim(slot);
    expect(pool.reclaims).to.equal(1);
    expect(pool.allocations).to.equal(3);
    expect(pool.stateAt(slot)).to.equal(BufferState.Available);
    expect(pool.idAt(slot)).to.not.equal(oldId);
    expect(pool.available).to.equal(2);
    expect(pool.nextExpired(1e9, 4800)).to.equal(-1);
  });

  it('discards the late return of a reclaimed buffer as late', () => {
    const pool = filledPool(2);
    const slot = pool.acquire(0);
    const returned = sendAndReceive(pool, slot);
    pool.reclaim(pool.nextExpired(10, 1));
    expect(giveBack(pool, returned)).to.equal(ReleaseResult.Late);
    expect(pool.invalidReturns[ReleaseResult.Late]).to.equal(1);
    expect(pool.available).to.equal(2);
  });

  it('replaces available buffers at once and out buffers on return when the buffer size changes', () => {
    const pool = filledPool(3);
    const slot = pool.acquire(0);
    const returned = sendAndReceive(pool, slot);
    const newBytes = batchBufferBytes(256, 2);
    pool.configure(3, newBytes);
    expect(pool.allocations).to.equal(5);
    expect(giveBack(pool, returned)).to.equal(ReleaseResult.SizeMismatch);
    expect(pool.invalidReturns[ReleaseResult.SizeMismatch]).to.equal(1);
    expect(pool.allocations).to.equal(6);
    expect(pool.available).to.equal(3);
    for (let i = 0; i < 3; i++) expect(pool.bufferAt(pool.acquire(0)).byteLength).to.equal(newBytes);
  });

  it('grows at once and shrinks as buffers come back', () => {
    const pool = filledPool(4);
    const out = [pool.acquire(0), pool.acquire(0), pool.acquire(0)].map((slot) => sendAndReceive(pool, slot));
    pool.configure(2, BYTES);
    expect(pool.available).to.equal(0);
    expect(pool.buffersAlive).to.equal(3);
    expect(giveBack(pool, out[0] as ArrayBuffer)).to.equal(ReleaseResult.Accepted);
    expect(pool.buffersAlive).to.equal(2);
    expect(giveBack(pool, out[1] as ArrayBuffer)).to.equal(ReleaseResult.Accepted);
    expect(giveBack(pool, out[2] as ArrayBuffer)).to.equal(ReleaseResult.Accepted);
    expect([pool.available, pool.buffersAlive]).to.deep.equal([2, 2]);
    pool.configure(6, BYTES);
    expect([pool.available, pool.buffersAlive, pool.allocations]).to.deep.equal([6, 6, 8]);
    expectWhole(pool);
  });

  it('empties when configured to size 0 (allocate mode) and refills later', () => {
    const pool = filledPool(4);
    pool.configure(0, BYTES);
    expect(pool.buffersAlive).to.equal(0);
    pool.configure(4, BYTES);
    expect(pool.available).to.equal(4);
    expect(pool.allocations).to.equal(8);
  });

  it('writes each slot state and the age of buffers out', () => {
    const pool = filledPool(3);
    const sent = pool.acquire(0);
    const held = pool.acquire(480);
    pool.markProcessing(pool.idAt(held));
    const states = new Uint8Array(pool.capacity);
    const ages = new Float32Array(pool.capacity);
    pool.writeSlots(states, ages, 4800, 48000);
    expect(states[sent]).to.equal(BufferState.InFlight);
    expect(states[held]).to.equal(BufferState.Processing);
    expect([ages[sent], ages[held]]).to.deep.equal([100, 90]);
    expect([...states].filter((state) => state === BufferState.Available)).to.have.length(1);
    expect([...states].filter((state) => state === BufferState.Empty)).to.have.length(pool.capacity - 3);
  });

  it('zeroes counters on reset but keeps buffers and states', () => {
    const pool = filledPool(2);
    pool.acquire(0);
    pool.resetCounters();
    expect([pool.acquisitions, pool.hits, pool.allocations, pool.returns]).to.deep.equal([0, 0, 0, 0]);
    expect([pool.available, pool.inFlight, pool.maxInFlight]).to.deep.equal([1, 1, 1]);
  });

  it('keeps every buffer accounted for over a seeded random sequence of operations', () => {
    const random = seededRandom(20261125);
    const pool = filledPool(8);
    const out = new Map<number, ArrayBuffer>();
    const reclaimed: ArrayBuffer[] = [];
    let expectedAllocations = 8;
    let accepted = 0;
    for (let step = 0; step < 20000; step++) {
      const now = step * 128;
      const action = randomInt(random, 10);
      if (action < 4) {
        const slot = pool.acquire(now);
        if (slot >= 0) out.set(pool.idAt(slot), sendAndReceive(pool, slot));
        else expect(pool.available).to.equal(0);
      } else if (action < 7 && out.size > 0) {
        const ids = [...out.keys()];
        const id = ids[randomInt(random, ids.length)] as number;
        expect(giveBack(pool, out.get(id) as ArrayBuffer, now)).to.equal(ReleaseResult.Accepted);
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
          slot = pool.nextExpired(now, 128 * 50);
        }
      } else if (reclaimed.length > 0) {
        expect(giveBack(pool, reclaimed.pop() as ArrayBuffer, now)).to.equal(ReleaseResult.Late);
      }
      expect(pool.inFlight + pool.processing).to.equal(out.size);
      expect(pool.buffersAlive).to.equal(8);
    }
    expectWhole(pool);
    expect(pool.allocations).to.equal(expectedAllocations);
    expect(pool.returns).to.equal(accepted);
    expect(pool.hits + pool.misses).to.equal(pool.acquisitions);
  });
});
