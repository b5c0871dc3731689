import type { CaptureConfig } from './config.js';
import type { DispatchedFrame } from './dispatched-frame.js';
import type { AcknowledgePayload, BatchHeader, ReturnPayload, SharedSlotsMessage, ToWorkletMessage, WakeMessage } from './protocol.js';

/** Counters kept on the main thread, beside the worklet's PoolStats. */
export interface SessionCounters {
  framesDispatched: number;
  /** Slots given back: buffers transferred back (ping-pong), batches acknowledged (copy), shared slots released (shared). */
  buffersReturned: number;
  /** Messages that gave them back: fewer than slots when grouped; none at all for shared memory. */
  returnMessages: number;
  /** Buffers that could not be returned because a listener detached them (transferred them elsewhere). */
  detachedReturns: number;
  /** Shared transport: times the page was woken to read newly published batches. */
  wakeups: number;
  /** Messages from the worklet that failed validation. */
  invalidWorkletMessages: number;
  /** Batches whose sequence number was not the one expected (should stay 0). */
  sequenceGaps: number;
}

/** Main-thread counters, all zero. */
export function createSessionCounters(): SessionCounters {
  return {
    framesDispatched: 0,
    buffersReturned: 0,
    returnMessages: 0,
    detachedReturns: 0,
    wakeups: 0,
    invalidWorkletMessages: 0,
    sequenceGaps: 0,
  };
}

/** How buffers go back (ping-pong); see `defaultReturnPolicy`. */
export interface ReturnPolicy {
  /** Most buffers returned in one message. */
  groupSize: number;
  /** Longest a buffer waits for its group before it is returned anyway, in ms. */
  maxDelayMs: number;
}

/** The pool's shape as the page knows it. */
export type PoolShape = Pick<CaptureConfig, 'poolSize' | 'batchSize'>;

/**
 * Keeps a dispatched batch's memory out of the pool after its dispatch (`AnalysisFrame.retain()`):
 * returns the function that gives it back. `token` is whatever the source passed to `dispatch`.
 */
export interface Retainer {
  retain(bufferId: number, sequence: number, token: unknown): () => void;
}

/** What a source needs of the session it feeds. */
export interface FrameSink {
  readonly sampleRate: number;
  readonly counters: SessionCounters;
  /** The sequence number of the next batch to dispatch, whichever transport carries it. */
  readonly expectedSequence: number;
  /** The pool's shape as the page last configured it. */
  readonly shape: PoolShape;
  /** Overrides of the default return policy (tests and the bench fix the group size). */
  readonly returnPolicy: Partial<ReturnPolicy>;
  /**
   * Fires `analysis-frame` for one batch as `frame`, filled again; true when a listener retained
   * the batch's memory. `retainer` null: the memory is the page's own (a copy), and `retain()`
   * needs to keep nothing. The source owns `frame` and fills it again only while no listener has
   * kept it (`DispatchedFrame.kept()`).
   */
  dispatch(header: BatchHeader, channelData: Float32Array[], retainer: Retainer | null, token: unknown, frame: DispatchedFrame): boolean;
  /** Posts to the worklet, unless the session is disposed. */
  send(message: ToWorkletMessage | ReturnPayload | AcknowledgePayload, transfer?: Transferable[]): void;
  /**
   * Counts and reports what the worklet sent as invalid (`invalid-message`, "from the worklet:
   * `reason`"). `sequence`: the batch it should have been, which is then passed over, so that
   * a source dispatching in sequence order goes on with the next.
   */
  refuse(reason: string, sequence?: number): void;
}

/**
 * The main-thread end of one transport (`transports/index.ts` lists them, typed over the
 * transport names): turns what the worklet sends into dispatched frames and gives back what
 * the transport needs back.
 */
export interface BatchSource {
  /** A batch that came by message, carried by this transport. */
  receiveBatch(buffer: ArrayBuffer, header: BatchHeader): void;
  /** A message only this transport understands (shared memory and wake-ups). */
  receiveMessage(message: SharedSlotsMessage | WakeMessage): void;
  /** Dispatches the batches it holds that are due next (after a batch that came another way). */
  catchUp(): void;
  /** Gives back now whatever waits to be given back (grouped returns, an acknowledgement). */
  flush(): void;
  /** The pool's shape changed. */
  configure(shape: PoolShape): void;
  /** A slot was reclaimed by the worklet: stop counting it as retained. */
  forget(bufferId: number): void;
  /** Slots listeners retained and have not released. */
  readonly retainedCount: number;
  /** Drops every reference. Idempotent. */
  dispose(): void;
}

export type BatchSourceFactory = (sink: FrameSink) => BatchSource;
