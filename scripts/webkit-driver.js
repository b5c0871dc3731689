/**
 * WebKit for the tests: Debian's WebKitGTK MiniBrowser, driven through WebKitWebDriver (W3C
 * WebDriver), on a virtual X display of its own. Both helpers are started here and ended with
 * the test run.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { AWAY_FROM_PULSEAUDIO } from './audio-server.js';

export const WEBKIT_DRIVER = '/usr/bin/WebKitWebDriver';
export const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
export const WEBKIT_LOG = 'test-output/webkit.log';

/** Audio without a gesture, and a mock microphone without a prompt. */
export const MINIBROWSER_ARGS = [
  '--automation',
  '--autoplay-policy=allow',
  '--enable-media-stream=true',
  '--enable-mock-capture-devices=true',
];

export function findWebKit() {
  const driver = process.env.WEBKIT_DRIVER_PATH ?? WEBKIT_DRIVER;
  const browser = process.env.MINIBROWSER_PATH ?? MINIBROWSER;
  return existsSync(driver) && existsSync(browser) ? { driver, browser } : undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function endWithThisProcess(child) {
  process.once('exit', () => child.kill());
}

/** Starts Xvfb on a display it picks itself; resolves with that display, e.g. ":91". */
function startXvfb() {
  return new Promise((resolve, reject) => {
    const xvfb = spawn('Xvfb', ['-displayfd', '1', '-nolisten', 'tcp', '-screen', '0', '1280x1024x24'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    xvfb.once('error', (error) => reject(new Error(`Xvfb did not start (${error.message}): install the "xvfb" package`)));
    xvfb.stdout.once('data', (chunk) => resolve(`:${String(chunk).trim()}`));
    endWithThisProcess(xvfb);
  });
}

/** Starts Xvfb and WebKitWebDriver; resolves with the driver's port once it answers. */
export async function startWebKitDriver(driverPath) {
  const display = process.env.DISPLAY || (await startXvfb());
  const port = await freePort();
  // WebKit's own output (GStreamer, OpenAL, GLib warnings) goes to a log, for when a run goes wrong.
  mkdirSync(dirname(WEBKIT_LOG), { recursive: true });
  const log = openSync(WEBKIT_LOG, 'w');
  const driver = spawn(driverPath, [`--port=${port}`], {
    env: { ...process.env, ...AWAY_FROM_PULSEAUDIO, DISPLAY: display },
    stdio: ['ignore', log, log],
  });
  endWithThisProcess(driver);
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/status`)).ok) return port;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`WebKitWebDriver did not answer on port ${port}`);
}
