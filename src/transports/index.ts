import type { BatchSourceFactory } from '../batch-source.js';
import type { ActiveTransport, Transport } from '../config.js';
import { AllocateSource } from './allocate-source.js';
import { CopySource } from './copy-source.js';
import { PingPongSource } from './ping-pong-source.js';
import { SharedSource } from './shared-source.js';

/** The page's end of every transport, by name: a name without an entry fails type-checking. */
export const BATCH_SOURCES: { readonly [K in ActiveTransport]: BatchSourceFactory } = {
  shared: (sink) => new SharedSource(sink),
  copy: (sink) => new CopySource(sink),
  'ping-pong': (sink) => new PingPongSource(sink),
  allocate: (sink) => new AllocateSource(sink),
};

/** Why the shared transport cannot run on this page, or null when it can. */
export function sharedMemoryUnavailable(): string | null {
  if (!globalThis.crossOriginIsolated) {
    return 'the page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
  }
  if (typeof SharedArrayBuffer !== 'function') return 'this browser has no SharedArrayBuffer, even on a cross-origin-isolated page';
  return null;
}

/** What a requested transport resolves to on this page. */
export interface ResolvedTransport {
  transport: ActiveTransport;
  /** Why the transport asked for cannot run here (it was `shared`, and `copy` runs instead), or null. */
  unavailable: string | null;
}

/** `auto` becomes `shared` where the page can share memory, else `copy`; `shared` falls back to `copy` with a reason. */
export function resolveTransport(requested: Transport): ResolvedTransport {
  if (requested !== 'auto' && requested !== 'shared') return { transport: requested, unavailable: null };
  const unavailable = sharedMemoryUnavailable();
  if (unavailable === null) return { transport: 'shared', unavailable: null };
  return { transport: 'copy', unavailable: requested === 'shared' ? unavailable : null };
}
