/** What the benchmark and the soak share: the page server, the browser, and the worklet's heap. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { createServer } from 'vite';
import { CHROMIUM_ARGS, CHROMIUM_ENV, findChromium } from '../scripts/find-browser.js';
import { bundleWorkletCode } from '../scripts/worklet-bundle.js';

const startedAt = Date.now();
/** A progress line on stderr, stamped with the seconds since the run started. */
export const progress = (line) => process.stderr.write(`[bench ${((Date.now() - startedAt) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * How long a window waits after the switch from the warm-up's settings: buffers of the old size
 * still out (ping-pong holds returns back in groups, up to a quarter of the pool's audio) come back
 * and are replaced meanwhile, which would otherwise count as allocations in the window.
 */
export const SWITCH_SETTLE_MS = 1000;

/**
 * Serves the bench pages (and the bench-only worklets) cross-origin isolated: SharedArrayBuffer
 * is available for the ring, and performance.now() resolves 5 µs instead of 100 µs, which
 * per-batch costs need.
 */
export async function startBenchServer() {
  const benchWorklets = new Map(
    ['clone-processor', 'ringbuf-processor', 'bare-processor'].map((name) => [
      `/bench/${name}.js`,
      fileURLToPath(new URL(`./${name}.ts`, import.meta.url)),
    ]),
  );
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
        name: 'bench-worklets',
        configureServer(dev) {
          dev.middlewares.use(async (request, response, next) => {
            const entry = benchWorklets.get(request.url?.split('?')[0]);
            if (!entry) return next();
            response.setHeader('Content-Type', 'text/javascript');
            response.end(await bundleWorkletCode({ entry }));
          });
        },
      },
    ],
  });
  await server.listen();
  return { server, origin: `http://localhost:${server.config.server.port}` };
}

/**
 * Launches Chromium ourselves (Playwright's launcher keeps the browser's stdout) with V8's
 * `--trace-gc`, line-buffered by stdbuf so every collection is seen as it happens, and
 * `--expose-gc`, so one forced collection names an isolate (see gcTrace). Playwright drives it
 * over the DevTools protocol. `traceCompilations`: V8's `--trace-opt` too, so the trace lists
 * every optimised compilation as it finishes.
 */
export async function launchBrowser({ traceCompilations = false } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'apa-bench-'));
  const child = spawn(
    'stdbuf',
    [
      '-oL',
      await findChromium(),
      ...CHROMIUM_ARGS,
      '--headless',
      '--mute-audio',
      '--enable-precise-memory-info',
      `--js-flags=--trace-gc --expose-gc${traceCompilations ? ' --trace-opt' : ''}`,
      '--remote-debugging-port=0',
      `--user-data-dir=${profile}`,
      'about:blank',
    ],
    // Its own process group, so close() can end every process it started (the profile is in use until then).
    { env: CHROMIUM_ENV, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  const endpoint = await new Promise((resolve, reject) => {
    let errors = '';
    child.once('exit', (code) => reject(new Error(`Chromium exited (${code}) before it listened: ${errors.slice(-2000)}`)));
    child.stderr.on('data', (chunk) => {
      errors += chunk;
      const found = errors.match(/DevTools listening on (ws:\S+)/);
      if (found) resolve(found[1]);
    });
  });
  // However this process ends (an uncaught error too), the browser goes with it: one left open by
  // an aborted run kept running beside the next full run of 2026-11-27.
  const killGroup = () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Every process of the group has exited already.
    }
  };
  process.once('exit', killGroup);
  const trace = gcTrace(child.stdout);
  const browser = await chromium.connectOverCDP(endpoint);
  return {
    browser,
    trace,
    version: () => browser.version(),
    /** A page in a context of its own, so in a renderer process of its own. */
    newPage: async () => (await browser.newContext()).newPage(),
    async close() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await browser.close().catch(() => {});
      if (child.exitCode === null) child.kill();
      await exited;
      killGroup();
      process.off('exit', killGroup);
      rmSync(profile, { recursive: true, force: true, maxRetries: 10 });
    },
  };
}

/**
 * V8's `--trace-gc` lines, by isolate. A line reads
 * `[pid:isolate]  1234 ms: Scavenge 3.9 (4.8) -> 3.5 (5.5) MB, pooled: 0.0 MB, 1.75 / 0.00 ms ... reason`;
 * the first figure after the sizes is the pause on that isolate's thread.
 */
