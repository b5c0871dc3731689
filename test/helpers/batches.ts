import { type BatchHeader, writeBatchHeader } from '../../src/protocol.js';

/** Writes a header with the given fields, the rest defaulted: one ping-pong batch of 128 mono frames. */
export function writeHeader(view: Float32Array, fields: Partial<BatchHeader> = {}): void {
  const { bufferId = 0, transport = 'ping-pong', ...rest } = fields;
  writeBatchHeader(view, { sequence: 0, frame: 0, skippedFrames: 0, gapFrames: 0, channels: 1, frames: 128, ...rest }, bufferId, transport);
}
