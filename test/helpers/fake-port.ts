import { type BatchHeader, decodeBatchHeader, parseFromWorkletMessage } from '../../src/protocol.js';
import type { MessageSink } from '../../worklet/capture-engine.js';

export interface ReceivedBatch {
  buffer: ArrayBuffer;
  header: BatchHeader;
  samples: Float32Array;
}

/**
 * Stands in for the processor's MessagePort: every message is structured-cloned and transferables
 * are really transferred (the sender's buffer is detached), as postMessage does.
 */
export class FakePort implements MessageSink {
  readonly batches: ReceivedBatch[] = [];
  readonly messages: { type: string; [key: string]: unknown }[] = [];

  postMessage(message: unknown, transfer: Transferable[]): void {
    const received = structuredClone(message, { transfer });
    if (received instanceof ArrayBuffer) {
      const header = decodeBatchHeader(new Float32Array(received));
      if (header === null) throw new Error('engine posted a buffer without a valid header');
      this.batches.push({ buffer: received, header, samples: new Float32Array(received, 64) });
    } else if (received instanceof Float64Array) {
      const parsed = parseFromWorkletMessage(received);
      if (!parsed.ok) throw new Error(`engine posted a malformed stats snapshot: ${parsed.reason}`);
      this.messages.push(parsed.message as unknown as { type: string });
    } else {
      this.messages.push(received as { type: string });
    }
  }

  ofType(type: string): { type: string; [key: string]: unknown }[] {
    return this.messages.filter((message) => message.type === type);
  }

  /** Takes every batch received so far off the list. */
  drain(): ReceivedBatch[] {
    return this.batches.splice(0);
  }
}
