import { type AnalysisConfig, DEFAULT_ANALYSIS, type Feature, ORDERED_ANALYSIS_OPTIONS } from './config.js';
import type { AnalysisFrame } from './events.js';
import { PitchDetector } from './pitch.js';
import { Spectrum } from './spectrum.js';

/** A sample at or beyond this magnitude counts as clipped: the largest 16-bit value, as a file decodes it. */
export const CLIP_LEVEL = 32767 / 32768;

/** What a frame's features are computed with; made again only when the shape of the frames or the options change. */
interface Plan {
  channels: number;
  frames: number;
  sampleRate: number;
  levels: boolean;
  zcr: boolean;
  /** The last `history.length` frames of the channels' mean, newest last; zeros after a discontinuity. */
  history: Float32Array;
  /** The channels' mean of one frame (with one channel, its samples are used as they are). */
  mix: Float32Array;
  rmsDb: Float64Array;
  peakDb: Float64Array;
  clippedSamples: Uint32Array;
  spectrum: Spectrum | null;
  pitch: PitchDetector | null;
  /** The context frame the next frame should start at, to tell a discontinuity. */
  nextFrame: number;
  /** The last sample of the previous frame's mix, for the crossing at the boundary. */
  lastSample: number;
}

/**
 * Computes the features an analyzer's `features` names into each frame, on the main thread, into
 * arrays allocated once per configuration: levels in dBFS and clipped samples per channel, and over
 * the channels' mean, the zero-crossing rate, a spectrum and the pitch. The spectrum and the pitch
 * read a history of the last frames, so their window can be longer than a batch (overlapping, a
 * batch apart); a discontinuity (skipped or never-rendered frames) clears it.
 *
 * The arrays a frame gets are reused for the next one: like `channelData`, they are valid during
 * dispatch, and `retain()` gives the frame copies of its own.
 */
export class FrameAnalysis {
  private config: AnalysisConfig = DEFAULT_ANALYSIS;
  private plan: Plan | null = null;

  /** Takes new options; the next frame is analyzed with them. A range whose min is not below its max runs at the defaults. */
  configure(config: AnalysisConfig): void {
    this.config = { ...config };
    for (const [min, max] of ORDERED_ANALYSIS_OPTIONS) {
      if (config[min] >= config[max]) Object.assign(this.config, { [min]: DEFAULT_ANALYSIS[min], [max]: DEFAULT_ANALYSIS[max] });
    }
    this.plan = null;
  }

  /** Writes the configured features into `frame`. Allocation-free unless the frames' shape or the options changed. */
  analyze(frame: AnalysisFrame): void {
    const { channelData, sampleRate } = frame;
    const frames = channelData[0]?.length ?? 0;
    if (frames === 0) return;
    let plan = this.plan;
    if (plan === null || plan.channels !== channelData.length || plan.frames !== frames || plan.sampleRate !== sampleRate) {
      plan = this.makePlan(channelData.length, frames, sampleRate);
      this.plan = plan;
    }
    if (plan.levels) {
      for (let channel = 0; channel < plan.channels; channel++) {
        writeLevelFeatures(channelData[channel] as Float32Array, channel, frame.rms, frame.peak, plan);
      }
      frame.rmsDb = plan.rmsDb;
      frame.peakDb = plan.peakDb;
      frame.clippedSamples = plan.clippedSamples;
    }
    if (!plan.zcr && plan.spectrum === null && plan.pitch === null) return;
    const mix = mixInto(plan, channelData);
    const contiguous = frame.frame === plan.nextFrame;
    plan.nextFrame = frame.frame + frames;
    if (plan.zcr) {
      const crossings = countCrossings(mix, contiguous ? plan.lastSample : (mix[0] as number));
      frame.zcr = (crossings * sampleRate) / frames;
    }
    plan.lastSample = mix[frames - 1] as number;
    if (plan.spectrum === null && plan.pitch === null) return;
    appendHistory(plan, mix, contiguous);
    const { config } = this;
    if (plan.spectrum !== null) {
      plan.spectrum.update(plan.history, config.smoothing, config.minDecibels, config.maxDecibels);
      frame.spectrum = plan.spectrum.decibels;
    }
    if (plan.pitch !== null) {
      plan.pitch.detect(plan.history, sampleRate, config.pitchMin, Math.min(config.pitchMax, sampleRate / 2), config.pitchClarity);
      frame.pitch = plan.pitch.frequency;
      frame.clarity = plan.pitch.clarity;
    }
  }

