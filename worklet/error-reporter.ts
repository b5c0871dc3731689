import type { ErrorMessage, WorkletErrorCode } from '../src/protocol.js';
import { type MessageSink, NO_TRANSFER } from './batch-transport.js';

/**
 * Posts the worklet's errors to the page, at most one per quiet period (the stats interval), so
 * that a flood of bad messages cannot flood the page back; the ones held back are counted in the
 * next. Allocates the error message and its text, so only off the steady state.
 */
export class ErrorReporter {
  /** Frames of audio time between two errors posted. */
  quietFrames = 0;
  private readonly port: MessageSink;
  private quietUntilFrame = 0;
  private suppressed = 0;

  constructor(port: MessageSink) {
    this.port = port;
  }

  report(code: WorkletErrorCode, message: string, nowFrame: number): void {
    if (nowFrame < this.quietUntilFrame) {
      this.suppressed++;
      return;
    }
    const held = this.suppressed > 0 ? ` (${this.suppressed} earlier errors not reported)` : '';
    this.suppressed = 0;
    this.quietUntilFrame = nowFrame + this.quietFrames;
    const error: ErrorMessage = { type: 'error', code, message: message + held };
    this.port.postMessage(error, NO_TRANSFER);
  }
}
