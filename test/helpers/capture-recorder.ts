import type { ReturnPolicy } from '../../src/batch-source.js';
import { createCaptureNode } from '../../src/capture-node.js';
import { CaptureSession } from '../../src/capture-session.js';
import { DEFAULT_CONFIG, type WorkletConfig } from '../../src/config.js';
import type { AnalysisFrame } from '../../src/events.js';
import type { PoolStats } from '../../src/stats.js';
import { defaultWorkletUrl } from '../../src/worklet-url.js';
import { Conditions } from './conditions.js';
import { type FrameSpan, frameSpan } from './stats.js';

export interface RecordedFrame extends FrameSpan {
  bufferId: number;
}

/**
 * A real worklet node with a CaptureSession, recording everything it reports. `until()` waits for
 * a condition re-checked on every report (an event, never a sleep).
 */
export class CaptureRecorder {
  readonly node: AudioWorkletNode;
  readonly session: CaptureSession;
  readonly frames: RecordedFrame[] = [];
  readonly stats: PoolStats[] = [];
  readonly exhausted: number[] = [];
  readonly reclaimed: { bufferId: number; ageMs: number }[] = [];
  readonly errors: { code: string; message: string }[] = [];
  readonly processorErrors: Event[] = [];
  /** Called during each frame's dispatch, before it is recorded. */
  onFrame: ((frame: AnalysisFrame) => void) | undefined;
  private readonly conditions = new Conditions(() => `frames ${this.frames.length}, last stats ${JSON.stringify(this.stats.at(-1))}`);

  static async create(
    context: BaseAudioContext,
    config: Partial<WorkletConfig>,
    options: Partial<ReturnPolicy> = {},
  ): Promise<CaptureRecorder> {
    await context.audioWorklet.addModule(defaultWorkletUrl());
    return new CaptureRecorder(context, config, options);
  }

  private constructor(context: BaseAudioContext, config: Partial<WorkletConfig>, options: Partial<ReturnPolicy>) {
    // Ping-pong unless the test names another transport: most of these tests are about the pool.
    const full: WorkletConfig = { ...DEFAULT_CONFIG, transport: 'ping-pong', ...config };
    this.node = createCaptureNode(context, full);
    this.node.onprocessorerror = (event) => this.record(() => this.processorErrors.push(event));
    this.session = new CaptureSession(
      this.node.port,
      context.sampleRate,
      full,
      {
        frame: (frame) => {
          this.onFrame?.(frame);
          this.record(() => this.frames.push({ ...frameSpan(frame), bufferId: frame.bufferId }));
        },
        stats: (stats) => this.record(() => this.stats.push(stats)),
        exhausted: (frame) => this.record(() => this.exhausted.push(frame)),
        reclaimed: (bufferId, ageMs) => this.record(() => this.reclaimed.push({ bufferId, ageMs })),
        error: (code, message) => this.record(() => this.errors.push({ code, message })),
      },
      options,
    );
  }

  /** Resolves once `condition` holds, re-checked after every report; rejects after `timeoutMs`. */
  until(condition: () => boolean, what: string, timeoutMs = 20000): Promise<void> {
    return this.conditions.until(condition, what, timeoutMs);
  }

  framesReached(count: number): Promise<void> {
    return this.until(() => this.frames.length >= count, `${count} frames`);
  }

  private record(action: () => void): void {
    action();
    this.conditions.changed();
  }
}
