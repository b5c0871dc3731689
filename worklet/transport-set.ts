import type { ActiveTransport, WorkletConfig } from '../src/config.js';
import { TRANSPORT_CODES } from '../src/protocol.js';
import type { BatchTransport, TransportContext } from './batch-transport.js';
import type { Meters } from './meters.js';
import { FALLBACK_TRANSPORT, WORKLET_TRANSPORTS } from './transports/index.js';

/**
 * The transports an engine has used. The active one carries batches; every one ticks and takes
 * what the page gives back until all it sent has come back, so a switch loses nothing. A
 * transport is created on its first use (the only allocation here); loops use indexes, so the
 * per-quantum and per-message calls allocate nothing.
 */
export class TransportSet {
  active: BatchTransport | null = null;
  private readonly context: TransportContext;
  private readonly byCode: (BatchTransport | undefined)[] = [];
  private readonly live: BatchTransport[] = [];

  constructor(context: TransportContext) {
    this.context = context;
  }

  /**
   * Makes `config.transport` the active transport, or the fallback when it cannot run in this
   * worklet (with an error saying why), and gives every transport the configuration. Returns the
   * transport that runs.
   */
  activate(config: WorkletConfig, nowFrame: number): ActiveTransport {
    let name = config.transport;
    const reason = WORKLET_TRANSPORTS[name].unavailable?.() ?? null;
    if (reason !== null) {
      this.context.reportError('transport-unavailable', `${name}: ${reason}; running ${FALLBACK_TRANSPORT} instead`, nowFrame);
      name = FALLBACK_TRANSPORT;
    }
    const code = TRANSPORT_CODES[name];
    let active = this.byCode[code];
    if (active === undefined) {
      active = WORKLET_TRANSPORTS[name].create(this.context);
      this.byCode[code] = active;
      this.live.push(active);
    }
    this.active = active;
    for (let i = 0; i < this.live.length; i++) {
      const transport = this.live[i] as BatchTransport;
      transport.configure(config, transport === active, nowFrame);
    }
    return name;
  }

  tick(nowFrame: number, timeoutFrames: number): void {
    for (let i = 0; i < this.live.length; i++) (this.live[i] as BatchTransport).tick(nowFrame, timeoutFrames);
  }

  /** Offers a message to each transport; true when one took it. */
  receive(data: unknown, nowFrame: number): boolean {
    for (let i = 0; i < this.live.length; i++) if ((this.live[i] as BatchTransport).receive(data, nowFrame)) return true;
    return false;
  }

  /** Adds every transport's gauges to the snapshot being taken, the active one's cells first; returns the cells written. */
  writeGauges(meters: Meters, nowFrame: number): number {
    let cells = this.active === null ? 0 : this.active.writeGauges(meters, nowFrame, 0);
    for (let i = 0; i < this.live.length; i++) {
      const transport = this.live[i] as BatchTransport;
      if (transport !== this.active) cells += transport.writeGauges(meters, nowFrame, cells);
    }
    return cells;
  }

  resetPeaks(): void {
    for (let i = 0; i < this.live.length; i++) (this.live[i] as BatchTransport).resetPeaks();
  }
}
