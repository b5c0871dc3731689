/**
 * Bench-only baseline: pushes channel 0 of every render quantum into a SharedArrayBuffer ring
 * (the `ringbuf.js` package); the page drains it. No message per batch at all. The ring and a
 * small control block come in `processorOptions`: control[0] is the context frame just after the
 * last sample pushed (so the page can tell which frames it reads), control[1] the frames dropped
 * because the ring had no room for a whole quantum. With `wake` (two int32s) and `wakeFrames`,
 * it wakes the page as `shared` does: wake[0] counts every `wakeFrames` frames rendered, and when
 * the page has set wake[1] (it waits with `Atomics.waitAsync` on wake[0]) the worklet clears it
 * and calls `Atomics.notify`. Registered as `bench-ringbuf-capture`.
 */
import { RingBuffer } from 'ringbuf.js';

interface RingOptions {
  processorOptions?: { ring?: SharedArrayBuffer; control?: SharedArrayBuffer; wake?: SharedArrayBuffer; wakeFrames?: number };
}

class RingCaptureProcessor extends AudioWorkletProcessor {
  private readonly ring: RingBuffer;
  private readonly control: Float64Array;
  private silence: Float32Array | null = null;
  private readonly wake: Int32Array | null;
  private readonly wakeFrames: number;
  private framesSinceWake = 0;

  constructor(options: RingOptions) {
    super();
    const { ring, control, wake, wakeFrames = 0 } = options.processorOptions ?? {};
    if (!ring || !control) throw new Error('ring and control SharedArrayBuffers are required');
    this.ring = new RingBuffer(ring, Float32Array);
    this.control = new Float64Array(control);
    this.wake = wake ? new Int32Array(wake) : null;
    this.wakeFrames = wakeFrames;
  }

  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const quantum = outputs[0]?.[0]?.length ?? 128;
    let samples = inputs[0]?.[0];
    if (!samples) {
      if (this.silence?.length !== quantum) this.silence = new Float32Array(quantum);
      samples = this.silence;
    }
    // Whole quanta only, so what the ring holds is contiguous up to control[0].
    if (this.ring.availableWrite() < quantum) this.control[1] = (this.control[1] as number) + quantum;
    else this.ring.push(samples, quantum);
    this.control[0] = currentFrame + quantum;
    if (this.wake !== null && this.wakeFrames > 0) this.ringDoorbell(this.wake, quantum);
    return true;
  }

  private ringDoorbell(wake: Int32Array, quantum: number): void {
    this.framesSinceWake += quantum;
    if (this.framesSinceWake < this.wakeFrames) return;
    this.framesSinceWake -= this.wakeFrames;
    Atomics.add(wake, 0, 1);
    if (Atomics.exchange(wake, 1, 0) !== 0) Atomics.notify(wake, 0);
  }
}

registerProcessor('bench-ringbuf-capture', RingCaptureProcessor);
