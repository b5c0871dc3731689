/**
 * `npm run bench:profile -- [mode] [batch-size] [warm-up s] [window s]`: where the AudioWorklet
 * isolate's JS heap allocations come from, by call site, from V8's sampling heap profiler on
 * the worklet target (objects collected by minor and major GCs included). Defaults:
 * `ping-pong 1024 4 8`. The bench measures how much; this says what.
 */
import { attachToWorklet, launchBrowser, sleep, startBenchServer } from './harness.js';

const [mode = 'ping-pong', batchSize = '1024', warmupArgument = '4', windowArgument = '8'] = process.argv.slice(2);
const warmupSeconds = Number(warmupArgument);
const windowSeconds = Number(windowArgument);
const { server, origin } = await startBenchServer();
const browser = await launchBrowser();
try {
  const page = await browser.newPage();
  const worklet = await attachToWorklet(await page.context().newCDPSession(page));
  await page.goto(`${origin}/bench/index.html?mode=${mode}&batch-size=${batchSize}&channels=1&pool-size=16`);
  await page.evaluate(() => window.bench.start());
  await worklet.ready();
  await sleep(warmupSeconds * 1000);
  await page.evaluate(() => window.bench.beginWindow());
  await worklet.send('HeapProfiler.startSampling', {
    samplingInterval: 16,
    includeObjectsCollectedByMinorGC: true,
    includeObjectsCollectedByMajorGC: true,
  });
  await sleep(windowSeconds * 1000);
  const { profile } = await worklet.send('HeapProfiler.stopSampling');
  const { batches } = await page.evaluate(() => window.bench.endWindow());
  const bySite = new Map();
  const walk = (node, stack) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const path = [...stack, `${functionName || '(anonymous)'} ${url.split('/').pop()}:${lineNumber + 1}`];
    const site = path.slice(-3).join(' < ');
    if (node.selfSize > 0) bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
    for (const child of node.children) walk(child, path);
  };
  walk(profile.head, []);
  const sites = [...bySite].sort((a, b) => b[1] - a[1]);
  const total = sites.reduce((sum, [, bytes]) => sum + bytes, 0);
  console.log(`${mode}, batch ${batchSize}, after ${warmupSeconds} s: ${batches} batches in ${windowSeconds} s`);
  console.log(`sampled ${total} B: ${(total / windowSeconds).toFixed(0)} B/s, ${(total / batches).toFixed(0)} B/batch`);
  console.log('| B/batch | B/s | call site (innermost three frames) |\n|---|---|---|');
  for (const [site, bytes] of sites.slice(0, 15)) {
    console.log(`| ${(bytes / batches).toFixed(1)} | ${(bytes / windowSeconds).toFixed(0)} | ${site} |`);
  }
} finally {
  await browser.close();
  await server.close();
}
