import type { ActiveTransport } from '../../src/config.js';
import type { BatchTransport, TransportContext } from '../batch-transport.js';
import { AllocateTransport } from './allocate-transport.js';
import { CopyTransport } from './copy-transport.js';
import { PingPongTransport } from './ping-pong-transport.js';
import { SharedTransport } from './shared-transport.js';

export interface TransportEntry {
  create(context: TransportContext): BatchTransport;
  /** Why it cannot run in this worklet, or null; absent when it always can. */
  unavailable?(): string | null;
}

/** Every transport the worklet runs, by name: a name without an entry fails type-checking. */
export const WORKLET_TRANSPORTS: { readonly [K in ActiveTransport]: TransportEntry } = {
  shared: { create: (context) => new SharedTransport(context), unavailable: SharedTransport.unavailable },
  copy: { create: (context) => new CopyTransport(context) },
  'ping-pong': { create: (context) => new PingPongTransport(context) },
  allocate: { create: (context) => new AllocateTransport(context) },
};

/** What runs instead of a transport that cannot run here: it works on every page. */
export const FALLBACK_TRANSPORT: ActiveTransport = 'copy';
