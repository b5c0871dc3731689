/**
 * Finds a Chromium for the tests, in this order: $CHROME_PATH, Debian's /usr/bin/chromium,
 * Playwright's own download. Returns undefined when there is none.
 */
import { existsSync } from 'node:fs';

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
export const CHROMIUM_ENV = { ...process.env, PULSE_SERVER: 'unix:/nonexistent/pulse' };

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
