import type { ReturnPolicy } from '../../src/batch-source.js';
import { CaptureSession } from '../../src/capture-session.js';
import { DEFAULT_CONFIG, type WorkletConfig } from '../../src/config.js';
import type { AnalysisFrame } from '../../src/events.js';
import { PROTOCOL_VERSION, type SharedSlotsMessage } from '../../src/protocol.js';
import type { PoolStats } from '../../src/stats.js';
import { CaptureEngine } from '../../worklet/capture-engine.js';
import { Conditions } from './conditions.js';
import { rampQuantum, rampSample } from './signals.js';
import { type FrameSpan, frameSpan } from './stats.js';

export const LOOPBACK_RATE = 48000;

/** What a loopback keeps of each dispatched frame. */
export interface LoopbackFrame extends FrameSpan {
  bufferId: number;
  channels: number;
}

/**
 * A CaptureEngine and a CaptureSession joined by a real MessageChannel, the engine rendered by
 * hand on the page's own thread: every transport end to end, deterministic, without an
 * AudioContext. On a cross-origin-isolated page shared memory works as in a worklet (the
 * engine's `Atomics.notify` wakes the session's `Atomics.waitAsync` on the same thread). Every
 * frame is checked against the ramp as it is dispatched.
 */
export class Loopback {
  readonly channel = new MessageChannel();
  readonly engine: CaptureEngine;
  readonly session: CaptureSession;
  readonly frames: LoopbackFrame[] = [];
  readonly errors: { code: string; message: string }[] = [];
  readonly reclaimed: number[] = [];
  readonly exhausted: number[] = [];
  /** Messages the session received from the engine, by kind (`buffer` for a batch by message). */
  readonly received = new Map<string, number>();
  /** Every slot memory the engine announced, in order. */
  readonly sharedMemory: SharedArrayBuffer[] = [];
  /** Samples that were not the ramp's, over every frame dispatched. */
  mismatches = 0;
  /** Called during each frame's dispatch, after it is checked and recorded. */
  onFrame: ((frame: AnalysisFrame) => void) | undefined;
  frame = 0;
  private readonly conditions = new Conditions(() => `${this.frames.length} frames`);

  constructor(config: Partial<WorkletConfig>, policy: Partial<ReturnPolicy> = {}) {
    const full: WorkletConfig = { ...DEFAULT_CONFIG, transport: 'shared', ...config };
    const enginePort = this.channel.port1;
    const sink = { postMessage: (message: unknown, transfer: Transferable[]) => enginePort.postMessage(message, transfer) };
    this.engine = new CaptureEngine(sink, LOOPBACK_RATE, { protocolVersion: PROTOCOL_VERSION, config: full });
    enginePort.onmessage = (event) => this.engine.receive(event.data, this.frame);
    this.channel.port2.addEventListener('message', (event) => {
      const kind = event.data instanceof ArrayBuffer ? 'buffer' : String((event.data as { type?: unknown })?.type);
      this.received.set(kind, (this.received.get(kind) ?? 0) + 1);
      if (kind === 'shared-slots') for (const { memory } of (event.data as SharedSlotsMessage).slots) this.sharedMemory.push(memory);
    });
    this.session = new CaptureSession(
      this.channel.port2,
      LOOPBACK_RATE,
      full,
      {
        frame: (frame) => this.record(frame),
        error: (code, message) => this.note(() => this.errors.push({ code, message })),
        reclaimed: (bufferId) => this.note(() => this.reclaimed.push(bufferId)),
        exhausted: (frame) => this.note(() => this.exhausted.push(frame)),
      },
      policy,
    );
  }

  /** Renders `frames` frames of the ramp in quanta of `quantum`, without yielding to the page. */
  render(frames: number, quantum = 128): void {
    const end = this.frame + frames;
    while (this.frame < end) {
      const length = Math.min(quantum, end - this.frame);
      this.engine.process(rampQuantum(this.frame, length, this.engine.config.channels), length, this.frame);
      this.frame += length;
    }
  }

  /** Renders one batch at a time and lets the page take each, `batches` times. */
  async stream(batches: number, quantum = 128): Promise<void> {
    for (let i = 0; i < batches; i++) {
      const expected = this.frames.length + 1;
      this.render(this.engine.config.batchSize, quantum);
      await this.until(() => this.frames.length >= expected, `frame ${expected}`);
    }
  }

  /** Resolves once `condition` holds, checked after every frame, error, reclaim or exhaustion; rejects after 10 s. */
  until(condition: () => boolean, what: string): Promise<void> {
    return this.conditions.until(condition, `loopback: ${what}`, 10000);
  }

  /** The engine's stats, once every message it sent before has reached the session. */
  stats(): Promise<PoolStats> {
    return this.session.requestStats();
  }

  close(): void {
    this.session.dispose();
    this.channel.port1.close();
  }

  private record(frame: AnalysisFrame): void {
    for (let channel = 0; channel < frame.channelData.length; channel++) {
      const samples = frame.channelData[channel] as Float32Array;
      for (let i = 0; i < samples.length; i++) if (samples[i] !== rampSample(frame.frame + i, channel)) this.mismatches++;
    }
    this.frames.push({ ...frameSpan(frame), bufferId: frame.bufferId, channels: frame.channelData.length });
    this.onFrame?.(frame);
    this.note(() => {});
  }

  private note(action: () => void): void {
    action();
    this.conditions.changed();
  }
}
