/** The part of `fourier-transform` (2.x, which ships no types) that the analysis uses; see its readme. */
declare module 'fourier-transform' {
  /** Magnitudes of the N/2 bins of a real input of power-of-two length N, written into `output`; a unit cosine at a bin's centre reads 1. */
  export default function rfft(input: ArrayLike<number>, output?: Float64Array): Float64Array;
  /** The complex spectrum [re, im] (N/2 + 1 bins each, unnormalized), written into `output`. */
  export function fft(input: ArrayLike<number>, output?: [Float64Array, Float64Array]): [Float64Array, Float64Array];
  /** The real signal (N values, 1/N normalized) of a spectrum of N/2 + 1 bins, written into `output`. */
  export function ifft(re: Float64Array, im: Float64Array, output?: Float64Array): Float64Array;
}
