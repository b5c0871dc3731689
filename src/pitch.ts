import { fft, ifft } from 'fourier-transform';

/**
 * The McLeod pitch method (McLeod & Wyvill, "A smarter way to find pitch", 2005) over a window of
 * `size` frames, with every buffer allocated once per size: the normalized square difference
 * function (NSDF) from an autocorrelation done by FFT, its key maxima, the first within
 * `KEY_MAXIMUM_CUTOFF` of the highest, refined by a parabola through its neighbours.
 */
export class PitchDetector {
  /** Hz of the last `detect()`, or NaN when its clarity fell below the threshold (a number, so that it is stored unboxed). */
  frequency = Number.NaN;
  /** How periodic the window was, 0–1 (the NSDF at the chosen peak). */
  clarity = 0;

  private readonly size: number;
  private readonly sampleRate: number;
  private readonly minHz: number;
  private readonly maxHz: number;
  private readonly minClarity: number;
  private readonly padded: Float64Array;
  private readonly spectrum: [Float64Array, Float64Array];
  private readonly autocorrelation: Float64Array;
  private readonly nsdf: Float64Array;
  /** Lags of the NSDF's key maxima (at most one per two lags). */
  private readonly keyMaxima: Int32Array;

  /**
   * Looks for pitches between `minHz` and `maxHz` at `sampleRate`, and reports those of at least
   * `minClarity`. The settings are fixed for the detector's life, so that `detect()` takes no
   * number to box.
   */
  constructor(size: number, sampleRate: number, minHz: number, maxHz: number, minClarity: number) {
    this.size = size;
    this.sampleRate = sampleRate;
    this.minHz = minHz;
    this.maxHz = maxHz;
    this.minClarity = minClarity;
    this.padded = new Float64Array(2 * size);
    this.spectrum = [new Float64Array(size + 1), new Float64Array(size + 1)];
    this.autocorrelation = new Float64Array(2 * size);
    this.nsdf = new Float64Array(size);
    this.keyMaxima = new Int32Array(size / 2 + 1);
  }

  /** Finds the pitch of `window` (its last `size` frames); the result is in `frequency` and `clarity`. Allocation-free. */
  detect(window: Float32Array): void {
    const { size, padded, nsdf, sampleRate, minHz, maxHz, minClarity } = this;
    const offset = window.length - size;
    for (let i = 0; i < size; i++) padded[i] = window[offset + i] as number;
    this.frequency = Number.NaN;
    this.clarity = 0;
    // Autocorrelation: the inverse FFT of the power spectrum, zero-padded so that it does not wrap.
    fft(padded, this.spectrum);
    // Read by index: destructuring would take an iterator, an object per call until the JIT removes it.
    const re = this.spectrum[0];
    const im = this.spectrum[1];
    for (let k = 0; k <= size; k++) {
      re[k] = (re[k] as number) * (re[k] as number) + (im[k] as number) * (im[k] as number);
      im[k] = 0;
    }
    const r = ifft(re, im, this.autocorrelation);
    let m = 2 * (r[0] as number);
    if (m <= 0) return;
    const maxLag = Math.min(size - 1, Math.floor(sampleRate / minHz));
    for (let lag = 0; lag <= maxLag; lag++) {
      nsdf[lag] = m > 0 ? (2 * (r[lag] as number)) / m : 0;
      const leaving = padded[lag] as number;
      const entering = padded[size - 1 - lag] as number;
      m -= leaving * leaving + entering * entering;
    }
    const minLag = Math.max(1, Math.ceil(sampleRate / maxHz));
    const best = this.firstKeyMaximum(minLag, maxLag);
    if (best < 0) return;
    // A parabola through the peak and its neighbours: the lag and the height between samples.
    const left = nsdf[best - 1] as number;
    const centre = nsdf[best] as number;
    const right = best + 1 <= maxLag ? (nsdf[best + 1] as number) : centre;
    const curvature = left - 2 * centre + right;
    const shift = curvature === 0 ? 0 : (0.5 * (left - right)) / curvature;
    this.clarity = Math.min(1, centre - 0.25 * (left - right) * shift);
    if (this.clarity >= minClarity) this.frequency = sampleRate / (best + shift);
  }

  /**
   * The lag of the first key maximum (the highest point of a positive lobe of the NSDF) within
   * the cutoff of the highest; -1 when none. The lobe at lag 0 is passed over: every signal
   * correlates with itself there.
   */
  private firstKeyMaximum(minLag: number, maxLag: number): number {
    const { nsdf, keyMaxima } = this;
    let count = 0;
    let lag = 1;
    while (lag <= maxLag && (nsdf[lag] as number) > 0) lag++;
    let lobeBest = -1;
    for (; lag <= maxLag + 1; lag++) {
      const value = lag <= maxLag ? (nsdf[lag] as number) : 0;
      if (value > 0) {
        if (lobeBest < 0 || value > (nsdf[lobeBest] as number)) lobeBest = lag;
      } else if (lobeBest >= 0) {
        if (lobeBest >= minLag) keyMaxima[count++] = lobeBest;
        lobeBest = -1;
      }
    }
    let highest = 0;
    for (let i = 0; i < count; i++) highest = Math.max(highest, nsdf[keyMaxima[i] as number] as number);
    for (let i = 0; i < count; i++) {
      if ((nsdf[keyMaxima[i] as number] as number) >= KEY_MAXIMUM_CUTOFF * highest) return keyMaxima[i] as number;
    }
    return -1;
  }
}

/** The share of the highest key maximum that the first one chosen must reach (McLeod's k). */
const KEY_MAXIMUM_CUTOFF = 0.9;