  private makePlan(channels: number, frames: number, sampleRate: number): Plan {
    const { features, pitchMin, fftSize: configuredFftSize } = this.config;
    const has = (feature: Feature) => features.includes(feature);
    // The configured size, or the largest power of two up to a frame.
    const fftSize = has('spectrum') ? (configuredFftSize ?? 2 ** Math.floor(Math.log2(frames))) : 0;
    // Two periods of the lowest pitch, at least a batch, as a power of two.
    const pitchSize = has('pitch') ? 2 ** Math.ceil(Math.log2(Math.max(frames, (2 * sampleRate) / pitchMin))) : 0;
    return {
      channels,
      frames,
      sampleRate,
      levels: has('levels'),
      zcr: has('zcr'),
      history: new Float32Array(Math.max(fftSize, pitchSize)),
      mix: new Float32Array(channels > 1 ? frames : 0),
      rmsDb: new Float64Array(channels),
      peakDb: new Float64Array(channels),
      clippedSamples: new Uint32Array(channels),
      spectrum: fftSize > 0 ? new Spectrum(fftSize) : null,
      pitch: pitchSize > 0 ? new PitchDetector(pitchSize) : null,
      nextFrame: -1,
      lastSample: 0,
    };
  }
}

/**
 * Writes one channel's levels in dBFS and its clipped samples into the plan's arrays. The
 * logarithms sit beside the samples' loop on purpose: that loop makes V8 optimise this function
 * fully within a few batches, where `analyze`, called once per batch, stays in a tier that boxed
 * the argument and the result of each Math.log10 (about 45 B per batch, `bench:profile --page`
 * at batch 1024). The levels are read from their arrays here for the same reason.
 */
function writeLevelFeatures(samples: Float32Array, channel: number, rms: readonly number[], peak: readonly number[], plan: Plan): void {
  let clipped = 0;
  for (let i = 0; i < samples.length; i++) {
    const sample = samples[i] as number;
    if (sample >= CLIP_LEVEL || sample <= -CLIP_LEVEL) clipped++;
  }
  plan.clippedSamples[channel] = clipped;
  plan.rmsDb[channel] = 20 * Math.log10(rms[channel] as number);
  plan.peakDb[channel] = 20 * Math.log10(peak[channel] as number);
}

/** Sign changes (zero counts as positive) across the frame, starting from the sample before it. */
function countCrossings(samples: Float32Array, before: number): number {
  let count = 0;
  let negative = before < 0;
  for (let i = 0; i < samples.length; i++) {
    const isNegative = (samples[i] as number) < 0;
    if (isNegative !== negative) count++;
    negative = isNegative;
  }
  return count;
}

/** The channels' mean; one channel is its own mean. */
function mixInto(plan: Plan, channelData: readonly Float32Array[]): Float32Array {
  if (plan.channels === 1) return channelData[0] as Float32Array;
  const { mix, channels } = plan;
  mix.set(channelData[0] as Float32Array);
  for (let channel = 1; channel < channels; channel++) {
    const samples = channelData[channel] as Float32Array;
    for (let i = 0; i < mix.length; i++) mix[i] = (mix[i] as number) + (samples[i] as number);
  }
  for (let i = 0; i < mix.length; i++) mix[i] = (mix[i] as number) / channels;
  return mix;
}

/** Moves the history on by a frame; after a discontinuity, what came before is silence. */
function appendHistory(plan: Plan, samples: Float32Array, contiguous: boolean): void {
  const { history } = plan;
  if (!contiguous) {
    history.fill(0);
    plan.spectrum?.reset();
  }
  const kept = history.length - samples.length;
  if (kept > 0) {
    history.copyWithin(0, samples.length);
    history.set(samples, kept);
    return;
  }
  // A frame at least as long as the history: its last frames, copied without a view.
  for (let i = 0; i < history.length; i++) history[i] = samples[i - kept] as number;
}
