/**
 * `npm run bench [-- --quick | --modes=a,b | --no-gc | --stress-only | --calibration-only | --only=settled,analyzers,cost,96k,features | --no-startup | --startup]`:
 * measures the transports side by side in headless Chromium, and start-up in every engine the
 * tests run in (bench/startup/), and prints a table and a line per target, met or not, from real
 * measurements. Timing lives here, never in the tests. See docs/performance.md for
 * what each figure means.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { writeCharts } from './chart.js';
import { attachToWorklet, heapSeries, launchBrowser, progress, SWITCH_SETTLE_MS, sleep, startBenchServer } from './harness.js';
import { formatPool, measurePool } from './pool-micro.js';
import { formatReport, formatTable, summarize } from './report.js';
import { formatStartup, measureStartup } from './startup/run.js';

const quick = process.argv.includes('--quick');
const warmupArgument = process.argv.find((argument) => argument.startsWith('--warm-up='));
// The warm-up runs batches of 128 frames and a snapshot every 50 ms (bench.warmUp), so that the
// code that runs once per batch or per snapshot has tiered up in the JIT before the window.
const WARMUP_S = warmupArgument ? Number(warmupArgument.slice('--warm-up='.length)) : quick ? 1 : 15;
/**
 * The settled runs stay at the measured settings this long after the warm-up before their window:
 * the switch from the warm-up's settings makes V8 compile again, and each compilation lands in the
 * isolate's heap. Code that runs only now and then is compiled late: the last compilations came
 * 92 s after the switch at batch 128 and 57 s at 1024 in 200 and 240 s `bench:profile --timeline`
 * windows that saw none after (bench/results/timeline-2026-11-27-shared-*-after-switch.md), and
 * up to 81 s in the 60 s settled runs.
 */
const SETTLE_S = quick ? 1 : 150;
/**
 * Settled at each of these batch sizes: the transports the audio-thread heap target is about, and
 * ping-pong, the page heap's reference. The page's JIT also compiles again after the switch: at
 * batch 1024, `shared`'s dispatch was still being optimised 5 to 10 s into the window.
 */
