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

  /**
   * Writes the configured features into `frame`. Allocation-free unless the frames' shape or the
   * options changed. It only picks the plan and calls the helpers that do the work: the first
   * frame of a new shape deoptimises it (the call that makes the plan), and called once per
   * batch it can run unoptimised for tens of seconds, where every number it touched would be
   * boxed. The helpers loop over the samples, so V8 optimises them on their own.
   */
  analyze(frame: AnalysisFrame): void {
    const { channelData } = frame;
    const frames = channelData[0]?.length ?? 0;
    if (frames === 0) return;
    let plan = this.plan;
    if (plan === null || plan.channels !== channelData.length || plan.frames !== frames || plan.sampleRate !== frame.sampleRate) {
      plan = this.makePlan(channelData.length, frames, frame.sampleRate);
      this.plan = plan;
    }
    if (plan.levels) writeLevelFeatures(frame, plan);
    if (plan.zcr || plan.spectrum !== null || plan.pitch !== null) writeMixFeatures(frame, plan);
  }

  private makePlan(channels: number, frames: number, sampleRate: number): Plan {
    const { features, pitchMin, pitchMax, pitchClarity, fftSize: configuredFftSize, smoothing, minDecibels, maxDecibels } = this.config;
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
      spectrum: fftSize > 0 ? new Spectrum(fftSize, smoothing, minDecibels, maxDecibels) : null,
      pitch: pitchSize > 0 ? new PitchDetector(pitchSize, sampleRate, pitchMin, Math.min(pitchMax, sampleRate / 2), pitchClarity) : null,
      nextFrame: -1,
      lastSample: 0,
    };
  }
}

/**
 * Writes each channel's levels in dBFS and its clipped samples into the plan's arrays and gives
 * them to the frame. The logarithms sit beside the samples' loop on purpose: that loop makes V8
 * optimise this function within a few batches, where a function called once per batch stays in a
 * tier that boxed the argument and the result of each Math.log10 (about 45 B per batch,
 * `bench:profile --page` at batch 1024).
 */
function writeLevelFeatures(frame: AnalysisFrame, plan: Plan): void {
  const { channelData, rms, peak } = frame;
  const { rmsDb, peakDb, clippedSamples } = plan;
  for (let channel = 0; channel < plan.channels; channel++) {
    const samples = channelData[channel] as Float32Array;
    let clipped = 0;
    for (let i = 0; i < samples.length; i++) {
      const sample = samples[i] as number;
      if (sample >= CLIP_LEVEL || sample <= -CLIP_LEVEL) clipped++;
    }
    clippedSamples[channel] = clipped;
    rmsDb[channel] = 20 * Math.log10(rms[channel] as number);
    peakDb[channel] = 20 * Math.log10(peak[channel] as number);
  }
  frame.rmsDb = rmsDb;
  frame.peakDb = peakDb;
  frame.clippedSamples = clippedSamples;
}

/**
 * Writes the features of the channels' mean: the zero-crossing rate, the spectrum and the pitch.
 * Every number is read and computed here, beside the crossings' loop, for the reason given at
 * `writeLevelFeatures`.
 */
function writeMixFeatures(frame: AnalysisFrame, plan: Plan): void {
  const mix = mixInto(plan, frame.channelData);
  const frames = mix.length;
  const contiguous = frame.frame === plan.nextFrame;
  plan.nextFrame = frame.frame + frames;
  if (plan.zcr) {
    let crossings = 0;
    let negative = contiguous ? plan.lastSample < 0 : (mix[0] as number) < 0;
    for (let i = 0; i < frames; i++) {
      const isNegative = (mix[i] as number) < 0;
      if (isNegative !== negative) crossings++;
      negative = isNegative;
    }
    frame.zcr = (crossings * plan.sampleRate) / frames;
  }
  plan.lastSample = mix[frames - 1] as number;
  if (plan.spectrum === null && plan.pitch === null) return;
  appendHistory(plan, mix, contiguous);
  if (plan.spectrum !== null) {
    plan.spectrum.update(plan.history);
    frame.spectrum = plan.spectrum.decibels;
  }
  if (plan.pitch !== null) {
    plan.pitch.detect(plan.history);
    const { frequency } = plan.pitch;
    // Two stores, not one of a conditional expression: that would box the number to merge it with null.
    if (Number.isNaN(frequency)) frame.pitch = null;
    else frame.pitch = frequency;
    frame.clarity = plan.pitch.clarity;
  }
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
