/**
 * `pretest`: makes sure the tests have a Chromium. When none is found and Debian's apt-get is
 * usable (as root), installs the `chromium` package; otherwise stops with how to get one.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findChromium } from './find-browser.js';

const found = await findChromium();
if (found) {
  console.log(`Chromium for the tests: ${found}`);
  process.exit(0);
}

const canApt = existsSync('/usr/bin/apt-get') && process.getuid?.() === 0;
if (!canApt) {
  console.error(
    'No Chromium found for the tests. Set CHROME_PATH to a Chromium or Chrome binary, ' +
      'install Debian/Ubuntu\'s "chromium" package, or run "npx playwright install chromium".',
  );
  process.exit(1);
}

console.log('No Chromium found: installing Debian\'s "chromium" package with apt-get...');
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
const installed = await findChromium();
if (!installed) {
  console.error('apt-get finished but no Chromium binary was found.');
  process.exit(1);
}
console.log(`Chromium for the tests: ${installed}`);