const SETTLED_MODES = ['shared', 'copy', 'ping-pong'];
// Stall and hog runs count skips and underruns, not heap per batch: a short warm-up will do.
const STRESS_WARMUP_S = 2;
const WINDOW_S = quick ? 2 : 20;
/** The extra batch sizes of the scaling table run shorter windows. */
const SCALE_WINDOW_S = quick ? 2 : 10;
const GC_WINDOW_S = quick ? 3 : 60;
const STRESS_WINDOW_S = 6;
const STALL_EVERY_S = 2;
const SAMPLE_MS = 250;
const OFFLINE_SECONDS = quick ? 10 : 60;
/** Analyzers side by side: how many, and the warm-up and window of each run. */
const ANALYZER_COUNTS = [1, 4, 16, 32];
const ANALYZERS_WARMUP_S = quick ? 1 : 3;
const ANALYZERS_WINDOW_S = quick ? 2 : 8;
/** The page's analysis at batch 1024 (shared), and the baselines doing the like work. */
const FEATURE_RUNS = [
  { label: 'levels (the default)', features: 'levels' },
  { label: 'levels + spectrum 2048', features: 'levels spectrum', fftSize: 2048 },
  { label: 'levels + pitch', features: 'levels pitch' },
  { label: 'all: levels, spectrum 2048, pitch, zcr', features: 'levels spectrum pitch zcr', fftSize: 2048 },
  { label: 'Meyda rms, zcr, amplitudeSpectrum (1024) in a listener, beside levels', features: 'levels', baseline: 'meyda' },
  { label: 'AnalyserNode 2048: time and frequency data at each animation frame', mode: 'analyser', fftSize: 2048 },
];
/** The cost of process(): seconds rendered offline per render, and renders per variant. */
const COST_SECONDS = quick ? 5 : 30;
const COST_REPEATS = quick ? 1 : 3;
/** The element's transports, and the bench-only anchors beside them. */
const TRANSPORTS = ['shared', 'copy', 'ping-pong', 'allocate'];
const ALL_MODES = [...TRANSPORTS, 'clone', 'ringbuf', 'ringbuf-wait', 'analyser'];
/** The modes that run a worklet with 8 channels (the ring and the analyser carry one). */
const MULTICHANNEL_MODES = new Set([...TRANSPORTS, 'clone']);
/** Audio-thread stalls (ms every N render quanta) for the underrun calibration, from invisible to plain. */
const UNDERRUN_CALIBRATION = [
  { ms: 2, every: 1 },
  { ms: 5, every: 10 },
  { ms: 20, every: 50 },
  { ms: 50, every: 100 },
];
/** Return group sizes for ping-pong's per-return cost. */
const RETURN_GROUPS = [1, 8, 64];
const modesArgument = process.argv.find((argument) => argument.startsWith('--modes='));
const MODES = modesArgument ? modesArgument.slice('--modes='.length).split(',') : ALL_MODES;
const onlyNormal = process.argv.includes('--no-gc');
const stressOnly = process.argv.includes('--stress-only');
/** Only the underrun calibration and the return groups. */
const calibrationOnly = process.argv.includes('--calibration-only');
/** `--only=`: just these of the phases below (the settled runs, analyzers side by side, the cost of process(), the 96 kHz rows, the features). */
const onlyArgument = process.argv.find((argument) => argument.startsWith('--only='));
const ONLY = new Set(onlyArgument ? onlyArgument.slice('--only='.length).split(',') : []);
const partial = Boolean(modesArgument) || Boolean(warmupArgument) || onlyNormal || stressOnly || calibrationOnly || ONLY.size > 0;
/** The phases that run in full runs, or by name with --only. */
const runsPhase = (name) => (ONLY.size > 0 ? ONLY.has(name) : !partial);
/** The phases from before --only existed run unless it is given. */
const earlier = ONLY.size === 0;
// Start-up runs in full runs, and in others when asked; first, before this run's own browser is up.
const withStartup = process.argv.includes('--startup') || (!partial && !process.argv.includes('--no-startup'));
if (withStartup) progress('start-up: 20 starts in each engine the tests run in');
const startup = withStartup ? measureStartup() : null;

// The pool alone, in Node, before the browser is up (full runs, or --pool).
const pool = !partial || process.argv.includes('--pool') ? await measurePool() : null;

const { server, origin } = await startBenchServer();
// Compilations traced, so that the JIT's own code can be told from what the code allocates.
const browser = await launchBrowser({ traceCompilations: true });
const browserVersion = browser.version();

