import { type BatchHeader, COPY_ACKNOWLEDGE_EVERY } from '../protocol.js';
import { MessageSource } from './message-source.js';

/**
 * The page's end of `copy`: every batch is the page's own copy, so nothing is returned, but the
 * worklet posts at most a window of batches ahead: the page acknowledges every
 * COPY_ACKNOWLEDGE_EVERY batches it dispatched (one message), which frees that many credits.
 */
export class CopySource extends MessageSource {
  private unacknowledged = 0;
  private lastSequence = -1;

  protected settle(_buffer: ArrayBuffer, header: BatchHeader): void {
    this.lastSequence = header.sequence;
    if (++this.unacknowledged >= COPY_ACKNOWLEDGE_EVERY) this.flush();
  }

  override flush(): void {
    if (this.unacknowledged === 0) return;
    // The bare form of `acknowledge`: a number costs the audio thread no object.
    this.sink.send(this.lastSequence);
    this.sink.counters.buffersReturned += this.unacknowledged;
    this.sink.counters.returnMessages++;
    this.unacknowledged = 0;
  }
}
