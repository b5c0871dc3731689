/**
 * `npm run soak [-- --minutes=N]`: N minutes (default 10) of real-time ping-pong capture with a
 * main-thread stall every 20 s and a reconfiguration every 45 s. Prints a line of figures every
 * minute, then whether memory stayed flat (a linear fit of the main thread's heap, measured after
 * a forced collection) and whether any frame or buffer went unaccounted. Exits 1 if not.
 */
import { attachToWorklet, launchBrowser, progress, sleep, startBenchServer } from './harness.js';

const minutesArgument = process.argv.find((argument) => argument.startsWith('--minutes='));
const MINUTES = minutesArgument ? Number(minutesArgument.slice('--minutes='.length)) : 10;
const STALL_EVERY_S = 20;
const STALL_MS = 300;
const RECONFIGURE_EVERY_S = 45;
/** A heap growing faster than this, after forced collections, is not flat. */
const FLAT_KB_PER_MINUTE = 64;
const CONFIGURATIONS = [
  { 'pool-size': '8', 'batch-size': '256' },
  { 'pool-size': '32', 'batch-size': '512' },
  { 'pool-size': '4', 'batch-size': '128' },
  { 'pool-size': '16', 'batch-size': '1024' },
];

/** Least-squares slope of y over x. */
function slope(points) {
  const n = points.length;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  const covariance = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const variance = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  return variance === 0 ? 0 : covariance / variance;
}

const { server, origin } = await startBenchServer();
const browser = await launchBrowser();
let failed = false;
try {
  const page = await browser.newPage();
  const cdp = await page.context().newCDPSession(page);
  const worklet = await attachToWorklet(cdp);
  await page.goto(`${origin}/bench/index.html?mode=ping-pong&batch-size=1024&record=counts`);
  await page.evaluate(() => window.bench.start());
  await worklet.ready();
  await page.evaluate(() => window.bench.beginWindow());
  progress(`soak: ${MINUTES} min, a ${STALL_MS} ms stall every ${STALL_EVERY_S} s, a reconfiguration every ${RECONFIGURE_EVERY_S} s`);

  const heap = [];
  const started = Date.now();
  let configuration = 0;
  for (let second = 1; second <= MINUTES * 60; second++) {
    await sleep(Math.max(0, started + second * 1000 - Date.now()));
    if (second % STALL_EVERY_S === 0) {
      await page.evaluate((ms) => {
        const end = performance.now() + ms;
        while (performance.now() < end) {
          // Busy-wait: the stall the pool has to ride out.
        }
      }, STALL_MS);
    }
    if (second % RECONFIGURE_EVERY_S === 0) {
      const next = CONFIGURATIONS[configuration++ % CONFIGURATIONS.length];
      await page.evaluate((attributes) => {
        const analyzer = document.querySelector('audio-pool-analyzer');
        for (const [name, value] of Object.entries(attributes)) analyzer.setAttribute(name, value);
      }, next);
    }
    if (second % 60 === 0) {
      await cdp.send('HeapProfiler.collectGarbage');
      const mainHeap = (await cdp.send('Runtime.getHeapUsage')).usedSize;
      heap.push([second / 60, mainHeap / 1024]);
      const stats = await page.evaluate(() => document.querySelector('audio-pool-analyzer').stats);
      console.log(
        `minute ${second / 60}: delivered ${stats.deliveredFrames} frames, skipped ${stats.skippedFrames}, allocations ${stats.allocations}, reclaims ${stats.reclaims}, audio heap ${((await worklet.heapUsed()) / 1024).toFixed(0)} KB, main heap ${(mainHeap / 1024).toFixed(0)} KB (after GC), pool ${stats.poolSize} × ${stats.batchSize}`,
      );
    }
  }

  const result = await page.evaluate(() => window.bench.endWindow());
  const stats = result.stats;
  const framesUnaccounted =
    stats.renderedFrames - stats.deliveredFrames - stats.skippedFrames - stats.gapDiscardedFrames - stats.pendingFrames;
  const buffersUnaccounted = stats.buffers - stats.available - stats.inFlight - stats.processing;
  const batchesUnseen = stats.deliveredBatches - result.statsAtStart.deliveredBatches - result.batches;
  const heapSlope = heap.length > 1 ? slope(heap) : 0;
  const flat = Math.abs(heapSlope) < FLAT_KB_PER_MINUTE;
  failed = !flat || framesUnaccounted !== 0 || buffersUnaccounted !== 0 || Math.abs(batchesUnseen) > 1;
  console.log(
    `memory: main heap slope ${heapSlope >= 0 ? '+' : ''}${heapSlope.toFixed(1)} KB/min over ${heap.length} samples after GC: ${flat ? 'flat' : 'NOT FLAT'}`,
  );
  console.log(
    `accounting: ${framesUnaccounted} frames and ${buffersUnaccounted} buffers unaccounted; ${stats.skippedFrames} frames skipped and counted; ${stats.reclaims} reclaims`,
  );
  // One batch may be in the message queue when the window closes.
  console.log(
    `delivery: ${result.batches} batches seen by the page, ${stats.deliveredBatches - result.statsAtStart.deliveredBatches} delivered by the worklet`,
  );
  console.log(`soak: ${failed ? 'FAILED' : 'passed'}`);
  await page.close();
} finally {
  await browser.close();
  await server.close();
}
process.exit(failed ? 1 : 0);
