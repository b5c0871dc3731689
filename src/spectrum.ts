import rfft from 'fourier-transform';

/**
 * The magnitude spectrum in dB of the last `size` frames of a window: a Hann window, a real FFT,
 * smoothing over time as the AnalyserNode's `smoothingTimeConstant` does (on linear magnitudes),
 * then dB clamped to a range. Every buffer is allocated once per size.
 */
export class Spectrum {
  /** dB per bin, `size / 2` bins; bin k is centred on k × sampleRate / size Hz. */
  readonly decibels: Float32Array;

  private readonly size: number;
  private readonly smoothing: number;
  private readonly minDecibels: number;
  private readonly maxDecibels: number;
  private readonly hann: Float64Array;
  private readonly windowed: Float64Array;
  private readonly magnitudes: Float64Array;
  private readonly smoothed: Float64Array;

  /** The settings are fixed for the spectrum's life, so that `update()` takes no number to box. */
  constructor(size: number, smoothing: number, minDecibels: number, maxDecibels: number) {
    this.size = size;
    this.smoothing = smoothing;
    this.minDecibels = minDecibels;
    this.maxDecibels = maxDecibels;
    this.decibels = new Float32Array(size / 2);
    this.hann = new Float64Array(size);
    // Periodic Hann; its mean (0.5) is the gain a sine at a bin's centre sees, undone below.
    for (let i = 0; i < size; i++) this.hann[i] = 1 - Math.cos((2 * Math.PI * i) / size);
    this.windowed = new Float64Array(size);
    this.magnitudes = new Float64Array(size / 2);
    this.smoothed = new Float64Array(size / 2);
  }

  /** Forgets the smoothing's past (after a discontinuity or a reconfiguration). */
  reset(): void {
    this.smoothed.fill(0);
  }

  /** Analyzes the last `size` frames of `window`. Allocation-free. */
  update(window: Float32Array): void {
    const { size, hann, windowed, magnitudes, smoothed, decibels, smoothing, minDecibels, maxDecibels } = this;
    const offset = window.length - size;
    for (let i = 0; i < size; i++) windowed[i] = (window[offset + i] as number) * (hann[i] as number);
    // A full-scale sine at a bin's centre reads 1, so 0 dB.
    rfft(windowed, magnitudes);
    for (let k = 0; k < magnitudes.length; k++) {
      const magnitude = smoothing * (smoothed[k] as number) + (1 - smoothing) * (magnitudes[k] as number);
      smoothed[k] = magnitude;
      const level = 20 * Math.log10(magnitude);
      decibels[k] = Math.max(minDecibels, Math.min(level, maxDecibels));
    }
  }
}
