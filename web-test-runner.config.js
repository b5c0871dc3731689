import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher, defaultReporter } from '@web/test-runner';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { WebdriverLauncher } from '@web/test-runner-webdriver';
import * as puppeteer from 'puppeteer-core';
import { ensurePulseAudio } from './scripts/audio-server.js';
import { CHROMIUM_ARGS, CHROMIUM_ENV, FIREFOX_PREFS, findChromium, findFirefox, selectedBrowsers } from './scripts/find-browser.js';
import { findWebKit, MINIBROWSER_ARGS, startWebKitDriver } from './scripts/webkit-driver.js';
import { crossOriginIsolation, generatedFiles, installPackedPackage, pageCommands, strictCspFixture } from './scripts/wtr-plugins.js';

const browsers = selectedBrowsers();

async function chromium() {
  return playwrightLauncher({
    product: 'chromium',
    launchOptions: { executablePath: await findChromium(), args: CHROMIUM_ARGS, env: CHROMIUM_ENV },
  });
}

/** Firefox through puppeteer-core over WebDriver BiDi: no geckodriver, no browser download. */
function firefox() {
  const executablePath = findFirefox();
  if (!executablePath) throw new Error('No Firefox found: install "firefox-esr", set FIREFOX_PATH, or run with TEST_BROWSERS=chromium.');
  ensurePulseAudio();
  return chromeLauncher({
    puppeteer,
    launchOptions: { browser: 'firefox', executablePath, headless: true, extraPrefsFirefox: FIREFOX_PREFS },
  });
}

/** WebKit: WebKitGTK's MiniBrowser through WebKitWebDriver, on a virtual display. */
async function webkit() {
  const found = findWebKit();
  if (!found) throw new Error('No WebKit found: install "webkit2gtk-driver" and "xvfb", or run with TEST_BROWSERS=chromium,firefox.');
  const port = await startWebKitDriver(found.driver);
  return new WebdriverLauncher({
    hostname: '127.0.0.1',
    port,
    path: '/',
    logLevel: 'error',
    capabilities: {
      browserName: 'MiniBrowser',
      // WebKitWebDriver speaks classic WebDriver only.
      'wdio:enforceWebDriverClassic': true,
      'webkitgtk:browserOptions': { binary: found.browser, args: MINIBROWSER_ARGS },
    },
  });
}

/** An error's message and the first lines of its stack, indented under the test it failed. */
function describeError(error) {
  const stack = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  return [error.message, ...stack.slice(0, 4)].map((line) => `    ${line.trim()}`);
}

/**
 * Ends the run with each skipped test, its browser and its reason (in its title, see
 * test/helpers/skip.ts), then each failure with its error (repeated here, at the end, where a log
 * cut to its tail still shows it), then one plain "Tests: N passed, N failed, N skipped" line; a
 * file that failed to load counts as failed.
 */
function closingLineReporter() {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  const skipped = [];
  const failures = [];
  return {
    onTestRunFinished({ sessions }) {
      const walk = (suite, path, browser) => {
        for (const test of suite.tests) {
          counts[test.skipped ? 'skipped' : test.passed ? 'passed' : 'failed']++;
          const title = [...path, test.name].join(' > ');
          if (test.skipped) skipped.push(`Skipped in ${browser}: ${title}`);
          else if (!test.passed) failures.push(`Failed in ${browser}: ${title}`, ...describeError(test.error ?? { message: '' }));
        }
        for (const child of suite.suites) walk(child, [...path, child.name], browser);
      };
      for (const session of sessions) {
        const file = session.testFile.split('/').pop();
        if (session.testResults) walk(session.testResults, [file], session.browser.name);
        if (session.errors.length > 0) {
          counts.failed++;
          failures.push(`Failed in ${session.browser.name}: ${file}`, ...session.errors.flatMap(describeError));
        }
      }
    },
    start() {
      // Written last, after the default reporter's own summary.
      process.once('exit', () =>
        process.stdout.write(
          [...skipped, ...failures, `Tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`, ''].join('\n'),
        ),
      );
    },
  };
}

export default {
  // The .html files are pages of their own, served cross-origin isolated (test/isolated/), each importing its spec.
  files: ['test/**/*.test.ts', 'test/**/*.test.html'],
  nodeResolve: true,
  middleware: [crossOriginIsolation],
  plugins: [
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: './tsconfig.json' }),
    generatedFiles(),
    pageCommands(),
    installPackedPackage(),
    strictCspFixture(),
  ],
  // Audio runs in real time: one file, in one browser, at a time keeps the two cores for the audio threads.
  concurrency: 1,
  concurrentBrowsers: 1,
  reporters: [defaultReporter(), closingLineReporter()],
  testFramework: { config: { timeout: 30000 } },
  testsFinishTimeout: 600000,
  browsers: [
    ...(browsers.includes('chromium') ? [await chromium()] : []),
    ...(browsers.includes('firefox') ? [firefox()] : []),
    ...(browsers.includes('webkit') ? [await webkit()] : []),
  ],
};
