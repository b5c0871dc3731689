/**
 * The start-up row: runs bench/startup/startup.bench.ts in every engine the tests run in
 * (TEST_BROWSERS picks them, as for the tests) and summarizes, per engine, the time from
 * `start()` called to resolved and from resolved to the first `analysis-frame`, p50 and max.
 * `node bench/startup/run.js` prints the table and writes bench/results/startup-<date>.json;
 * bench/run.js calls measureStartup() in full runs and keeps the rows in its own results.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The issue's target: the first frame within two batches and 60 ms of `start()` resolving. */
export const FIRST_FRAME_SLACK_MS = 60;

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** The launchers' browser names, as people know the engines. */
const ENGINES = { Chromium: 'Chromium', Firefox: 'Firefox', MiniBrowser: 'WebKit' };

function summarizeEngine(name, { batchSize, userAgent, samples }) {
  const frames = samples.map((sample) => sample.firstFrameMs).filter((ms) => ms !== null);
  const sampleRate = samples[0]?.sampleRate ?? 0;
  const targetMs = sampleRate > 0 ? (2 * batchSize * 1000) / sampleRate + FIRST_FRAME_SLACK_MS : Number.NaN;
  const worstFirstFrame = frames.length === samples.length ? Math.max(...frames) : Number.POSITIVE_INFINITY;
  return {
    engine: ENGINES[name] ?? name,
    userAgent,
    starts: samples.length,
    batchSize,
    sampleRate,
    resolveMs: {
      p50: percentile(
        samples.map((sample) => sample.resolveMs),
        0.5,
      ),
      max: Math.max(...samples.map((sample) => sample.resolveMs)),
    },
    firstFrameMs: { p50: frames.length ? percentile(frames, 0.5) : null, max: frames.length ? Math.max(...frames) : null },
    noFrame: samples.length - frames.length,
    clockStillAtZero: samples.filter((sample) => sample.clockAtResolve === 0).length,
    notRunningAtResolve: samples.filter((sample) => sample.stateAtResolve !== 'running').length,
    targetMs,
    met: worstFirstFrame <= targetMs,
    samples,
  };
}

/** Runs the start-up bench; resolves with one summary per engine that ran it. */
export function measureStartup() {
  const directory = mkdtempSync(join(tmpdir(), 'startup-'));
  const file = join(directory, 'results.json');
  try {
    const run = spawnSync('npx', ['wtr', '--config', fileURLToPath(new URL('./web-test-runner.config.js', import.meta.url))], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, STARTUP_RESULTS: file },
    });
    if (run.status !== 0) throw new Error(`the start-up bench failed (exit ${run.status}); run it alone: node bench/startup/run.js`);
    const results = JSON.parse(readFileSync(file, 'utf8'));
    return Object.entries(results).map(([engine, result]) => summarizeEngine(engine, result));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

const ms = (value) => (value === null ? '—' : value.toFixed(1));

/** The start-up table, one row per engine, and a target line per engine. */
export function formatStartup(rows) {
  const lines = [
    `Start-up (test tone, batch ${rows[0]?.batchSize ?? '?'}, ${rows[0]?.starts ?? '?'} starts per engine)`,
    'engine            start→resolved p50 / max   resolved→first frame p50 / max   clock at 0 when resolved   target',
  ];
  for (const row of rows) {
    lines.push(
      `${row.engine.padEnd(18)}${`${ms(row.resolveMs.p50)} / ${ms(row.resolveMs.max)} ms`.padEnd(27)}${`${ms(row.firstFrameMs.p50)} / ${ms(row.firstFrameMs.max)} ms${row.noFrame ? ` (${row.noFrame} without a frame)` : ''}`.padEnd(33)}${`${row.clockStillAtZero} of ${row.starts}`.padEnd(27)}≤ ${row.targetMs.toFixed(0)} ms: ${row.met ? 'met' : 'NOT met'}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = measureStartup();
  const date = new Date().toISOString();
  const file = `bench/results/startup-${date.slice(0, 19).replace(/:/g, '-')}.json`;
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(file, `${JSON.stringify({ date, node: process.version, startup: rows }, null, 2)}\n`);
  process.stdout.write(`${formatStartup(rows)}results written to ${file}\n`);
}
