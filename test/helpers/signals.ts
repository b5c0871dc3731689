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
  const frames = Math.round(seconds * sampleRate);
  const view = new DataView(new ArrayBuffer(44 + frames * 2));
  const text = (offset: number, value: string) => {
    for (let i = 0; i < value.length; i++) view.setUint8(offset + i, value.charCodeAt(i));
  };
  text(0, 'RIFF');
  view.setUint32(4, 36 + frames * 2, true);
  text(8, 'WAVEfmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  text(36, 'data');
  view.setUint32(40, frames * 2, true);
  for (let i = 0; i < frames; i++) {
    view.setInt16(44 + i * 2, Math.round(Math.sin((2 * Math.PI * frequency * i) / sampleRate) * amplitude * 32767), true);
  }
  return URL.createObjectURL(new Blob([view.buffer], { type: 'audio/wav' }));
}
