/**
 * `npm run bench:profile -- [mode] [batch-size] [warm-up s] [window s] [--page] [--timeline] [--settle=S] [--features=F] [--wake=message]`:
 * where the JS heap allocations come from, by call site, from V8's sampling heap profiler: on the
 * AudioWorklet's isolate through its DevTools target, or on the page's with `--page` (objects
 * collected by minor and major GCs included). `--timeline` instead reads the isolate's used heap
 * every 250 ms, as the bench does, and prints each growth beside the optimised compilations V8
 * finished meanwhile: it tells the JIT's own code from what the code allocates. It warms up as the
 * bench does (bench.warmUp), then with `--settle=S` stays S s at the measured settings, as the
 * bench's settled runs do; `--features=F` sets the element's `features`, names separated by commas or spaces (as the features rows do);
 * `--wake=message` takes `Atomics.waitAsync` from the page, so that `shared` is woken by message. Defaults: `ping-pong 1024 15 10`. The bench measures how much; this
 * says what.
 */
import { attachToWorklet, launchBrowser, SWITCH_SETTLE_MS, sleep, startBenchServer } from './harness.js';

const SAMPLE_MS = 250;

const flags = process.argv.slice(2).filter((argument) => argument.startsWith('--'));
const [mode = 'ping-pong', batchSize = '1024', warmupArgument = '15', windowArgument = '10'] = process.argv
  .slice(2)
  .filter((argument) => !argument.startsWith('--'));
const onPage = flags.includes('--page');
const timeline = flags.includes('--timeline');
const warmupSeconds = Number(warmupArgument);
/** `--settle=S`: S more seconds at the measured settings before the window (as the bench's settled runs). */
const settleSeconds = Number(flags.find((flag) => flag.startsWith('--settle='))?.slice('--settle='.length) ?? 0);
const windowSeconds = Number(windowArgument);
const settling = settleSeconds > 0 ? ` and ${settleSeconds} s settling` : '';
const { server, origin } = await startBenchServer();
const browser = await launchBrowser({ traceCompilations: timeline });
try {
  const page = await browser.newPage();
  const cdp = await page.context().newCDPSession(page);
  const worklet = await attachToWorklet(cdp);
  // Commas too: the attribute takes names separated by spaces, and `levels,pitch`, one unknown name, would leave the element with no features at all.
  const features = flags
    .find((flag) => flag.startsWith('--features='))
    ?.slice('--features='.length)
    .replaceAll(',', ' ');
  const analysis = features === undefined ? '' : `&features=${encodeURIComponent(features)}`;
  const wake = flags.includes('--wake=message') ? '&wake=message' : '';
  await page.goto(`${origin}/bench/index.html?mode=${mode}&batch-size=${batchSize}&channels=1&pool-size=16${analysis}${wake}`);
  await page.evaluate(() => window.bench.start());
  await worklet.ready();
  await page.evaluate(() => window.bench.warmUp(true));
  await sleep(warmupSeconds * 1000);
  await page.evaluate(() => window.bench.warmUp(false));
  await sleep(SWITCH_SETTLE_MS + settleSeconds * 1000);
  await page.evaluate(() => window.bench.beginWindow());
  const target = onPage ? { send: (method, params) => cdp.send(method, params) } : worklet;
  const where = onPage ? 'page' : 'audio thread';
  if (timeline) await printTimeline(page, target, where);
  else await printProfile(page, target, where);
} finally {
  await browser.close();
  await server.close();
}

async function printProfile(page, target, where) {
  await target.send('HeapProfiler.startSampling', {
    samplingInterval: 16,
    includeObjectsCollectedByMinorGC: true,
    includeObjectsCollectedByMajorGC: true,
  });
  await sleep(windowSeconds * 1000);
  const { profile } = await target.send('HeapProfiler.stopSampling');
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
  console.log(`${mode}, batch ${batchSize}, ${where}, after ${warmupSeconds} s${settling}: ${batches} batches in ${windowSeconds} s`);
  console.log(`sampled ${total} B: ${(total / windowSeconds).toFixed(0)} B/s, ${(total / batches).toFixed(0)} B/batch`);
  console.log('| B/batch | B/s | call site (innermost three frames) |\n|---|---|---|');
  for (const [site, bytes] of sites.slice(0, 25)) {
    console.log(`| ${(bytes / batches).toFixed(1)} | ${(bytes / windowSeconds).toFixed(0)} | ${site} |`);
  }
}

async function printTimeline(page, target, where) {
  const used = async () => (await target.send('Runtime.getHeapUsage')).usedSize;
  const begun = Date.now();
  const rows = [];
  let previous = { at: begun, bytes: await used() };
  let growth = 0;
  let growthWithoutCompilation = 0;
  while (Date.now() - begun < windowSeconds * 1000) {
    await sleep(SAMPLE_MS);
    const sample = { at: Date.now(), bytes: await used() };
    const compiled = browser.trace.compilations(previous.at, sample.at);
    const delta = sample.bytes - previous.bytes;
    if (delta > 0) {
      growth += delta;
      if (compiled.length === 0) growthWithoutCompilation += delta;
    }
    if (delta !== 0) rows.push({ seconds: (sample.at - begun) / 1000, delta, compiled });
    previous = sample;
  }
  const { batches } = await page.evaluate(() => window.bench.endWindow());
  console.log(`${mode}, batch ${batchSize}, ${where}, after ${warmupSeconds} s${settling}: ${batches} batches in ${windowSeconds} s`);
  console.log(
    `heap growth ${growth} B (${(growth / batches).toFixed(1)} B/batch); in ${SAMPLE_MS} ms samples in which no optimised compilation finished: ${growthWithoutCompilation} B (${(growthWithoutCompilation / batches).toFixed(1)} B/batch)`,
  );
  console.log('| s | heap change, B | optimised compilations finished meanwhile (any isolate) |\n|---|---|---|');
  for (const row of rows) {
    const names = row.compiled.map((event) => `${event.name} (${event.tier.toLowerCase()})`).join(', ');
    console.log(`| ${row.seconds.toFixed(2)} | ${row.delta} | ${names || 'none'} |`);
  }
}
