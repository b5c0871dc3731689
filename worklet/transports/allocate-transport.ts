import type { WorkletConfig } from '../../src/config.js';
import { type BatchFields, writeBatchHeader } from '../../src/protocol.js';
import type { BatchTransport, TransportContext } from '../batch-transport.js';
import type { Meters } from '../meters.js';

/**
 * `allocate`, the A/B baseline: what most AudioWorklet code does, a new buffer per batch,
 * transferred and never seen again. It always has room, so it never skips, and keeps no pool.
 *
 * Allocation: one ArrayBuffer and one Float32Array view per batch, by design (and one transfer
 * list, reused).
 */
export class AllocateTransport implements BatchTransport {
  private readonly context: TransportContext;
  private readonly transferList: Transferable[] = [new ArrayBuffer(0)];

  constructor(context: TransportContext) {
    this.context = context;
  }

  configure(_config: WorkletConfig, _active: boolean, _nowFrame: number): void {}

  deliver(staging: Float32Array, batch: BatchFields, _nowFrame: number): boolean {
    const buffer = new ArrayBuffer(staging.byteLength);
    const view = new Float32Array(buffer);
    view.set(staging);
    writeBatchHeader(view, batch, 0, 'allocate');
    this.context.meters.stats.allocations++;
    this.transferList[0] = buffer;
    this.context.port.postMessage(buffer, this.transferList);
    return true;
  }

  receive(_data: unknown, _nowFrame: number): boolean {
    return false;
  }

  tick(_nowFrame: number, _timeoutFrames: number): void {}

  writeGauges(_meters: Meters, _nowFrame: number, _offset: number): number {
    return 0;
  }

  resetPeaks(): void {}
}
