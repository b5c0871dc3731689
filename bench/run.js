/**
 * `npm run bench [-- --quick | --modes=a,b | --no-gc | --stress-only]`: measures the
 * transports side by side in headless Chromium and
 * prints a table and a line per target, met or not, from real measurements. Timing lives here,
 * never in the tests. See docs/performance.md for what each figure means.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { attachToWorklet, heapSeries, launchBrowser, progress, sleep, startBenchServer } from './harness.js';
import { formatReport, formatTable, summarize } from './report.js';

const quick = process.argv.includes('--quick');
// Long enough for the worklet's hot functions to be optimised at 47 batches/s too.
const WARMUP_S = quick ? 3 : 8;
// Stall runs measure skips and recovery, not heap per batch: a short warm-up will do.
const STRESS_WARMUP_S = 3;
const WINDOW_S = quick ? 5 : 20;
const GC_WINDOW_S = quick ? 10 : 60;
const SAMPLE_MS = 250;
const modesArgument = process.argv.find((argument) => argument.startsWith('--modes='));
const MODES = modesArgument ? modesArgument.slice('--modes='.length).split(',') : ['ping-pong', 'allocate', 'clone'];
const onlyNormal = process.argv.includes('--no-gc');
const stressOnly = process.argv.includes('--stress-only');
const partial = Boolean(modesArgument) || onlyNormal || stressOnly;

const { server, origin } = await startBenchServer();
const browser = await launchBrowser();

async function measure({
  mode,
  batchSize,
  channels,
  windowSeconds,
  poolSize = 16,
  stallMs = 0,
  stallEveryS = 3,
  warmupSeconds = WARMUP_S,
}) {
  const page = await browser.newPage();
  const cdp = await page.context().newCDPSession(page);
  const worklet = await attachToWorklet(cdp);
  await page.goto(`${origin}/bench/index.html?mode=${mode}&batch-size=${batchSize}&channels=${channels}&pool-size=${poolSize}`);
  await page.evaluate(() => window.bench.start());
  await worklet.ready();
  await sleep(warmupSeconds * 1000);
  const audioHeap = heapSeries();
  const mainHeap = heapSeries();
  await page.evaluate(() => window.bench.beginWindow());
  const begun = Date.now();
  const end = begun + windowSeconds * 1000;
  let nextStall = begun + (stallEveryS * 1000) / 2;
  while (Date.now() < end) {
    if (stallMs > 0 && Date.now() >= nextStall) {
      await page.evaluate((ms) => window.bench.stall(ms), stallMs);
      nextStall += stallEveryS * 1000;
    }
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
    poolSize,
    stallMs,
    window,
    audioHeap: audioHeap.result(window.seconds, window.batches),
    mainHeap: mainHeap.result(window.seconds, window.batches),
  };
}

const runs = [];
const started = Date.now();
try {
  for (const batchSize of stressOnly ? [] : [128, 1024]) {
    for (const mode of MODES) {
      progress(`${mode}, batch ${batchSize}, 1 channel: ${WARMUP_S} s warm-up, ${WINDOW_S} s window`);
      runs.push({ phase: 'normal', ...(await measure({ mode, batchSize, channels: 1, windowSeconds: WINDOW_S })) });
    }
  }
  for (const mode of onlyNormal || stressOnly ? [] : MODES) {
    progress(`${mode}, batch 128, 8 channels (4 KiB buffers): ${GC_WINDOW_S} s window for garbage collection`);
    runs.push({ phase: 'gc', ...(await measure({ mode, batchSize: 128, channels: 8, windowSeconds: GC_WINDOW_S })) });
  }
  if ((!quick && !partial) || stressOnly) {
    for (const stallMs of [100, 300, 1000]) {
      for (const mode of ['ping-pong', 'allocate']) {
        progress(`${mode}, batch 1024, pool 16: a ${stallMs} ms main-thread stall every 3 s`);
        runs.push({
          phase: 'stall',
          ...(await measure({ mode, batchSize: 1024, channels: 1, windowSeconds: 9, stallMs, warmupSeconds: STRESS_WARMUP_S })),
        });
      }
    }
    for (const poolSize of [2, 4, 8, 16, 32, 64]) {
      progress(`ping-pong, batch 1024, pool ${poolSize}: a 300 ms stall every 3 s`);
      runs.push({
        phase: 'sweep',
        ...(await measure({ mode: 'ping-pong', batchSize: 1024, channels: 1, windowSeconds: 9, poolSize, stallMs: 300 })),
      });
    }
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
process.stdout.write(partial ? formatTable(results) : formatReport(results));
progress(`results written to ${file} in ${results.durationSeconds.toFixed(0)} s`);
