import type { BatchSource, FrameSink, Retainer } from '../batch-source.js';
import { MAX_POOL_SIZE } from '../config.js';
import { DispatchedFrame } from '../dispatched-frame.js';
import { channelViews, createBatchHeader, readBatchHeader, type SharedSlotsMessage, type WakeMessage } from '../protocol.js';
import {
  AVAILABLE,
  IN_FLIGHT,
  idIndex,
  idWord,
  LATE_RELEASES,
  PROCESSING,
  PUBLISHED,
  ringIndex,
  slotWord,
  WAITING,
  WAKE_BY_MESSAGE,
  WAKE_BY_NOTIFY,
  wordIndex,
} from '../shared-slots.js';

/** `Atomics` with `waitAsync` (ES2024; TypeScript's ES2022 library lacks it, and some browsers too). */
type AtomicsWithWaitAsync = typeof Atomics & {
  waitAsync?(
    array: Int32Array,
    index: number,
    value: number,
  ): { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
};

/** One slot's memory as the page holds it, with everything a batch in it needs: made once, when the worklet announces the memory. */
interface SlotMemory {
  readonly slot: number;
  readonly idWord: number;
  readonly view: Float32Array;
  readonly frames: number;
  /** One view per channel. */
  readonly channelData: Float32Array[];
  /** The frame every batch of this memory is dispatched as, filled again each time. */
  readonly frame: DispatchedFrame;
}

/**
 * The page's end of `shared`: takes published batches from the ring in sequence order (in
 * flight → processing, by compare-and-swap on the slot's word), dispatches each from views made
 * once per slot memory, and gives the slot back (→ available) unless a listener retained it.
 * Once it has read everything, it waits: with `Atomics.waitAsync` on the `published` word where
 * the browser has it, else for the worklet's `wake` message.
 *
 * Allocation: per batch, nothing of its own (a slot's batches are dispatched as one frame,
 * filled again each time: a retained frame's slot carries nothing else until released); per
 * wake-up, what `Atomics.waitAsync` returns (a result object and a promise); per slot memory,
 * its views and its frame, made when the memory is announced: made at its first batch, they
 * deoptimised the dispatch path the JIT had compiled (after every change of shape).
 */
export class SharedSource implements BatchSource, Retainer {
  private readonly sink: FrameSink;
  private control: Int32Array | null = null;
  private readonly slots: (SlotMemory | undefined)[] = [];
  private readonly header = createBatchHeader();
  private readonly atomics: AtomicsWithWaitAsync = Atomics;
  private readonly held = new Map<number, number>();
  private waiting = false;
  private draining = false;
  private disposed = false;
  private readonly onWake = (): void => {
    this.waiting = false;
    this.sink.counters.wakeups++;
    this.drain();
  };

  constructor(sink: FrameSink) {
    this.sink = sink;
  }

  get retainedCount(): number {
    return this.held.size;
  }

  receiveBatch(): void {
    this.sink.refuse('a shared-memory batch arrived by message');
  }

  receiveMessage(message: SharedSlotsMessage | WakeMessage): void {
    if (message.type === 'shared-slots') {
      this.control ??= new Int32Array(message.control);
      for (const { slot, id, memory, channels, frames } of message.slots) {
        if (slot >= MAX_POOL_SIZE) continue;
        const channelData = channelViews(memory, channels, frames);
        const frame = new DispatchedFrame(channels);
        this.slots[slot] = { slot, idWord: idWord(id), view: new Float32Array(memory), frames, channelData, frame };
      }
    } else {
      this.sink.counters.wakeups++;
    }
    this.drain();
  }

  catchUp(): void {
    this.drain();
  }

  flush(): void {}

  configure(): void {}

  forget(bufferId: number): void {
    this.held.delete(bufferId);
  }

  retain(bufferId: number, sequence: number, token: unknown): () => void {
    const slot = token as number;
    this.held.set(bufferId, slot);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held.delete(bufferId);
      if (this.control !== null) this.giveBack(this.control, slot, sequence);
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const control = this.control;
    this.control = null;
    this.slots.length = 0;
    this.held.clear();
    // Wakes our own pending wait, so that nothing keeps this source (and the element) alive.
    if (control !== null && this.waiting) Atomics.notify(control, PUBLISHED);
  }

  private drain(): void {
    const control = this.control;
    if (control === null || this.draining) return;
    this.draining = true;
    try {
      do {
        this.takePublished(control);
      } while (!this.disposed && !this.armWake(control));
    } finally {
      this.draining = false;
    }
  }

  /**
   * The memory of the slot the next batch in sequence order goes to, if the page knows that
   * memory, else null (new memory is announced by a message that may still be on its way; its
   * arrival drains). Whether the batch is published there is the caller's to check.
   */
  private nextMemory(control: Int32Array): SlotMemory | null {
    const slot = Atomics.load(control, ringIndex(this.sink.expectedSequence));
    const memory = this.slots[slot];
    return memory !== undefined && memory.idWord === Atomics.load(control, idIndex(slot)) ? memory : null;
  }

  /** Dispatches every published batch that is due, in sequence order; stops at the first that is not there yet. */
  private takePublished(control: Int32Array): void {
    while (!this.disposed) {
      const memory = this.nextMemory(control);
      if (memory === null) return;
      const { slot } = memory;
      const sequence = this.sink.expectedSequence;
      const published = slotWord(sequence, IN_FLIGHT);
      if (Atomics.compareExchange(control, wordIndex(slot), published, slotWord(sequence, PROCESSING)) !== published) return;
      const header = this.header;
      if (!readBatchHeader(memory.view, header) || header.frames !== memory.frames || header.channels !== memory.channelData.length) {
        this.giveBack(control, slot, sequence);
        this.sink.refuse(`shared slot ${slot} holds no valid batch`, sequence);
        continue;
      }
      if (!this.sink.dispatch(header, memory.channelData, this, slot, memory.frame)) this.giveBack(control, slot, sequence);
    }
  }

  /**
   * Asks to be woken at the next publication; false when a batch is due meanwhile (take it
   * instead). The order (read `published`, set the flag, look again, wait) is what makes a lost
   * wake impossible: see shared-slots.ts.
   */
  private armWake(control: Int32Array): boolean {
    if (this.waiting) return true;
    const seen = Atomics.load(control, PUBLISHED);
    const { atomics } = this;
    Atomics.store(control, WAITING, atomics.waitAsync === undefined ? WAKE_BY_MESSAGE : WAKE_BY_NOTIFY);
    const memory = this.nextMemory(control);
    if (memory !== null && Atomics.load(control, wordIndex(memory.slot)) === slotWord(this.sink.expectedSequence, IN_FLIGHT)) return false;
    // Without waitAsync, the worklet's message at its next publication wakes the page.
    if (atomics.waitAsync === undefined) return true;
    const result = atomics.waitAsync(control, PUBLISHED, seen);
    if (!result.async) return false;
    this.waiting = true;
    void result.value.then(this.onWake);
    return true;
  }

  private giveBack(control: Int32Array, slot: number, sequence: number): void {
    const taken = slotWord(sequence, PROCESSING);
    if (Atomics.compareExchange(control, wordIndex(slot), taken, slotWord(sequence, AVAILABLE)) === taken) {
      this.sink.counters.buffersReturned++;
    } else {
      // The worklet reclaimed it meanwhile (held past the timeout): it counts this as a late return.
      Atomics.add(control, LATE_RELEASES, 1);
    }
  }
}