async function measure({
  mode,
  batchSize,
  channels,
  windowSeconds,
  poolSize = 16,
  stallMs = 0,
  warmupSeconds = WARMUP_S,
  settleSeconds = 0,
  audioStall = null,
  analyzers = 1,
  contextGroup = null,
  sampleRate = null,
  features = null,
  fftSize = null,
  baseline = null,
}) {
  const page = await browser.newPage();
  const cdp = await page.context().newCDPSession(page);
  const hasWorklet = mode !== 'analyser';
  const worklet = await attachToWorklet(cdp);
  const query = new URLSearchParams({ mode, 'batch-size': batchSize, channels, 'pool-size': poolSize, analyzers });
  if (audioStall) {
    query.set('audio-stall-ms', audioStall.ms);
    query.set('audio-stall-every', audioStall.every);
  }
  if (contextGroup !== null) query.set('context-group', contextGroup);
  if (sampleRate !== null) query.set('sample-rate', sampleRate);
  if (features !== null) query.set('features', features);
  if (fftSize !== null) query.set('fft-size', fftSize);
  if (baseline !== null) query.set('baseline', baseline);
  await page.goto(`${origin}/bench/index.html?${query}`);
  await page.evaluate(() => window.bench.start());
  if (hasWorklet) await worklet.ready();
  await page.evaluate(() => window.bench.warmUp(true));
  await sleep(warmupSeconds * 1000);
  await page.evaluate(() => window.bench.warmUp(false));
  await sleep(SWITCH_SETTLE_MS + settleSeconds * 1000);
  // A forced collection names each isolate in the GC trace, and starts every window from a collected heap.
  const audioIsolate = hasWorklet ? await browser.trace.identify(() => worklet.evaluate('gc()')) : null;
  const mainIsolate = await browser.trace.identify(() => page.evaluate(() => gc()));
  const audioHeap = heapSeries();
  const mainHeap = heapSeries();
  await page.evaluate(() => window.bench.beginWindow());
  const begun = Date.now();
  let lastAudioSample = begun;
  const end = begun + windowSeconds * 1000;
  let nextStall = begun + (STALL_EVERY_S * 1000) / 2;
  while (Date.now() < end) {
    if (stallMs > 0 && Date.now() >= nextStall) {
      await page.evaluate((ms) => window.bench.stall(ms), stallMs);
      nextStall += STALL_EVERY_S * 1000;
    }
    if (hasWorklet) {
      const used = await worklet.heapUsed();
      const at = Date.now();
      audioHeap.add(used, at - begun, browser.trace.compilations(lastAudioSample, at));
      lastAudioSample = at;
    }
    mainHeap.add((await cdp.send('Runtime.getHeapUsage')).usedSize, Date.now() - begun);
    await sleep(SAMPLE_MS);
  }
  const window = await page.evaluate(() => window.bench.endWindow());
  const ended = Date.now();
  await page.context().close();
  return {
    mode,
    batchSize,
    channels,
    poolSize,
    stallMs,
    audioStall,
    window,
    settleSeconds,
    analyzers,
    contextGroup,
    features,
    fftSize,
    baseline,
    // The heap sampled is the first context's worklet: per batch it carried.
    audioHeap: hasWorklet ? audioHeap.result(window.seconds, window.firstContextBatches) : null,
    mainHeap: mainHeap.result(window.seconds, window.batches),
    audioGc: audioIsolate ? browser.trace.collections(audioIsolate, begun, ended) : null,
    mainGc: browser.trace.collections(mainIsolate, begun, ended),
  };
}

