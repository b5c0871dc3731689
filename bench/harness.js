/** What the benchmark and the soak share: the page server, the browser, and the worklet's heap. */
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { createServer } from 'vite';
import { CHROMIUM_ARGS, CHROMIUM_ENV, findChromium } from '../scripts/find-browser.js';
import { bundleWorkletCode } from '../scripts/worklet-bundle.js';

export const progress = (line) => process.stderr.write(`[bench] ${line}\n`);
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Serves the bench pages (and the bench-only clone worklet) cross-origin isolated:
 * performance.now() then resolves 5 µs instead of 100 µs, which per-batch costs need.
 */
export async function startBenchServer() {
  const cloneEntry = fileURLToPath(new URL('./clone-processor.ts', import.meta.url));
  const server = await createServer({
    configFile: fileURLToPath(new URL('../vite.config.ts', import.meta.url)),
    logLevel: 'error',
    server: {
      port: 5370,
      strictPort: false,
      open: false,
      // A file saved mid-run must not reload the page being measured.
      hmr: false,
      watch: null,
      headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
    },
    plugins: [
      {
        name: 'bench-clone-worklet',
        configureServer(dev) {
          dev.middlewares.use(async (request, response, next) => {
            if (request.url?.split('?')[0] !== '/bench/clone-processor.js') return next();
            response.setHeader('Content-Type', 'text/javascript');
            response.end(await bundleWorkletCode({ entry: cloneEntry }));
          });
        },
      },
    ],
  });
  await server.listen();
  return { server, origin: `http://localhost:${server.config.server.port}` };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: await findChromium(),
    args: [...CHROMIUM_ARGS, '--enable-precise-memory-info'],
    env: CHROMIUM_ENV,
  });
}

/** Heap samples of one isolate; growth adds up increases, and a drop counts as a GC. */
export function heapSeries() {
  const samples = [];
  return {
    add: (usedSize) => samples.push(usedSize),
    result(seconds, batches) {
      let growth = 0;
      let gcs = 0;
      for (let i = 1; i < samples.length; i++) {
        const delta = samples[i] - samples[i - 1];
        if (delta >= 0) growth += delta;
        else gcs++;
      }
      return {
        growthBytes: growth,
        perSecond: growth / seconds,
        perBatch: batches > 0 ? growth / batches : null,
        gcs,
        samples: samples.length,
      };
    },
  };
}

/** The worklet's own isolate, reached through the page's DevTools session (recipe in the notes). */
export async function attachToWorklet(cdp) {
  let sessionId = null;
  let nextId = 0;
  const pending = new Map();
  cdp.on('Target.attachedToTarget', (event) => {
    if (event.targetInfo.type === 'worklet') sessionId = event.sessionId;
  });
  cdp.on('Target.receivedMessageFromTarget', (event) => {
    const message = JSON.parse(event.message);
    pending.get(message.id)?.(message.result);
    pending.delete(message.id);
  });
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  return {
    ready: async () => {
      for (let i = 0; i < 100 && sessionId === null; i++) await sleep(50);
      if (sessionId === null) throw new Error('the AudioWorklet target never attached');
    },
    heapUsed: () =>
      new Promise((resolve) => {
        const id = ++nextId;
        pending.set(id, (result) => resolve(result.usedSize));
        cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' }) });
      }),
  };
}
