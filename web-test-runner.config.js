import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { defaultReporter } from '@web/test-runner';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { DEMO_AUDIO_FILE, demoAudioWav } from './scripts/demo-audio.js';
import { findChromium } from './scripts/find-browser.js';
import { bundleWorkletCode, WORKLET_DEV_PATH } from './scripts/worklet-bundle.js';

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
    {
      // The worklet as the same single-file bundle that the build ships, and the demo's audio.
      name: 'generated-files',
      async serve(context) {
        if (context.path === WORKLET_DEV_PATH) return { body: await bundleWorkletCode(), type: 'js' };
        if (context.path === `/demo/${DEMO_AUDIO_FILE}`) return { body: Buffer.from(demoAudioWav()), type: 'audio/wav' };
      },
    },
    {
      // executeServerCommand('save-screenshot', { selector, path }): a picture for people to look at.
      name: 'save-screenshot',
      async executeCommand({ command, payload, session }) {
        if (command !== 'save-screenshot') return undefined;
        const path = `test-output/${payload.name}.png`;
        await mkdir(dirname(path), { recursive: true });
        await session.browser.getPage(session.id).locator(payload.selector).screenshot({ path });
        return path;
      },
    },
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
        args: [
          '--no-sandbox',
          '--autoplay-policy=no-user-gesture-required',
          '--disable-background-networking',
          '--disable-component-update',
          '--no-first-run',
          '--use-fake-device-for-media-stream',
          '--use-fake-ui-for-media-stream',
        ],
        // A running PulseAudio server slows Chromium's audio clock to a crawl; keep it out of reach.
        env: { ...process.env, PULSE_SERVER: 'unix:/nonexistent/pulse' },
      },
    }),
  ],
};
