import type { WorkletConfig } from './config.js';
import { type CaptureProcessorOptions, PROCESSOR_NAME, PROTOCOL_VERSION } from './protocol.js';

/**
 * Creates the `audio-pool-capture` node for `config` (the worklet module must be loaded) and
 * connects it to the destination through a muted gain. Connected, the node is rendered; muted,
 * nothing reaches the speakers and the page does not count as playing sound. It also keeps
 * WebKitGTK 2.50 alive: its web process dereferences a null destination now and then when it
 * marks a context's first audible quantum (core dumps; 4 crashes in 13 full WebKit test runs
 * unmuted, none in 13 muted). The element and the tests share this one factory.
 */
export function createCaptureNode(context: BaseAudioContext, config: WorkletConfig): AudioWorkletNode {
  const processorOptions: CaptureProcessorOptions = { protocolVersion: PROTOCOL_VERSION, config };
  const node = new AudioWorkletNode(context, PROCESSOR_NAME, {
    numberOfInputs: 1,
    numberOfOutputs: 1,
    outputChannelCount: [1],
    channelCount: config.channels,
    channelCountMode: 'explicit',
    channelInterpretation: 'speakers',
    processorOptions,
  });
  node.connect(new GainNode(context, { gain: 0 })).connect(context.destination);
  return node;
}
