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

/**
 * Follows a looping ramp of 4096 frames (an AudioBufferSourceNode playing `rampSample`) through
 * real-time frames: each sample must be the next one on the ramp; only a reported skip may jump
 * ahead, by exactly the frames skipped. Context frames can jump without a skip (Chromium's clock
 * leaps once at start-up, counted as a render gap): the graph renders nothing meanwhile, so the
 * ramp does not jump.
 */
export class RampFollower {
  mismatches = 0;
  checked = 0;
  private previous: number | undefined;

  check(channelData: readonly Float32Array[], skippedFrames: number): void {
    const samples = channelData[0] as Float32Array;
    for (let i = 0; i < samples.length; i++) {
      const index = Math.round(((samples[i] as number) + 0.5) * 4096 * 1e6) / 1e6;
      if (this.previous === undefined) {
        if (samples[i] === -0.5) this.previous = index;
        continue;
      }
      const advance = i === 0 ? skippedFrames + 1 : 1;
      // The source node reads at a sub-sample offset of ~1e-13 and interpolates, which shows only
      // where the ramp crosses exactly 0; any reordering is a whole step off.
      if (Math.abs(index - ((this.previous + advance) % 4096)) > 1e-6) this.mismatches++;
      this.previous = index;
      this.checked++;
    }
  }
}

/** A source playing the ramp of `rampSample`, sample-exact (the context's rate, no interpolation). */
export function rampSource(context: BaseAudioContext, frames: number, loop: boolean): AudioBufferSourceNode {
  const buffer = context.createBuffer(1, frames, context.sampleRate);
  const samples = buffer.getChannelData(0);
  for (let i = 0; i < frames; i++) samples[i] = rampSample(i);
  return new AudioBufferSourceNode(context, { buffer, loop });
}
