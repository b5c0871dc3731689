import type { ReturnPolicy } from '../../src/batch-source.js';
import { CaptureSession } from '../../src/capture-session.js';
import type { ActiveTransport } from '../../src/config.js';
import type { AnalysisFrame } from '../../src/events.js';
import { batchBufferBytes, HEADER_SLOTS } from '../../src/protocol.js';
import { writeHeader } from './batches.js';
import { Conditions } from './conditions.js';

export const FAKE_SAMPLE_RATE = 48000;

/**
 * The worklet's end of a real MessageChannel, for testing a CaptureSession on the other end:
 * sends batches (every sample 0.5), records what comes back, and waits on messages and
 * dispatches as events, never by sleeping.
 */
export class FakeWorklet {
  readonly channel = new MessageChannel();
  readonly received: unknown[] = [];
  /** Error codes the session reported. */
  readonly errors: string[] = [];
  /** Frames the session has dispatched. */
  dispatched = 0;
  private sequence = 0;
  private readonly conditions = new Conditions(() => `${this.received.length} messages back, ${this.dispatched} frames dispatched`);

  constructor() {
    this.channel.port2.onmessage = (event) => {
      this.received.push(event.data);
      this.conditions.changed();
    };
  }

  /** A CaptureSession on the page's end (pool of 16, batches of 128); `onFrame` sees each frame during its dispatch. */
  session(onFrame: (frame: AnalysisFrame) => void = () => {}, policy: Partial<ReturnPolicy> = {}): CaptureSession {
    return new CaptureSession(
      this.channel.port1,
      FAKE_SAMPLE_RATE,
      { poolSize: 16, batchSize: 128 },
      {
        frame: (frame) => {
          onFrame(frame);
          this.dispatched++;
          this.conditions.changed();
        },
        error: (code) => {
          this.errors.push(code);
          this.conditions.changed();
        },
      },
      policy,
    );
  }

  sendBatch(bufferId: number, frames = 128, transport: ActiveTransport = 'ping-pong'): void {
    const buffer = new ArrayBuffer(batchBufferBytes(frames, 1));
    const view = new Float32Array(buffer);
    writeHeader(view, { bufferId, sequence: this.sequence, frame: this.sequence * frames, frames, transport });
    view.fill(0.5, HEADER_SLOTS);
    this.sequence++;
    this.channel.port2.postMessage(buffer, [buffer]);
  }

  /** Resolves once `count` messages have come back. */
  receivedAtLeast(count: number): Promise<void> {
    return this.conditions.until(() => this.received.length >= count, `${count} messages back`, 5000);
  }

  /** Resolves once the session has dispatched `count` frames. */
  framesDispatched(count: number): Promise<void> {
    return this.conditions.until(() => this.dispatched >= count, `${count} frames dispatched`, 5000);
  }

  returnedBuffers(): ArrayBuffer[] {
    return this.received.flatMap((data) => (data instanceof ArrayBuffer ? [data] : Array.isArray(data) ? data : []));
  }
}
