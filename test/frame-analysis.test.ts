import { expect } from '@open-wc/testing';
import { type AnalysisConfig, DEFAULT_ANALYSIS } from '../src/config.js';
import type { AnalysisFrame } from '../src/events.js';
import { CLIP_LEVEL, FrameAnalysis } from '../src/frame-analysis.js';

const RATE = 48000;

/** A frame as the session dispatches it (levels already written), of `channels` copies of `signal(t)`. */
function frameOf(start: number, frames: number, signal: (t: number) => number, channels = 1): AnalysisFrame {
  const channelData = Array.from({ length: channels }, () => Float32Array.from({ length: frames }, (_, i) => signal((start + i) / RATE)));
  const rms = channelData.map((samples) => Math.sqrt(samples.reduce((sum, x) => sum + x * x, 0) / frames));
  const peak = channelData.map((samples) => samples.reduce((largest, x) => Math.max(largest, Math.abs(x)), 0));
  return {
    sequence: 0,
    frame: start,
    time: start / RATE,
    sampleRate: RATE,
    channelData,
    rms,
    peak,
    skippedFrames: 0,
    gapFrames: 0,
    bufferId: 0,
    retain: () => () => {},
    rmsDb: null,
    peakDb: null,
    clippedSamples: null,
    spectrum: null,
    pitch: null,
    clarity: null,
    zcr: null,
  };
}

const sine =
  (frequency: number, amplitude = 0.5) =>
  (t: number) =>
    amplitude * Math.sin(2 * Math.PI * frequency * t);

function analysis(config: Partial<AnalysisConfig>): FrameAnalysis {
  const made = new FrameAnalysis();
  made.configure({ ...DEFAULT_ANALYSIS, ...config });
  return made;
}

/** Analyzes `count` contiguous frames of `frames` from `start`; returns them. */
function run(made: FrameAnalysis, signal: (t: number) => number, count: number, frames = 1024, start = 0, channels = 1): AnalysisFrame[] {
  return Array.from({ length: count }, (_, i) => {
    const frame = frameOf(start + i * frames, frames, signal, channels);
    made.analyze(frame);
    return frame;
  });
}

describe('FrameAnalysis', () => {
  it('counts every zero crossing of contiguous frames, the ones at their boundaries included', () => {
    const frames = run(analysis({ features: ['zcr'] }), sine(440), 47);
    const crossings = frames.reduce((sum, frame) => sum + ((frame.zcr as number) * 1024) / RATE, 0);
    // 47 × 1024 frames of a 440 Hz sine hold 440 × 2 × 1.00267 s = 882.35 crossings.
    expect(crossings).to.be.within(881, 883);
  });

  it('computes the spectrum and the pitch of the channels’ mean, with windows longer than a frame', () => {
    const made = analysis({ features: ['spectrum', 'pitch'], fftSize: 4096, smoothing: 0 });
    const frames = run(made, sine(468.75), 6, 1024, 0, 2);
    const last = frames.at(-1) as AnalysisFrame;
    expect(last.spectrum).to.have.length(2048);
    const spectrum = last.spectrum as Float32Array;
    const peak = spectrum.indexOf(Math.max(...spectrum));
    expect((peak * RATE) / 4096).to.equal(468.75);
    expect(spectrum[peak]).to.be.closeTo(-6.02, 0.05);
    expect(last.pitch).to.be.closeTo(468.75, 0.1);
  });

  it('clears its history at a discontinuity: no spectrum or pitch across a gap', () => {
    const made = analysis({ features: ['spectrum', 'pitch'], fftSize: 4096, smoothing: 0 });
    run(made, sine(440), 6);
    // A gap: the next frame starts 5000 frames later, and its signal is another note.
    const [after] = run(made, sine(1000), 1, 1024, 6 * 1024 + 5000);
    const spectrum = (after as AnalysisFrame).spectrum as Float32Array;
    const binOf = (hz: number) => Math.round((hz * 4096) / RATE);
    // Only the new 1024 frames, under the window's last quarter: the old note is gone (it would
    // read about -8 dB had the history been kept), the new one is there.
    expect(spectrum[binOf(440)]).to.be.below(-45);
    expect(spectrum[binOf(1000)]).to.be.above(-35);
    expect(after?.pitch).to.be.closeTo(1000, 1);
  });

  it('writes levels in dBFS and counts clipped samples per channel', () => {
    const made = analysis({ features: ['levels'] });
    const [frame] = run(made, (t) => (Math.round(t * RATE) % 4 < 2 ? 1.5 : -CLIP_LEVEL * 0.999), 1, 1000);
    expect(frame?.clippedSamples?.[0]).to.equal(500);
    expect(frame?.peakDb?.[0]).to.be.closeTo(20 * Math.log10(1.5), 1e-6);
    const [silence] = run(made, () => 0, 1, 1000, 1000);
    expect([silence?.rmsDb?.[0], silence?.peakDb?.[0], silence?.clippedSamples?.[0]]).to.deep.equal([
      Number.NEGATIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      0,
    ]);
  });

  it('keeps each channel’s levels and clipped samples apart', () => {
    const frame = frameOf(0, 1000, (t) => (Math.round(t * RATE) % 4 < 2 ? 1.5 : -0.25), 2);
    frame.channelData[1] = new Float32Array(1000).fill(0.5);
    frame.rms[1] = 0.5;
    frame.peak[1] = 0.5;
    analysis({ features: ['levels'] }).analyze(frame);
    expect([...(frame.clippedSamples ?? [])]).to.deep.equal([500, 0]);
    expect([...(frame.peakDb ?? [])].map((level) => level.toFixed(3))).to.deep.equal(
      [20 * Math.log10(1.5), 20 * Math.log10(0.5)].map((level) => level.toFixed(3)),
    );
    expect([...(frame.rmsDb ?? [])].map((level) => level.toFixed(3))).to.deep.equal(
      [20 * Math.log10(frame.rms[0] as number), 20 * Math.log10(0.5)].map((level) => level.toFixed(3)),
    );
  });

  it('reuses its arrays from frame to frame, and makes them again when the shape or the options change', () => {
    const made = analysis({ features: ['levels', 'spectrum'] });
    const [first, second] = run(made, sine(440), 2);
    expect(second?.spectrum).to.equal(first?.spectrum);
    expect(second?.rmsDb).to.equal(first?.rmsDb);
    const [stereo] = run(made, sine(440), 1, 1024, 2048, 2);
    expect(stereo?.rmsDb).to.have.length(2);
    made.configure({ ...DEFAULT_ANALYSIS, features: ['levels', 'spectrum'], fftSize: 256 });
    const [smaller] = run(made, sine(440), 1, 1024, 3072, 2);
    expect(smaller?.spectrum).to.have.length(128);
  });

  it('runs a range out of order at its defaults', () => {
    const made = analysis({ features: ['spectrum'], minDecibels: -10, maxDecibels: -50, smoothing: 0 });
    const [frame] = run(made, sine(440), 1);
    const spectrum = frame?.spectrum as Float32Array;
    expect(Math.min(...spectrum)).to.equal(DEFAULT_ANALYSIS.minDecibels);
    expect(Math.max(...spectrum)).to.be.within(-10, DEFAULT_ANALYSIS.maxDecibels);
  });
});
