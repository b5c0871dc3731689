/**
 * Finds a Chromium for the tests, in this order: $CHROME_PATH, Debian's /usr/bin/chromium,
 * Playwright's own download. Returns undefined when there is none.
 */
import { existsSync } from 'node:fs';

export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

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
