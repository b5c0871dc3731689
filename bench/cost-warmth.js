/**
 * `node bench/cost-warmth.js [mode] [batch-size] [window s]`: the main-thread cost per batch (as
 * the bench times it) in windows that alternate between a page left idle between batches and one
 * kept busy by a timer (0.2 ms of work every 1 ms). At batch 1024 the page sleeps about 23 ms
 * between batches; this tells how much of a batch's cost is the page waking cold. Defaults:
 * `shared 1024 30`.
 */
import { attachToWorklet, launchBrowser, SWITCH_SETTLE_MS, sleep, startBenchServer } from './harness.js';

const [mode = 'shared', batchSize = '1024', windowArgument = '30'] = process.argv.slice(2);
const percentile = (values, q) => [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))];
const { server, origin } = await startBenchServer();
const browser = await launchBrowser();
try {
  const page = await browser.newPage();
  const cdp = await page.context().newCDPSession(page);
  const worklet = await attachToWorklet(cdp);
  await page.goto(`${origin}/bench/index.html?mode=${mode}&batch-size=${batchSize}&channels=1&pool-size=16`);
  await page.evaluate(() => window.bench.start());
  await worklet.ready();
  await page.evaluate(() => window.bench.warmUp(true));
  await sleep(15000);
  await page.evaluate(() => window.bench.warmUp(false));
  await sleep(SWITCH_SETTLE_MS);
  console.log(`| ${mode}, batch ${batchSize}, ${windowArgument} s windows | timed batches | cost p50 / p99 ms |\n|---|---|---|`);
  for (const busy of [false, true, false, true]) {
    if (busy) {
      await page.evaluate(() => {
        window.keepBusy = setInterval(() => {
          const end = performance.now() + 0.2;
          while (performance.now() < end) {
            // Busy on purpose: the page never sleeps long.
          }
        }, 1);
      });
    }
    await page.evaluate(() => window.bench.beginWindow());
    await sleep(Number(windowArgument) * 1000);
    const { costMs } = await page.evaluate(() => window.bench.endWindow());
    if (busy) await page.evaluate(() => clearInterval(window.keepBusy));
    const label = busy ? 'page kept busy (a 1 ms timer)' : 'page idle between batches';
    console.log(`| ${label} | ${costMs.length} | ${percentile(costMs, 0.5).toFixed(3)} / ${percentile(costMs, 0.99).toFixed(3)} |`);
  }
} finally {
  await browser.close();
  await server.close();
}
