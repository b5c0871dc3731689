/**
 * A CaptureEngine on a thread of its own, publishing batches as fast as it renders them: the
 * audio thread's side of the shared transport racing the page's, without an AudioContext's pace.
 * Told an EngineWorkerTask, it renders that many batches of one quantum each, answers the
 * session's control messages once done, and posts `{ rendered }`.
 */
import type { WorkletConfig } from '../../src/config.js';
import { PROTOCOL_VERSION } from '../../src/protocol.js';
import { CaptureEngine } from '../../worklet/capture-engine.js';
import { rampQuantum } from '../helpers/signals.js';

export interface EngineWorkerTask {
  port: MessagePort;
  config: WorkletConfig;
  batches: number;
  sampleRate: number;
}

self.onmessage = ({ data }: MessageEvent<EngineWorkerTask>) => {
  const { config } = data;
  const engine = new CaptureEngine(data.port, data.sampleRate, { protocolVersion: PROTOCOL_VERSION, config });
  let frame = 0;
  data.port.onmessage = (event) => engine.receive(event.data, frame);
  const quantum = rampQuantum(0, config.batchSize, config.channels);
  for (let batch = 0; batch < data.batches; batch++) {
    engine.process(quantum, config.batchSize, frame);
    frame += config.batchSize;
  }
  self.postMessage({ rendered: frame });
};
