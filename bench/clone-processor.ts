/**
 * Bench-only baseline: posts one preallocated buffer per batch *without* transfer, so the browser
 * copies it (structured clone) and the worklet keeps its buffer. Same header format as the
 * capture processor, marked as carried by `allocate`, so the page's CaptureSession decodes it
 * and gives nothing back. Registered as `bench-clone-capture`.
 *
 * With `audioStall` ({ ms, every }) it also busy-waits `ms` on the audio thread every `every`
 * render quanta: the underrun calibration, showing what size of stall the output can reveal.
 */
import { batchBufferBytes, HEADER_SLOTS, PROTOCOL_VERSION, writeBatchHeader } from '../src/protocol.js';

class CloneCaptureProcessor extends AudioWorkletProcessor {
  private readonly batchSize: number;
  private readonly view: Float32Array;
  private fill = 0;
  private readonly batch = { sequence: 0, frame: 0, skippedFrames: 0, gapFrames: 0, channels: 1, frames: 0 };
  private readonly stallMs: number;
  private readonly stallEvery: number;
  private quanta = 0;

  constructor(options: {
    processorOptions?: { protocolVersion?: number; config?: { batchSize?: number }; audioStall?: { ms: number; every: number } };
  }) {
    super();
    if (options.processorOptions?.protocolVersion !== PROTOCOL_VERSION) throw new Error('protocol mismatch');
    this.batchSize = options.processorOptions.config?.batchSize ?? 1024;
    this.stallMs = options.processorOptions.audioStall?.ms ?? 0;
    this.stallEvery = options.processorOptions.audioStall?.every ?? 0;
    this.batch.frames = this.batchSize;
    this.view = new Float32Array(batchBufferBytes(this.batchSize, 1) / 4);
  }

  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    if (this.stallEvery > 0 && ++this.quanta % this.stallEvery === 0) {
      const end = Date.now() + this.stallMs;
      while (Date.now() < end) {
        // Busy-wait on purpose: a render quantum that takes too long.
      }
    }
    const quantum = outputs[0]?.[0]?.length ?? 128;
    const input = inputs[0]?.[0];
    let offset = 0;
    while (offset < quantum) {
      if (this.fill === 0) this.batch.frame = currentFrame + offset;
      const frames = Math.min(quantum - offset, this.batchSize - this.fill);
      for (let i = 0; i < frames; i++) this.view[HEADER_SLOTS + this.fill + i] = input ? (input[offset + i] as number) : 0;
      this.fill += frames;
      offset += frames;
      if (this.fill === this.batchSize) {
        writeBatchHeader(this.view, this.batch, 0, 'allocate');
        this.batch.sequence++;
        this.port.postMessage(this.view.buffer);
        this.fill = 0;
      }
    }
    return true;
  }
}

registerProcessor('bench-clone-capture', CloneCaptureProcessor);
