/**
 * Bench-only baseline: pushes channel 0 of every render quantum into a SharedArrayBuffer ring
 * (the `ringbuf.js` package); the page drains it. No message per batch at all. The ring and a
 * small control block come in `processorOptions`: control[0] is the context frame just after the
 * last sample pushed (so the page can tell which frames it reads), control[1] the frames dropped
 * because the ring had no room for a whole quantum. Registered as `bench-ringbuf-capture`.
 */
import { RingBuffer } from 'ringbuf.js';

interface RingOptions {
  processorOptions?: { ring?: SharedArrayBuffer; control?: SharedArrayBuffer };
}

class RingCaptureProcessor extends AudioWorkletProcessor {
  private readonly ring: RingBuffer;
  private readonly control: Float64Array;
  private silence: Float32Array | null = null;

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
    // Whole quanta only, so what the ring holds is contiguous up to control[0].
    if (this.ring.availableWrite() < quantum) this.control[1] = (this.control[1] as number) + quantum;
    else this.ring.push(samples, quantum);
    this.control[0] = currentFrame + quantum;
    return true;
  }
}

registerProcessor('bench-ringbuf-capture', RingCaptureProcessor);
