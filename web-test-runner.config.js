import { esbuildPlugin } from '@web/dev-server-esbuild';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { findChromium } from './scripts/find-browser.js';

const executablePath = await findChromium();

export default {
  files: 'test/**/*.test.ts',
  nodeResolve: true,
  plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: './tsconfig.json' })],
  // Audio runs in real time: one file at a time keeps the two cores for the audio threads.
  concurrency: 1,
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
