/**
 * The demo's audio file, generated rather than committed: two seconds of a plucked arpeggio
 * (A minor, decaying notes) as a 16-bit mono WAV at 24 kHz, about 96 KB.
 */
import { encodeWav } from './wav.js';

export const DEMO_AUDIO_FILE = 'sample.wav';

/** @returns {Uint8Array<ArrayBuffer>} */
export function demoAudioWav() {
  const sampleRate = 24000;
  const notes = [220, 261.63, 329.63, 440, 329.63, 261.63, 220, 164.81];
  const noteFrames = sampleRate / 4;
  const samples = new Float32Array(noteFrames * notes.length);
  for (let i = 0; i < samples.length; i++) {
    const frequency = notes[Math.floor(i / noteFrames)] ?? 220;
    const t = (i % noteFrames) / sampleRate;
    samples[i] = 0.6 * Math.exp(-4 * t) * (Math.sin(2 * Math.PI * frequency * t) + 0.3 * Math.sin(4 * Math.PI * frequency * t));
  }
  return encodeWav(samples, sampleRate);
}
