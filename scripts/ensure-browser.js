/**
 * `pretest`, and `.ci/run` before `npm ci`: makes sure every browser the run covers (see
 * TEST_BROWSERS) is here, with what it needs. What is missing is installed with Debian's apt-get
 * when that is usable (as root); otherwise the run stops and says how to get it. Uses Node's
 * built-ins only (Playwright's own Chromium counts only once it is installed).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findChromium, findFirefox, selectedBrowsers } from './find-browser.js';
import { findWebKit } from './webkit-driver.js';

const runs = (command, ...args) => spawnSync(command, args).status === 0;

/** Per browser: how to find it, and the Debian packages that provide it. */
const NEEDS = {
  chromium: { find: findChromium, packages: ['chromium'], hint: 'set CHROME_PATH, or install Debian\'s "chromium"' },
  firefox: {
    find: async () => runs('pulseaudio', '--version') && findFirefox(),
    packages: ['firefox-esr', 'pulseaudio'],
    hint: 'set FIREFOX_PATH and install PulseAudio, or install Debian\'s "firefox-esr" and "pulseaudio"',
  },
  webkit: {
    find: async () => runs('Xvfb', '-help') && findWebKit()?.browser,
    packages: ['webkit2gtk-driver', 'xvfb'],
    hint: 'install Debian\'s "webkit2gtk-driver" (WebKitWebDriver and MiniBrowser) and "xvfb"',
  },
};

const missing = [];
for (const browser of selectedBrowsers()) {
  const found = await NEEDS[browser].find();
  if (found) console.log(`${browser} for the tests: ${found}`);
  else missing.push(browser);
}
if (missing.length === 0) process.exit(0);

const canApt = existsSync('/usr/bin/apt-get') && process.getuid?.() === 0;
if (!canApt) {
  for (const browser of missing) console.error(`No ${browser} for the tests: ${NEEDS[browser].hint} (or leave it out of TEST_BROWSERS).`);
  process.exit(1);
}
const packages = missing.flatMap((browser) => NEEDS[browser].packages);
console.log(`Installing ${packages.join(', ')} with apt-get...`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: 'inherit', env });
for (const browser of missing) {
  const found = await NEEDS[browser].find();
  if (!found) {
    console.error(`apt-get finished but ${browser} is still missing: ${NEEDS[browser].hint}.`);
    process.exit(1);
  }
  console.log(`${browser} for the tests: ${found}`);
}
