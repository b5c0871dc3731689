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
