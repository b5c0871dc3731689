/**
 * The AudioWorklet module: registers the `audio-pool-capture` processor. Load it with
 * `audioWorklet.addModule()`; it imports only the engine, the pool and the pure protocol and
 * config modules.
 */
import { PROCESSOR_NAME } from '../src/protocol.js';
import { CaptureEngine } from './capture-engine.js';

class AudioPoolCaptureProcessor extends AudioWorkletProcessor {
  private readonly engine: CaptureEngine;

  constructor(options: { processorOptions?: unknown }) {
    super();
    this.engine = new CaptureEngine(this.port, sampleRate, options.processorOptions);
    // One handler for the processor's lifetime; `currentFrame` is read when each message arrives.
    this.port.onmessage = (event: MessageEvent) => this.engine.receive(event.data, currentFrame);
  }

  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    // The output stays silent; its length is the render quantum, which need not be 128 frames.
    const quantumFrames = outputs[0]?.[0]?.length ?? inputs[0]?.[0]?.length ?? 128;
    return this.engine.process(inputs[0], quantumFrames, currentFrame);
  }
}

registerProcessor(PROCESSOR_NAME, AudioPoolCaptureProcessor);
