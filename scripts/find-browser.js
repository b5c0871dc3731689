/**
 * Finds a Chromium for the tests, in this order: $CHROME_PATH, Debian's /usr/bin/chromium,
 * Playwright's own download. Returns undefined when there is none.
 */
import { existsSync } from 'node:fs';
import { AWAY_FROM_PULSEAUDIO } from './audio-server.js';

export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** Flags for headless runs on a machine without a sound card or network beyond localhost. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  // Without it resume() never settles in headless Chromium.
  '--autoplay-policy=no-user-gesture-required',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  // A fake microphone that needs no permission prompt.
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
];

/** A running PulseAudio server slows Chromium's audio clock to a crawl: keep it out of reach. */
export const CHROMIUM_ENV = { ...process.env, ...AWAY_FROM_PULSEAUDIO };

export async function findChromium() {
  const candidates = [process.env.CHROME_PATH, DEBIAN_CHROMIUM];
  try {
    const { chromium } = await import('playwright');
    candidates.push(chromium.executablePath());
  } catch {
    // Playwright has no browser of its own here; the other candidates decide.
  }
  return candidates.find((path) => path && existsSync(path));
}

export const DEBIAN_FIREFOX = '/usr/bin/firefox-esr';

/** Firefox for the tests: $FIREFOX_PATH, Debian's firefox-esr, or a plain firefox. */
export function findFirefox() {
  return [process.env.FIREFOX_PATH, DEBIAN_FIREFOX, '/usr/bin/firefox'].find((path) => path && existsSync(path));
}

/** Audio without a user gesture, and a fake microphone without a permission prompt. */
export const FIREFOX_PREFS = {
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
};

/** The browsers a test run covers: $TEST_BROWSERS (comma-separated), else all three. */
export function selectedBrowsers() {
  const all = ['chromium', 'firefox', 'webkit'];
  const chosen = process.env.TEST_BROWSERS?.split(',').map((name) => name.trim().toLowerCase()) ?? all;
  const unknown = chosen.filter((name) => !all.includes(name));
  if (unknown.length > 0) throw new Error(`TEST_BROWSERS: unknown ${unknown.join(', ')} (known: ${all.join(', ')})`);
  return chosen;
}