/** Keeps every core busy in processes of their own, beside the browser. */
function startCpuHogs() {
  return cpus().map(() => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

async function offlineHeadroom(stepBatches) {
  const page = await browser.newPage();
  await page.goto(`${origin}/bench/index.html?mode=offline&batch-size=1024&pool-size=16`);
  const result = await page.evaluate(([steps, seconds]) => window.bench.offlineHeadroom(steps, seconds), [stepBatches, OFFLINE_SECONDS]);
  await page.context().close();
  return result;
}

/**
 * Every variant of the cost of process() at one batch size and channel count, on one page, the
 * variants taking turns so that the machine's drift falls on all of them alike.
 */
async function processCost(batchSize, channels) {
  const page = await browser.newPage();
  await page.goto(`${origin}/bench/index.html?mode=offline&batch-size=${batchSize}&channels=${channels}&pool-size=64`);
  const results = [];
  for (let repeat = 0; repeat < COST_REPEATS; repeat++) {
    for (const variant of ['none', 'bare', ...TRANSPORTS]) {
      // Every 32 batches of 64 in the pool: the page never runs it dry.
      results.push(await page.evaluate(([each, seconds]) => window.bench.processCost(each, seconds, 32), [variant, COST_SECONDS]));
    }
  }
  await page.context().close();
  return results;
}

const runs = [];
const offline = [];
const quantumCost = [];
const started = Date.now();
let aborted = null;
try {
  for (const batchSize of stressOnly || calibrationOnly || !earlier ? [] : [128, 1024]) {
    for (const mode of MODES) {
      progress(`${mode}, batch ${batchSize}, 1 channel: ${WARMUP_S} s warm-up, ${WINDOW_S} s window`);
      runs.push({ phase: 'normal', ...(await measure({ mode, batchSize, channels: 1, windowSeconds: WINDOW_S })) });
    }
  }
  for (const batchSize of runsPhase('settled') ? [128, 1024] : []) {
    for (const mode of SETTLED_MODES) {
      progress(`${mode}, batch ${batchSize}, 1 channel, settled: ${WARMUP_S} s warm-up, ${SETTLE_S} s settling, ${WINDOW_S} s window`);
      runs.push({
        phase: 'settled',
        ...(await measure({ mode, batchSize, channels: 1, windowSeconds: WINDOW_S, settleSeconds: SETTLE_S })),
      });
    }
  }
  for (const batchSize of stressOnly || onlyNormal || calibrationOnly || !earlier ? [] : [512, 4096]) {
    for (const mode of MODES.filter((each) => TRANSPORTS.includes(each))) {
      progress(`${mode}, batch ${batchSize}, 1 channel (scaling): ${WARMUP_S} s warm-up, ${SCALE_WINDOW_S} s window`);
      runs.push({ phase: 'scale', ...(await measure({ mode, batchSize, channels: 1, windowSeconds: SCALE_WINDOW_S })) });
    }
  }
  for (const mode of onlyNormal || stressOnly || calibrationOnly || !earlier ? [] : MODES.filter((each) => MULTICHANNEL_MODES.has(each))) {
    progress(`${mode}, batch 128, 8 channels (4 KiB buffers): ${GC_WINDOW_S} s window for garbage collection`);
    runs.push({ phase: 'gc', ...(await measure({ mode, batchSize: 128, channels: 8, windowSeconds: GC_WINDOW_S })) });
  }
  const stress = { batchSize: 1024, channels: 1, windowSeconds: STRESS_WINDOW_S, warmupSeconds: STRESS_WARMUP_S };
  if ((!quick && !partial) || stressOnly || calibrationOnly) {
    // Whether the underrun counter can see a stall at all: a worklet that stalls the audio thread on purpose.
    for (const audioStall of UNDERRUN_CALIBRATION) {
      progress(`clone, batch 128: the audio thread stalled ${audioStall.ms} ms every ${audioStall.every} quanta`);
      runs.push({ phase: 'calibration', ...(await measure({ mode: 'clone', audioStall, ...stress, batchSize: 128 })) });
    }
    for (const group of RETURN_GROUPS) {
      progress(`ping-pong returns grouped by exactly ${group}, batch 128: ${WARMUP_S} s warm-up, ${SCALE_WINDOW_S} s window`);
      // A pool of 128 holds two groups of 64 with room to spare (the last returns on a 1 s timer only).
      const run = await measure({ mode: `group-${group}`, batchSize: 128, channels: 1, poolSize: 128, windowSeconds: SCALE_WINDOW_S });
      runs.push({ phase: 'groups', ...run });
    }
  }
  if ((!quick && !partial) || stressOnly) {
    for (const stallMs of [100, 300, 1000]) {
      for (const mode of TRANSPORTS) {
        progress(`${mode}, batch 1024, pool 16: a ${stallMs} ms main-thread stall every ${STALL_EVERY_S} s`);
        runs.push({ phase: 'stall', ...(await measure({ mode, stallMs, ...stress })) });
      }
    }
    for (const mode of ['ping-pong', 'shared']) {
      for (const poolSize of [2, 4, 8, 32, 64]) {
        progress(`${mode}, batch 1024, pool ${poolSize}: a 300 ms stall every ${STALL_EVERY_S} s`);
        runs.push({ phase: 'sweep', ...(await measure({ mode, poolSize, stallMs: 300, ...stress })) });
      }
    }
    for (const mode of [...TRANSPORTS, 'clone', 'ringbuf']) {
      progress(`${mode}, batch 128, with every core kept busy by another process`);
      const hogs = startCpuHogs();
      try {
        runs.push({ phase: 'hog', ...(await measure({ mode, ...stress, batchSize: 128 })) });
      } finally {
        for (const hog of hogs) hog.kill();
      }
    }
  }
  for (const batchSize of runsPhase('96k') ? [128, 1024] : []) {
    progress(
      `shared (the default on an isolated page), batch ${batchSize}, 1 channel at 96 kHz: ${WARMUP_S} s warm-up, ${WINDOW_S} s window`,
    );
    runs.push({ phase: '96k', ...(await measure({ mode: 'shared', batchSize, channels: 1, windowSeconds: WINDOW_S, sampleRate: 96000 })) });
  }
  for (const batchSize of runsPhase('analyzers') ? [128, 1024] : []) {
    for (const mode of MODES.filter((each) => TRANSPORTS.includes(each))) {
      for (const analyzers of ANALYZER_COUNTS) {
        for (const contextGroup of analyzers === 1 ? [null] : [null, 'bench']) {
          progress(`${mode}, batch ${batchSize}: ${analyzers} analyzers × 2 channels, ${contextGroup ? 'one context' : 'a context each'}`);
          const run = await measure({
            mode,
            batchSize,
            channels: 2,
            analyzers,
            contextGroup,
            warmupSeconds: ANALYZERS_WARMUP_S,
            windowSeconds: ANALYZERS_WINDOW_S,
          });
          runs.push({ phase: 'analyzers', ...run });
        }
      }
    }
  }
  for (const { label, mode = 'shared', ...analysis } of runsPhase('features') ? FEATURE_RUNS : []) {
    progress(`features, batch 1024, ${label}: ${WARMUP_S} s warm-up, ${WINDOW_S} s window`);
    const run = await measure({ mode, batchSize: 1024, channels: 1, windowSeconds: WINDOW_S, ...analysis });
    runs.push({ phase: 'features', label, ...run });
  }
  if (runsPhase('cost')) {
    for (const channels of [1, 8]) {
      for (const batchSize of [128, 1024]) {
        progress(
          `the cost of process(): ${COST_SECONDS} s rendered offline ${COST_REPEATS}× per variant, batch ${batchSize}, ${channels} channel(s)`,
        );
        quantumCost.push(...(await processCost(batchSize, channels)));
      }
    }
  }
  if ((!partial || stressOnly) && earlier) {
    for (const stepBatches of quick ? [1, 32] : [1, 2, 4, 8, 16, 32]) {
      progress(`offline: ${OFFLINE_SECONDS} s rendered, suspending every ${stepBatches} batches of 1024 for the returns`);
      offline.push(await offlineHeadroom(stepBatches));
    }
  }
} catch (error) {
  // What was measured before the failure is kept (as aborted-…, which git ignores) and reported.
  aborted = error;
} finally {
  await browser.close();
  await server.close();
}

const results = {
  date: new Date().toISOString(),
  quick,
  browser: browserVersion,
  node: process.version,
  cpus: cpus().length,
  durationSeconds: (Date.now() - started) / 1000,
  runs: runs.map(summarize),
  offline,
  quantumCost,
  startup,
  pool,
};
mkdirSync('bench/results', { recursive: true });
// Only full runs are results to keep; quick and partial ones are named so git ignores them.
const stem = `bench/results/${aborted ? 'aborted-' : quick ? 'quick-' : partial ? 'partial-' : ''}${results.date.slice(0, 19).replace(/:/g, '-')}`;
writeFileSync(`${stem}.json`, `${JSON.stringify(results, null, 2)}\n`);
const charts = writeCharts(results, stem);
process.stdout.write(partial ? formatTable(results) : formatReport(results));
if (startup) process.stdout.write(`\n${formatStartup(startup)}`);
if (pool) process.stdout.write(`\n${formatPool(pool)}`);
progress(`results written to ${stem}.json${charts.length ? ` and ${charts.join(', ')}` : ''} in ${results.durationSeconds.toFixed(0)} s`);
if (aborted) throw aborted;
