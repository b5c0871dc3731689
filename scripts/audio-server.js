/**
 * Firefox's real-time AudioContext needs an audio server (without one its content process dies on
 * resume()); this machine has no sound card, so a PulseAudio daemon with its null sink stands in.
 * Chromium and WebKit are kept away from it (AWAY_FROM_PULSEAUDIO): under a running PulseAudio
 * Chromium's audio clock crawls, and WebKitGTK's audio pauses after start, then renders in bursts.
 */
import { spawnSync } from 'node:child_process';

/** Environment entries that hide a running PulseAudio from a browser, which then uses its own fallback output. */
export const AWAY_FROM_PULSEAUDIO = { PULSE_SERVER: 'unix:/nonexistent/pulse' };

export function ensurePulseAudio() {
  if (spawnSync('pulseaudio', ['--check']).status === 0) return;
  const started = spawnSync('pulseaudio', ['--start', '--exit-idle-time=-1'], { encoding: 'utf8' });
  if (started.error || started.status !== 0) {
    throw new Error(
      `Firefox's tests need a PulseAudio server and none could be started (${started.error?.message ?? started.stderr.trim()}). ` +
        'Install the "pulseaudio" package, or run with TEST_BROWSERS=chromium.',
    );
  }
}
