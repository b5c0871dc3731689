import type { Retainer } from './batch-source.js';
import type { AnalysisFrame } from './events.js';
import type { BatchHeader } from './protocol.js';

function noop(): void {}

/** The features that are one number, or null when not computed. */
const SCALAR_FEATURES = ['pitch', 'clarity', 'zcr'] as const;

/**
 * One dispatched batch, as `analysis-frame` listeners see it. A class, so that `retain()` is
 * shared by all frames and what it needs stays private. A frame can be filled again for a later
 * batch (`open()`), so that a batch costs the page no frame of its own: the shared transport
 * keeps one per slot (a retained frame's slot carries no other batch until it is released), the
 * message transports one until a listener keeps it (`kept()`).
 */
export class DispatchedFrame implements AnalysisFrame {
  sequence = 0;
  frame = 0;
  time = 0;
  sampleRate = 0;
  channelData: Float32Array[] = [];
  /** Made with the frame for `channels`, again only when a batch has another number of channels. */
  rms: number[];
  peak: number[];
  rmsDb: Float64Array | null = null;
  peakDb: Float64Array | null = null;
  clippedSamples: Uint32Array | null = null;
  spectrum: Float32Array | null = null;
  declare pitch: number | null;
  declare clarity: number | null;
  declare zcr: number | null;
  skippedFrames = 0;
  gapFrames = 0;
  bufferId = 0;
  /** Who keeps the memory if a listener retains it; null once dispatch is over or when nothing needs keeping. */
  #retainer: Retainer | null = null;
  #token: unknown = null;
  #retained = false;
  #dispatching = false;
  /** A listener called `retain()` during this dispatch: the features are the frame's own now, and the frame is the listener's. */
  #kept = false;
  /** `pitch`, `clarity` and `zcr`, stored unboxed: a number in a field that can hold null is a new object at each write. */
  #scalars = new Float64Array(SCALAR_FEATURES.length);
  /** Bit i set: `#scalars[i]` holds a value; clear: the feature reads null. */
  #present = 0;

  /** Own accessors for the scalar features, so that spreads, JSON and structured clones of a frame carry them as data. */
  static #accessors: PropertyDescriptorMap = Object.fromEntries(
    SCALAR_FEATURES.map((name, index) => {
      const bit = 1 << index;
      const descriptor: PropertyDescriptor = {
        enumerable: true,
        get(this: DispatchedFrame): number | null {
          return (this.#present & bit) === 0 ? null : (this.#scalars[index] as number);
        },
        set(this: DispatchedFrame, value: number | null) {
          if (value === null) {
            this.#present &= ~bit;
          } else {
            this.#scalars[index] = value;
            this.#present |= bit;
          }
        },
      };
      return [name, descriptor];
    }),
  );

  /**
   * `channels`: the number of channels of the batches it will carry, when known, so that its
   * first `open()` makes nothing (a source making frames ahead of its batches keeps the
   * allocation, and the JIT's deoptimisation it would cause, off the dispatch path).
   */
  constructor(channels = 0) {
    this.rms = levelArray(channels);
    this.peak = levelArray(channels);
    Object.defineProperties(this, DispatchedFrame.#accessors);
  }

  /** Fills the frame for one batch and opens its dispatch: `retain()` works until `close()`. */
  static open(
    frame: DispatchedFrame,
    header: BatchHeader,
    channelData: Float32Array[],
    sampleRate: number,
    retainer: Retainer | null,
    token: unknown,
  ): void {
    frame.sequence = header.sequence;
    frame.frame = header.frame;
    frame.time = header.frame / sampleRate;
    frame.sampleRate = sampleRate;
    frame.channelData = channelData;
    frame.skippedFrames = header.skippedFrames;
    frame.gapFrames = header.gapFrames;
    frame.bufferId = header.bufferId;
    frame.rmsDb = null;
    frame.peakDb = null;
    frame.clippedSamples = null;
    frame.spectrum = null;
    frame.#present = 0;
    frame.#retainer = retainer;
    frame.#token = token;
    frame.#retained = false;
    frame.#dispatching = true;
    frame.#kept = false;
    if (frame.rms.length !== channelData.length) {
      frame.rms = levelArray(channelData.length);
      frame.peak = levelArray(channelData.length);
    }
    for (let channel = 0; channel < channelData.length; channel++)
      writeLevels(channelData[channel] as Float32Array, channel, frame.rms, frame.peak);
  }

  retain(): () => void {
    if (this.#dispatching && !this.#kept) {
      // The feature arrays are reused for the next frame: a retained frame gets its own.
      this.#kept = true;
      this.rmsDb = this.rmsDb?.slice() ?? null;
      this.peakDb = this.peakDb?.slice() ?? null;
      this.clippedSamples = this.clippedSamples?.slice() ?? null;
      this.spectrum = this.spectrum?.slice() ?? null;
    }
    if (this.#retainer === null || this.#retained) return noop;
    this.#retained = true;
    return this.#retainer.retain(this.bufferId, this.sequence, this.#token);
  }

  /**
   * True when a listener called `retain()` during the last dispatch, whether or not the batch's
   * memory needed keeping: such a frame must not be filled again for another batch.
   */
  static kept(frame: DispatchedFrame): boolean {
    return frame.#kept;
  }

  /** Ends the dispatch: `retain()` does nothing from now on. True when a listener retained the batch's memory. */
  static close(frame: DispatchedFrame): boolean {
    frame.#dispatching = false;
    frame.#retainer = null;
    frame.#token = null;
    return frame.#retained;
  }
}

/** Filled with doubles at once, so that the array never changes its elements' kind (which would reallocate it). */
function levelArray(channels: number): number[] {
  return new Array<number>(channels).fill(0.5);
}

/** Writes one channel's root mean square to `rms[channel]` and its largest absolute sample to `peak[channel]`. */
export function writeLevels(samples: Float32Array, channel: number, rms: number[], peak: number[]): void {
  let sumOfSquares = 0;
  let largest = 0;
  for (let i = 0; i < samples.length; i++) {
    const sample = samples[i] as number;
    sumOfSquares += sample * sample;
    const magnitude = sample < 0 ? -sample : sample;
    if (magnitude > largest) largest = magnitude;
  }
  rms[channel] = Math.sqrt(sumOfSquares / samples.length);
  peak[channel] = largest;
}
