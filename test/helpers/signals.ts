import { encodeWav } from '../../scripts/wav.js';

/** A ramp every float32 holds exactly: the sample at context frame f of channel c. */
export function rampSample(frame: number, channel = 0): number {
  return ((frame + channel * 1000) % 4096) / 4096 - 0.5;
}

/** One render quantum of the ramp, starting at `startFrame`. */
export function rampQuantum(startFrame: number, frames: number, channels: number): Float32Array[] {
  const quantum: Float32Array[] = [];
  for (let channel = 0; channel < channels; channel++) {
    const samples = new Float32Array(frames);
    for (let i = 0; i < frames; i++) samples[i] = rampSample(startFrame + i, channel);
    quantum.push(samples);
  }
  return quantum;
}

/** A mono 16-bit WAV of a sine, as a blob URL, for media-element tests. */
export function sineWavUrl(frequency: number, amplitude: number, seconds: number, sampleRate = 48000): string {
  const samples = new Float32Array(Math.round(seconds * sampleRate));
  for (let i = 0; i < samples.length; i++) samples[i] = Math.sin((2 * Math.PI * frequency * i) / sampleRate) * amplitude;
  return URL.createObjectURL(new Blob([encodeWav(samples, sampleRate)], { type: 'audio/wav' }));
}
