/**
 * Bench-only baseline: pushes channel 0 of every render quantum into a SharedArrayBuffer ring
 * (the `ringbuf.js` package); the page drains it. No message per batch at all. The ring and a
 * small control block come in `processorOptions`: control[0] is the context frame of the first
 * sample pushed, control[1] the frames dropped because the ring was full. Registered as
 * `bench-ringbuf-capture`.
 */
import { RingBuffer } from 'ringbuf.js';

interface RingOptions {
  processorOptions?: { ring?: SharedArrayBuffer; control?: SharedArrayBuffer };
}

class RingCaptureProcessor extends AudioWorkletProcessor {
  private readonly ring: RingBuffer;
  private readonly control: Float64Array;
  private silence: Float32Array | null = null;
  private started = false;

  constructor(options: RingOptions) {
    super();
    const { ring, control } = options.processorOptions ?? {};
    if (!ring || !control) throw new Error('ring and control SharedArrayBuffers are required');
    this.ring = new RingBuffer(ring, Float32Array);
    this.control = new Float64Array(control);
  }

  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const quantum = outputs[0]?.[0]?.length ?? 128;
    let samples = inputs[0]?.[0];
    if (!samples) {
      if (this.silence?.length !== quantum) this.silence = new Float32Array(quantum);
      samples = this.silence;
    }
    if (!this.started) {
      this.control[0] = currentFrame;
      this.started = true;
    }
    const pushed = this.ring.push(samples, quantum);
    if (pushed < quantum) this.control[1] = (this.control[1] as number) + quantum - pushed;
    return true;
  }
}

registerProcessor('bench-ringbuf-capture', RingCaptureProcessor);
