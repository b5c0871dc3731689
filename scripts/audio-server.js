/**
 * Firefox's real-time AudioContext needs an audio server (without one its content process dies on
 * resume()); this machine has no sound card, so a PulseAudio daemon with its null sink stands in.
 * Chromium is kept away from it (CHROMIUM_ENV), as a running PulseAudio slows its clock.
 */
import { execFileSync, spawnSync } from 'node:child_process';

export function ensurePulseAudio() {
  if (spawnSync('pulseaudio', ['--check']).status === 0) return;
  const started = spawnSync('pulseaudio', ['--start', '--exit-idle-time=-1'], { encoding: 'utf8' });
  if (started.error || started.status !== 0) {
    throw new Error(
      `Firefox's tests need a PulseAudio server and none could be started (${started.error?.message ?? started.stderr.trim()}). ` +
        'Install the "pulseaudio" package, or run with TEST_BROWSERS=chromium.',
    );
  }
  execFileSync('pulseaudio', ['--check']);
}
