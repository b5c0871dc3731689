/**
 * `npm run bench [-- --quick]`: measures the transports side by side in headless Chromium and
 * prints a table and a line per target, met or not, from real measurements. Timing lives here,
 * never in the tests. See docs/performance.md for what each figure means.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { createServer } from 'vite';
import { CHROMIUM_ARGS, CHROMIUM_ENV, findChromium } from '../scripts/find-browser.js';
import { bundleWorkletCode } from '../scripts/worklet-bundle.js';
import { formatReport, formatTable, summarize } from './report.js';

const quick = process.argv.includes('--quick');
// Long enough for the worklet's hot functions to be optimised at 47 batches/s too.
const WARMUP_S = quick ? 3 : 10;
const WINDOW_S = quick ? 5 : 20;
const GC_WINDOW_S = quick ? 10 : 60;
const SAMPLE_MS = 250;
const modesArgument = process.argv.find((argument) => argument.startsWith('--modes='));
const MODES = modesArgument ? modesArgument.slice('--modes='.length).split(',') : ['ping-pong', 'allocate', 'clone'];
const onlyNormal = process.argv.includes('--no-gc');

const progress = (line) => process.stderr.write(`[bench] ${line}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const cloneEntry = fileURLToPath(new URL('./clone-processor.ts', import.meta.url));
const server = await createServer({
  configFile: fileURLToPath(new URL('../vite.config.ts', import.meta.url)),
  logLevel: 'error',
  // Cross-origin isolated: performance.now() then resolves 5 µs instead of 100 µs, which the
  // main-thread cost per batch needs.
  server: {
    port: 5370,
    strictPort: false,
    open: false,
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
const origin = `http://localhost:${server.config.server.port}`;

const executablePath = await findChromium();
const browser = await chromium.launch({
  executablePath,
  args: [...CHROMIUM_ARGS, '--enable-precise-memory-info'],
  env: CHROMIUM_ENV,
});

/** Heap samples of one isolate; growth adds up increases, and a drop counts as a GC. */
function heapSeries() {
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
async function attachToWorklet(cdp) {
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

async function measure({ mode, batchSize, channels, windowSeconds }) {
  const page = await browser.newPage();
  const cdp = await page.context().newCDPSession(page);
  const worklet = await attachToWorklet(cdp);
  await page.goto(`${origin}/bench/index.html?mode=${mode}&batch-size=${batchSize}&channels=${channels}`);
  await page.evaluate(() => window.bench.start());
  await worklet.ready();
  await sleep(WARMUP_S * 1000);
  const audioHeap = heapSeries();
  const mainHeap = heapSeries();
  await page.evaluate(() => window.bench.beginWindow());
  const end = Date.now() + windowSeconds * 1000;
  while (Date.now() < end) {
    audioHeap.add(await worklet.heapUsed());
    mainHeap.add((await cdp.send('Runtime.getHeapUsage')).usedSize);
    await sleep(SAMPLE_MS);
  }
  const window = await page.evaluate(() => window.bench.endWindow());
  await page.close();
  return {
    mode,
    batchSize,
    channels,
    window,
    audioHeap: audioHeap.result(window.seconds, window.batches),
    mainHeap: mainHeap.result(window.seconds, window.batches),
  };
}

const runs = [];
const started = Date.now();
try {
  for (const batchSize of [128, 1024]) {
    for (const mode of MODES) {
      progress(`${mode}, batch ${batchSize}, 1 channel: ${WARMUP_S} s warm-up, ${WINDOW_S} s window`);
      runs.push({ phase: 'normal', ...(await measure({ mode, batchSize, channels: 1, windowSeconds: WINDOW_S })) });
    }
  }
  for (const mode of onlyNormal ? [] : MODES) {
    progress(`${mode}, batch 128, 8 channels (4 KiB buffers): ${GC_WINDOW_S} s window for garbage collection`);
    runs.push({ phase: 'gc', ...(await measure({ mode, batchSize: 128, channels: 8, windowSeconds: GC_WINDOW_S })) });
  }
} finally {
  await browser.close();
  await server.close();
}

const results = {
  date: new Date().toISOString(),
  quick,
  browser: browser.version(),
  node: process.version,
  cpus: (await import('node:os')).cpus().length,
  durationSeconds: (Date.now() - started) / 1000,
  runs: runs.map(summarize),
};
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/${quick ? 'quick-' : ''}${results.date.slice(0, 19).replace(/:/g, '-')}.json`;
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(modesArgument || onlyNormal ? formatTable(results) : formatReport(results));
progress(`results written to ${file} in ${results.durationSeconds.toFixed(0)} s`);
