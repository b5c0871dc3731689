/**
 * The start-up bench runs in the engines the tests run in, through the same launchers: the test
 * config with one spec file and a command that hands each engine's samples to
 * bench/startup/run.js (by a JSON file named in STARTUP_RESULTS).
 */
import { writeFileSync } from 'node:fs';
import config from '../../web-test-runner.config.js';

const results = {};

function startupSamples() {
  return {
    name: 'startup-samples',
    executeCommand({ command, payload, session }) {
      if (command !== 'startup-samples') return undefined;
      results[session.browser.name] = payload;
      writeFileSync(process.env.STARTUP_RESULTS, JSON.stringify(results, null, 2));
      return true;
    },
  };
}

export default {
  ...config,
  files: ['bench/startup/startup.bench.ts'],
  plugins: [...config.plugins, startupSamples()],
  testFramework: { config: { timeout: 600000 } },
};