function gcTrace(stdout) {
  const events = [];
  const compilations = [];
  let waiter = null;
  let partial = '';
  stdout.on('data', (chunk) => {
    partial += chunk;
    let end = partial.indexOf('\n');
    while (end >= 0) {
      const line = partial.slice(0, end);
      partial = partial.slice(end + 1);
      end = partial.indexOf('\n');
      // `[completed compiling 0x… <JSFunction name (sfi = 0x…)> (target MAGLEV) - took …]`; no isolate is named.
      const compiled = line.match(/^\[completed compiling .*?<JSFunction (\S*) .*?\(target (\w+)\)/);
      // An anonymous function reads `<JSFunction (sfi = 0x…)>`.
      if (compiled)
        compilations.push({
          at: Date.now(),
          name: compiled[1] && !compiled[1].startsWith('(') ? compiled[1] : '(anonymous)',
          tier: compiled[2],
        });
      const parsed = line.match(
        /^\[(\d+:0x[0-9a-f]+)\]\s+\d+ ms: ([\w -]+?) [\d.]+ \([\d.]+\) -> .*?MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ [\d.]+ ms/,
      );
      if (!parsed) continue;
      const event = { at: Date.now(), isolate: parsed[1], kind: parsed[2], pauseMs: Number(parsed[3]), forced: line.includes(' testing;') };
      events.push(event);
      if (event.forced) waiter?.(event.isolate);
    }
  });
  return {
    /** Runs `forceGc` (a `gc()` in one isolate) and resolves with the isolate its collection names. */
    async identify(forceGc) {
      let timer;
      const named = new Promise((resolve) => {
        waiter = (isolate) => {
          waiter = null;
          resolve(isolate);
        };
      });
      await forceGc();
      // Timed from the evaluation's return, and generously: a 5 s limit timed from before it ended
      // the full run of 2026-11-27 01:57 at 2713 s, with 32 contexts busy on two cores.
      const late = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('no forced collection showed up in --trace-gc')), 30000);
      });
      try {
        return await Promise.race([named, late]);
      } finally {
        clearTimeout(timer);
      }
    },
    /** Optimised compilations finished between two Date.now() stamps, in any isolate (with `traceCompilations`). */
    compilations: (from, to) => compilations.filter((event) => event.at > from && event.at <= to),
    /** Collections of one isolate between two Date.now() stamps, forced ones left out. */
    collections(isolate, from, to) {
      const seen = events.filter((event) => event.isolate === isolate && !event.forced && event.at >= from && event.at <= to);
      return {
        count: seen.length,
        maxPauseMs: seen.reduce((longest, event) => Math.max(longest, event.pauseMs), 0),
        totalPauseMs: seen.reduce((sum, event) => sum + event.pauseMs, 0),
        kinds: [...new Set(seen.map((event) => event.kind))],
      };
    },
  };
}

/**
 * Heap samples of one isolate, with their times in ms; growth adds up increases, and a drop is a
 * collection. `compiled` lists the optimised compilations V8 finished in a sample's interval (in
 * any isolate): that sample's growth may be the JIT's code rather than what the code allocates,
 * so growth is also summed without those samples, and each growth step is kept with the
 * functions compiled meanwhile (the trace names no isolate: a function's name is all it gives).
 */
export function heapSeries() {
  const samples = [];
  const compiledAt = new Map();
  return {
    add: (usedSize, atMs, compiled = []) => {
      if (compiled.length > 0)
        compiledAt.set(
          samples.length,
          compiled.map((event) => `${event.name} (${event.tier.toLowerCase()})`),
        );
      samples.push([atMs, usedSize]);
    },
    result(seconds, batches) {
      let growth = 0;
      let growthOutsideCompilations = 0;
      let intervalsOutsideCompilations = 0;
      let drops = 0;
      const growthSteps = [];
      for (let i = 1; i < samples.length; i++) {
        const delta = samples[i][1] - samples[i - 1][1];
        const compiled = compiledAt.get(i);
        if (compiled === undefined) intervalsOutsideCompilations++;
        if (delta < 0) drops++;
        else if (delta > 0) {
          growth += delta;
          if (compiled === undefined) growthOutsideCompilations += delta;
          growthSteps.push({ atMs: samples[i][0], bytes: delta, compiled: compiled ?? [] });
        }
      }
      // Under heavy load a window can get too few samples to measure anything: null, not a growth of 0.
      const measured = batches > 0 && samples.length > 1;
      return {
        growthBytes: growth,
        perSecond: growth / seconds,
        perBatch: measured ? growth / batches : null,
        outsideCompilationsPerBatch: measured && intervalsOutsideCompilations > 0 ? growthOutsideCompilations / batches : null,
        // Of the intervals between samples (the first sample's compilations precede the window's first interval).
        samplesWithCompilations: Math.max(samples.length - 1, 0) - intervalsOutsideCompilations,
        samples: samples.length,
        drops,
        growthSteps,
        series: samples,
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
    // The first worklet: with several AudioContexts on the page, the first analyzer's.
    if (event.targetInfo.type === 'worklet' && sessionId === null) sessionId = event.sessionId;
  });
  cdp.on('Target.receivedMessageFromTarget', (event) => {
    const message = JSON.parse(event.message);
    pending.get(message.id)?.(message.result);
    pending.delete(message.id);
  });
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  const send = (method, params = {}) =>
    new Promise((resolve) => {
      const id = ++nextId;
      pending.set(id, resolve);
      cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) });
    });
  return {
    ready: async () => {
      for (let i = 0; i < 100 && sessionId === null; i++) await sleep(50);
      if (sessionId === null) throw new Error('the AudioWorklet target never attached');
    },
    heapUsed: async () => (await send('Runtime.getHeapUsage')).usedSize,
    /** Evaluates an expression in the worklet's global scope (e.g. `gc()` under --expose-gc). */
    evaluate: (expression) => send('Runtime.evaluate', { expression }),
    /** Any DevTools protocol command on the worklet's isolate (e.g. `HeapProfiler.startSampling`). */
    send,
  };
}
