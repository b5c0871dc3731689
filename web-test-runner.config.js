import { esbuildPlugin } from '@web/dev-server-esbuild';
import { defaultReporter } from '@web/test-runner';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { CHROMIUM_ARGS, CHROMIUM_ENV, findChromium } from './scripts/find-browser.js';
import { generatedFiles, installPackedPackage, saveScreenshot, strictCspFixture } from './scripts/wtr-plugins.js';

const executablePath = await findChromium();

/** Ends the run with one plain "Tests: N passed, N failed, N skipped" line; a file that failed to load counts as failed. */
function closingLineReporter() {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  return {
    onTestRunFinished({ sessions }) {
      const walk = (suite) => {
        for (const test of suite.tests) counts[test.skipped ? 'skipped' : test.passed ? 'passed' : 'failed']++;
        for (const child of suite.suites) walk(child);
      };
      for (const session of sessions) {
        if (session.testResults) walk(session.testResults);
        if (session.errors.length > 0) counts.failed++;
      }
    },
    start() {
      // Written last, after the default reporter's own summary.
      process.once('exit', () =>
        process.stdout.write(`Tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`),
      );
    },
  };
}

export default {
  files: 'test/**/*.test.ts',
  nodeResolve: true,
  plugins: [
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: './tsconfig.json' }),
    generatedFiles(),
    saveScreenshot(),
    installPackedPackage(),
    strictCspFixture(),
  ],
  // Audio runs in real time: one file at a time keeps the two cores for the audio threads.
  concurrency: 1,
  reporters: [defaultReporter(), closingLineReporter()],
  testFramework: { config: { timeout: 30000 } },
  testsFinishTimeout: 600000,
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      launchOptions: {
        executablePath,
        args: CHROMIUM_ARGS,
        env: CHROMIUM_ENV,
      },
    }),
  ],
};
