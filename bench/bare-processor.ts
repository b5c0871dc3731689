/**
 * Bench-only baseline: an AudioWorkletProcessor that takes its input and does nothing with it,
 * so that the per-quantum cost of the capture processor can be told from the cost of having any
 * worklet node, with the same input, in the graph. Registered as `bench-bare`.
 */
class BareProcessor extends AudioWorkletProcessor {
  process(): boolean {
    return true;
  }
}

registerProcessor('bench-bare', BareProcessor);
