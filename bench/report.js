/** Turns raw benchmark runs into figures, the Markdown tables and the target lines. */

function percentile(values, share) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))];
}

/** Share of the audio that reached the page: batches over batches formed, or frames seen over frames rendered. */
function completeness(window, batchSize) {
  if (window.missedFrames !== null) {
    const seen = window.batches * batchSize - window.repeatedFrames;
    return seen + window.missedFrames > 0 ? seen / (seen + window.missedFrames) : null;
  }
  if (window.droppedFrames !== null) {
    const delivered = window.batches * batchSize;
    return delivered > 0 ? delivered / (delivered + window.droppedFrames) : null;
  }
  return window.expectedBatches > 0 ? window.batches / window.expectedBatches : null;
}

/** Figures for one run, over its measurement window. */
export function summarize(run) {
  const { window } = run;
  const before = window.statsAtStart;
  const after = window.stats;
  const delta = (field) => (before && after ? after[field] - before[field] : null);
  const acquisitions = delta('acquisitions');
  const allocationsInWindow = delta('allocations');
  const bufferBytes = after?.bufferBytes ?? 0;
  return {
    phase: run.phase,
    mode: run.mode,
    batchSize: run.batchSize,
    channels: run.channels,
    poolSize: run.poolSize,
    stallMs: run.stallMs,
    audioStall: run.audioStall ?? null,
    settleSeconds: run.settleSeconds ?? 0,
    exhaustions: delta('exhaustions'),
    reclaims: delta('reclaims'),
    accountingExact: after
      ? after.deliveredFrames + after.skippedFrames + after.gapDiscardedFrames + after.pendingFrames === after.renderedFrames
      : null,
    poolBytes: after ? after.buffers * after.bufferBytes : null,
    sampleRate: window.sampleRate ?? after?.sampleRate ?? null,
    resumeMs: { p50: percentile(window.resumeMs, 0.5), max: percentile(window.resumeMs, 1) },
    seconds: window.seconds,
    batches: window.batches,
    audioHeap: run.audioHeap,
    mainHeap: run.mainHeap,
    audioGc: run.audioGc,
    mainGc: run.mainGc,
    backingStoreAllocations: allocationsInWindow,
    backingStoreBytesPerBatch:
      allocationsInWindow === null || window.batches === 0 ? 0 : (allocationsInWindow * bufferBytes) / window.batches,
    underrunEvents: window.underrunEvents,
    underrunMs: window.underrunMs,
    completeness: completeness(window, run.batchSize),
    skippedFrames: window.droppedFrames ?? delta('skippedFrames'),
    renderGapFrames: delta('renderGapFrames'),
    missedFrames: window.missedFrames,
    repeatedFrames: window.repeatedFrames,
    hitRate: acquisitions ? delta('hits') / acquisitions : null,
    // Where misses fell: the frames that reported skips, and the page's long tasks, in ms from the window's start.
    skipReports: window.skipReports ?? null,
    longTasks: window.longTasks ?? null,
    latencyMs: { p50: percentile(window.latencyMs, 0.5), p99: percentile(window.latencyMs, 0.99), max: percentile(window.latencyMs, 1) },
    latencyPercentilesMs: Array.from({ length: 101 }, (_, i) => percentile(window.latencyMs, i / 100)),
    costMs: { p50: percentile(window.costMs, 0.5), p99: percentile(window.costMs, 0.99) },
    label: run.label ?? null,
    features: run.features ?? null,
    baseline: run.baseline ?? null,
    analyzers: run.analyzers ?? 1,
    contextGroup: run.contextGroup ?? null,
    contexts: window.contexts ?? 1,
    // Main-thread time per second for every batch together: the mean timed cost times the batches.
    mainCostMsPerSecond:
      window.costMs.length > 0
        ? (window.costMs.reduce((sum, ms) => sum + ms, 0) / window.costMs.length) * (window.batches / window.seconds)
        : null,
  };
}

/** Whether every figure was measured: a run can lack one (a mode left out, a heap read too few times). */
const measured = (...values) => values.every((value) => value !== null && value !== undefined);

const number = (value, digits = 1) => (!measured(value) || Number.isNaN(value) ? 'n/a' : value.toFixed(digits));
const percent = (share, digits = 2) => (measured(share) ? `${number(share * 100, digits)} %` : 'n/a');
const gcCell = (gc) => (gc ? `${gc.count} (${number(gc.maxPauseMs, 2)})` : 'n/a');

/** A ratio, or what the figures were when the divisor is zero. */
function ratio(value, base) {
  if (!measured(value, base)) return 'n/a';
  return base === 0 ? `${number(value, 0)} B against 0 B` : number(value / base, 2);
}

const TRANSPORTS = ['shared', 'copy', 'ping-pong', 'allocate'];

function find(results, phase, mode, batchSize) {
  return results.runs.find((run) => run.phase === phase && run.mode === mode && run.batchSize === batchSize);
}

/**
 * Whether a main-thread time is within a limit, or null when unmeasured. Timings are differences
 * of clock readings in 5 µs steps (an isolated page's resolution): compared in whole µs, not in
 * float noise (a p50 of ten steps reads 0.0500000045 ms).
 */
function atMostMs(ms, limitMs) {
  return measured(ms) ? Math.round(ms * 1000) <= Math.round(limitMs * 1000) : null;
}

function target(met, text) {
  return `- ${met === null ? 'NOT MEASURED' : met ? 'met' : 'NOT MET'}: ${text}`;
}

/** The sample rates the runs used: one, as every mode runs at the device's rate. */
function rates(results) {
  const used = [...new Set(results.runs.map((run) => run.sampleRate).filter((rate) => rate !== null))];
  return used.length === 1 ? `every run at ${used[0]} Hz` : `runs at ${used.join(', ')} Hz (not one rate: compare within a rate only)`;
}

function mainLines(results) {
  const lines = [
    `# Benchmark, ${results.date}${results.quick ? ' (quick)' : ''}`,
    '',
    `${results.browser}, Node ${results.node}, ${results.cpus} CPUs, ${results.durationSeconds.toFixed(0)} s in all; ${rates(results)}.`,
    "GCs: collections on that isolate in the window (longest pause, ms), from V8's --trace-gc.",
    "Outside JIT compilations: the audio heap's growth summed over the 250 ms samples in which V8's --trace-opt reported no optimised compilation finished (in any isolate).",
    ...(results.quick
      ? ['Quick smoke run: 1 s warm-ups and 2–3 s windows check that everything runs; its figures and target lines prove nothing.']
      : []),
    '',
    '| transport | batch | ch | window s | batches | audio heap B/s | audio heap B/batch | same, outside JIT compilations | audio GCs | buffers allocated | main heap B/s | main heap B/batch | main GCs | underruns | complete | skipped frames | hit rate | latency p50/p99/max ms | main cost p50/p99 ms |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const run of results.runs.filter((each) => each.phase === 'normal' || each.phase === 'gc')) {
    const skipped = run.missedFrames === null ? (run.skippedFrames ?? 'n/a') : `${run.missedFrames} missed, ${run.repeatedFrames} twice`;
    lines.push(
      `| ${run.mode} | ${run.batchSize} | ${run.channels} | ${number(run.seconds, 0)} | ${run.batches} | ${number(run.audioHeap?.perSecond, 0)} | ${number(run.audioHeap?.perBatch, 0)} | ${number(run.audioHeap?.outsideCompilationsPerBatch, 1)} | ${gcCell(run.audioGc)} | ${run.backingStoreAllocations ?? 'n/a'} | ${number(run.mainHeap.perSecond, 0)} | ${number(run.mainHeap.perBatch, 0)} | ${gcCell(run.mainGc)} | ${run.underrunEvents} (${number(run.underrunMs, 1)} ms) | ${percent(run.completeness)} | ${skipped} | ${percent(run.hitRate)} | ${number(run.latencyMs.p50)} / ${number(run.latencyMs.p99)} / ${number(run.latencyMs.max)} | ${number(run.costMs.p50, 3)} / ${number(run.costMs.p99, 3)} |`,
    );
  }
  return lines;
}

/** The settled runs: the window after the JIT has done compiling for the measured settings. */
function settledLines(results) {
  const runs = results.runs.filter((run) => run.phase === 'settled');
  if (runs.length === 0) return [];
  const lines = [
    '',
    '## Settled: both threads after the JIT is done',
    '',
    '| transport | batch | settled s | window s | batches | audio heap B/s | audio heap B/batch | same, right after the warm-up | samples with a compilation | audio GCs | main heap B/batch | same, right after the warm-up |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const run of runs) {
    const unsettled = find(results, 'normal', run.mode, run.batchSize);
    lines.push(
      `| ${run.mode} | ${run.batchSize} | ${run.settleSeconds} | ${number(run.seconds, 0)} | ${run.batches} | ${number(run.audioHeap?.perSecond, 0)} | ${number(run.audioHeap?.perBatch, 1)} | ${number(unsettled?.audioHeap?.perBatch, 1)} | ${run.audioHeap ? `${run.audioHeap.samplesWithCompilations} of ${run.audioHeap.samples - 1}` : 'n/a'} | ${gcCell(run.audioGc)} | ${number(run.mainHeap?.perBatch, 0)} | ${number(unsettled?.mainHeap?.perBatch, 0)} |`,
    );
  }
  const grown = runs.filter((run) => (run.audioHeap?.growthSteps ?? []).length > 0);
  if (grown.length > 0) {
    lines.push(
      '',
      "The settled windows' audio-heap growth in the samples in which V8 finished a compilation (in any isolate: the trace names only the function), and the rest:",
      '',
    );
  }
  for (const run of grown) {
    const steps = run.audioHeap.growthSteps;
    const compiled = steps.filter((step) => step.compiled.length > 0);
    const rest = steps.filter((step) => step.compiled.length === 0);
    const described = compiled.map((step) => `${step.bytes} B at ${number(step.atMs / 1000, 1)} s (${step.compiled.join(', ')})`);
    const restBytes = rest.reduce((sum, step) => sum + step.bytes, 0);
    if (rest.length > 0) described.push(`${restBytes} B in ${rest.length} samples with no compilation`);
    lines.push(`- ${run.mode}, batch ${run.batchSize}: ${described.join('; ')}`);
  }
  return lines;
}

/** The underrun calibration and ping-pong's cost by return group. */
function calibrationLines(results) {
  const calibration = results.runs.filter((run) => run.phase === 'calibration');
  const groups = results.runs.filter((run) => run.phase === 'groups');
  const lines = [];
  if (calibration.length > 0) {
    lines.push(
      '',
      '## Underrun calibration (clone, batch 128, the audio thread stalled on purpose, 6 s window)',
      '',
      '| audio-thread stall | stalled per second | underruns | underrun time | complete |',
      '|---|---|---|---|---|',
    );
    for (const run of calibration) {
      const { ms, every } = run.audioStall;
      const perSecond = run.sampleRate ? (ms * run.sampleRate) / (128 * every) : null;
      lines.push(
        `| ${ms} ms every ${every} quanta | ${number(perSecond, 0)} ms | ${run.underrunEvents} | ${number(run.underrunMs, 1)} ms | ${percent(run.completeness)} |`,
      );
    }
  }
  if (groups.length > 0) {
    lines.push(
      '',
      '## Ping-pong by return group (batch 128, pool 128)',
      '',
      '| returns per message | audio heap B/batch | same, outside JIT compilations | audio GCs | main heap B/batch |',
      '|---|---|---|---|---|',
    );
    for (const run of groups) {
      lines.push(
        `| ${run.mode.slice('group-'.length)} | ${number(run.audioHeap?.perBatch, 0)} | ${number(run.audioHeap?.outsideCompilationsPerBatch, 1)} | ${gcCell(run.audioGc)} | ${number(run.mainHeap.perBatch, 0)} |`,
      );
    }
  }
  return lines;
}

function stressLines(results) {
  const stalls = results.runs.filter((run) => run.phase === 'stall');
  const sweep = results.runs
    .filter((run) => run.phase === 'sweep' || (run.phase === 'stall' && run.stallMs === 300 && ['ping-pong', 'shared'].includes(run.mode)))
    .sort((a, b) => a.mode.localeCompare(b.mode) || a.poolSize - b.poolSize);
  const hog = results.runs.filter((run) => run.phase === 'hog');
  const lines = [];
  if (stalls.length > 0) {
    lines.push(
      '',
      '## Main-thread stalls (batch 1024, pool 16, a stall every 2 s in a 6 s window)',
      '',
      '| transport | stall ms | skipped frames | exhaustion episodes | reclaims | accounting exact | first fresh batch after a stall, p50 / max ms | hit rate |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const run of stalls) {
      lines.push(
        `| ${run.mode} | ${run.stallMs} | ${run.skippedFrames ?? 'n/a'} | ${run.exhaustions ?? 'n/a'} | ${run.reclaims ?? 'n/a'} | ${run.accountingExact ? 'yes' : 'NO'} | ${number(run.resumeMs.p50)} / ${number(run.resumeMs.max)} | ${percent(run.hitRate)} |`,
      );
    }
  }
  if (sweep.length > 0) {
    lines.push(
      '',
      '## Pool-size sweep (batch 1024, a 300 ms stall every 2 s in a 6 s window)',
      '',
      '| transport | pool | audio it holds, ms | pool memory, KiB | hit rate | skipped frames | exhaustion episodes |',
      '|---|---|---|---|---|---|---|',
    );
    for (const run of sweep) {
      const holdsMs = run.poolSize && run.sampleRate ? (run.poolSize * run.batchSize * 1000) / run.sampleRate : null;
      lines.push(
        `| ${run.mode} | ${run.poolSize} | ${number(holdsMs, 0)} | ${number(run.poolBytes === null ? null : run.poolBytes / 1024, 1)} | ${percent(run.hitRate)} | ${run.skippedFrames ?? 'n/a'} | ${run.exhaustions ?? 'n/a'} |`,
      );
    }
  }
  if (hog.length > 0) {
    lines.push(
      '',
      '## Every core busy (a spinning process per CPU beside the browser; batch 128, 6 s window)',
      '',
      '| transport | underruns | complete | skipped or dropped frames | latency p50/p99/max ms | main cost p50/p99 ms |',
      '|---|---|---|---|---|---|',
    );
    for (const run of hog) {
      lines.push(
        `| ${run.mode} | ${run.underrunEvents} (${number(run.underrunMs, 1)} ms) | ${percent(run.completeness)} | ${run.skippedFrames ?? 'n/a'} | ${number(run.latencyMs.p50)} / ${number(run.latencyMs.p99)} / ${number(run.latencyMs.max)} | ${number(run.costMs.p50, 3)} / ${number(run.costMs.p99, 3)} |`,
      );
    }
  }
  if (results.offline?.length > 0) {
    lines.push(
      '',
      `## Offline headroom (OfflineAudioContext, ${results.offline[0].audioSeconds} s at 48 kHz, batch 1024, pool 16, returns taken back at every suspend)`,
      '',
      '| suspend every | × real time | skipped frames | hit rate | allocations |',
      '|---|---|---|---|---|',
    );
    for (const run of results.offline) {
      lines.push(
        `| ${run.stepBatches} batches | ${number(run.timesRealTime, 0)} | ${run.stats.skippedFrames} | ${percent(run.stats.hitRate)} | ${run.stats.allocations} |`,
      );
    }
    const sustained = results.offline.filter((run) => run.stats.skippedFrames === 0);
    const fastest = sustained.reduce((best, run) => (run.timesRealTime > (best?.timesRealTime ?? 0) ? run : best), null);
    lines.push(
      '',
      fastest
        ? `Headroom: without a skip the pool sustains ${number(fastest.timesRealTime, 0)} × real time (suspending every ${fastest.stepBatches} batches).`
        : 'Headroom: the pool skipped at every step size.',
    );
  }
  return lines;
}

/** Healthy: every batch formed reached the page, none skipped, and the output never ran dry. */
const healthy = (run) => run.hitRate >= 0.999 && run.completeness >= 0.999 && run.underrunEvents === 0;

/** Analyzers side by side: the table, where each transport stops scaling, and the target line. */
function analyzersLines(results) {
  const runs = results.runs.filter((run) => run.phase === 'analyzers');
  if (runs.length === 0) return [];
  const lines = [
    '',
    `## Analyzers side by side (2 channels each, the test tone each, pool 16, ${number(runs[0].seconds, 0)} s windows)`,
    '',
    "Audio heap: the first AudioContext's worklet, per batch it carried (with one context, every analyzer's). Main cost: the main thread's time for all batches, ms per second.",
    '',
    'Render gaps: frames the browser never passed to the worklets (their sum over the analyzers), which completeness counts as missing.',
    '',
    '| transport | batch | analyzers | contexts | underruns | render gaps, frames | hit rate | complete | main cost ms/s | audio heap B/batch | same, outside JIT compilations |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const run of runs) {
    lines.push(
      `| ${run.mode} | ${run.batchSize} | ${run.analyzers} | ${run.contexts} | ${run.underrunEvents} (${number(run.underrunMs, 1)} ms) | ${run.renderGapFrames ?? 'n/a'} | ${percent(run.hitRate)} | ${percent(run.completeness)} | ${number(run.mainCostMsPerSecond, 1)} | ${number(run.audioHeap?.perBatch, 1)} | ${number(run.audioHeap?.outsideCompilationsPerBatch, 1)} |`,
    );
  }
  lines.push('', 'Where each stops scaling (the most analyzers still healthy: hit rate and completeness ≥ 99.9 %, 0 underruns):', '');
  for (const mode of [...new Set(runs.map((run) => run.mode))]) {
    const cells = [128, 1024].flatMap((batchSize) =>
      [null, 'bench'].map((group) => {
        const tried = runs.filter(
          (run) => run.mode === mode && run.batchSize === batchSize && (run.analyzers === 1 || run.contextGroup === group),
        );
        const most = Math.max(0, ...tried.filter(healthy).map((run) => run.analyzers));
        const broken = tried.filter((run) => !healthy(run)).map((run) => run.analyzers);
        return `batch ${batchSize} ${group ? 'one context' : 'a context each'}: ${most}${broken.length ? ` (not at ${broken.join(', ')})` : ' (all tried)'}`;
      }),
    );
    lines.push(`- ${mode}: ${cells.join('; ')}`);
  }
  lines.push('');
  for (const mode of [...new Set(runs.map((run) => run.mode))]) {
    const run = runs.find((each) => each.mode === mode && each.batchSize === 128 && each.analyzers === 16 && each.contextGroup !== null);
    lines.push(
      target(
        run ? run.underrunEvents === 0 && run.hitRate >= 0.999 : null,
        `${mode}: 16 analyzers in one context at batch 128 with 0 underruns and hit rate ≥ 99.9 % (${run ? `${run.underrunEvents}, ${percent(run.hitRate)}` : 'n/a'})`,
      ),
    );
  }
  return lines;
}

/** The default transport at 96 kHz beside its rows at the device's rate. */
function rateLines(results) {
  const runs = results.runs.filter((run) => run.phase === '96k');
  if (runs.length === 0) return [];
  const lines = [
    '',
    "## 96 kHz beside the device's rate (shared, the default on an isolated page; 1 channel)",
    '',
    // No latency column: it is measured against the output timestamp, and at 96 kHz Chromium resamples to the 48 kHz device, which moves that timestamp by tens of ms.
    '| rate | batch | batches/s | audio heap B/batch | same, outside JIT compilations | main heap B/batch | underruns | complete | hit rate | main cost p50/p99 ms |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const batchSize of [128, 1024]) {
    for (const run of [find(results, 'normal', 'shared', batchSize), runs.find((each) => each.batchSize === batchSize)]) {
      if (!run) continue;
      lines.push(
        `| ${run.sampleRate} | ${batchSize} | ${number(run.batches / run.seconds, 0)} | ${number(run.audioHeap?.perBatch, 1)} | ${number(run.audioHeap?.outsideCompilationsPerBatch, 1)} | ${number(run.mainHeap.perBatch, 0)} | ${run.underrunEvents} (${number(run.underrunMs, 1)} ms) | ${percent(run.completeness)} | ${percent(run.hitRate)} | ${number(run.costMs.p50, 3)} / ${number(run.costMs.p99, 3)} |`,
      );
    }
  }
  return lines;
}

const median = (values) => percentile(values, 0.5);

/** The cost of process() per render quantum, from offline renders with and without each node. */
function costLines(results) {
  const renders = results.quantumCost ?? [];
  if (renders.length === 0) return [];
  const lines = [
    '',
    `## The cost of process() (offline, ${renders[0].quanta / 375} s at 48 kHz per render, median of ${renders.filter((each) => each.variant === 'none' && each.batchSize === renders[0].batchSize && each.channels === renders[0].channels).length}; suspended every 32 batches for the page, that time left out)`,
    '',
    'µs per render quantum of 128 frames, above the tone alone (`none`) and above a worklet that does nothing with the same input (`bare`): what the capture processor itself costs the audio thread.',
    '',
    '| batch | channels | variant | render ms | µs/quantum above none | µs/quantum above bare | skipped frames |',
    '|---|---|---|---|---|---|---|',
  ];
  const shapes = [...new Set(renders.map((each) => `${each.batchSize}/${each.channels}`))];
  for (const shape of shapes) {
    const ofShape = renders.filter((each) => `${each.batchSize}/${each.channels}` === shape);
    const renderMs = (variant) => median(ofShape.filter((each) => each.variant === variant).map((each) => each.renderMs));
    const quanta = ofShape[0].quanta;
    for (const variant of [...new Set(ofShape.map((each) => each.variant))]) {
      const ms = renderMs(variant);
      const above = (base) => (variant === base ? '–' : number(((ms - renderMs(base)) * 1000) / quanta, 2));
      const skipped = ofShape.find((each) => each.variant === variant)?.stats?.skippedFrames;
      lines.push(
        `| ${ofShape[0].batchSize} | ${ofShape[0].channels} | ${variant} | ${number(ms, 1)} | ${above('none')} | ${variant === 'none' ? '–' : above('bare')} | ${skipped ?? '–'} |`,
      );
    }
  }
  return lines;
}

const SCALE_BATCHES = [128, 512, 1024, 4096];

function scaleLines(results) {
  const transports = [...new Set(results.runs.filter((run) => run.phase === 'scale').map((run) => run.mode))];
  if (transports.length === 0) return [];
  const lines = [
    '',
    '## Scaling (1 channel: audio-thread heap per batch / main-thread heap per batch / main cost p50)',
    '',
    `| transport | ${SCALE_BATCHES.map((batch) => `batch ${batch}`).join(' | ')} |`,
    `|---|${SCALE_BATCHES.map(() => '---').join('|')}|`,
  ];
  for (const mode of transports) {
    const cells = SCALE_BATCHES.map((batch) => {
      const run = results.runs.find(
        (each) => (each.phase === 'normal' || each.phase === 'scale') && each.mode === mode && each.batchSize === batch,
      );
      return run
        ? `${number(run.audioHeap?.perBatch, 0)} B / ${number(run.mainHeap.perBatch, 0)} B / ${number(run.costMs.p50, 3)} ms`
        : 'n/a';
    });
    lines.push(`| ${mode} | ${cells.join(' | ')} |`);
  }
  return lines;
}

/** The page's analysis: its cost and garbage per batch, beside Meyda and the AnalyserNode. */
function featureLines(results) {
  const runs = results.runs.filter((run) => run.phase === 'features');
  if (runs.length === 0) return [];
  const lines = [
    '',
    '## Features (batch 1024, 1 channel, the shared transport; main thread)',
    '',
    'Main cost: the handling of one batch, analysis and listeners included (AnalyserNode: one poll).',
    '',
    '| analysis | main cost p50/p99 ms | main heap B/batch | main GCs | complete |',
    '|---|---|---|---|---|',
  ];
  for (const run of runs) {
    lines.push(
      `| ${run.label} | ${number(run.costMs.p50, 3)} / ${number(run.costMs.p99, 3)} | ${number(run.mainHeap.perBatch, 0)} | ${gcCell(run.mainGc)} | ${percent(run.completeness)} |`,
    );
  }
  const levels = runs.find((run) => run.features === 'levels' && !run.baseline);
  const all = runs.find((run) => run.features === 'levels spectrum pitch zcr');
  lines.push(
    '',
    target(atMostMs(all?.costMs.p50, 0.5), `all features at batch 1024: main cost p50 ≤ 0.5 ms (${number(all?.costMs.p50, 3)} ms)`),
    target(
      measured(all?.mainHeap.perBatch, levels?.mainHeap.perBatch) ? all.mainHeap.perBatch <= 1.1 * levels.mainHeap.perBatch : null,
      `all features: main heap growth per batch ≤ 1.1 × levels only (${number(all?.mainHeap.perBatch, 0)} against ${number(levels?.mainHeap.perBatch, 0)} B: ${ratio(all?.mainHeap.perBatch, levels?.mainHeap.perBatch)} ×)`,
    ),
  );
  return lines;
}

function newerLines(results) {
  return [...rateLines(results), ...analyzersLines(results), ...costLines(results), ...featureLines(results)];
}

/** The Markdown tables alone (for partial runs such as `--modes=`). */
export function formatTable(results) {
  return `${[...mainLines(results), ...settledLines(results), ...newerLines(results), ...scaleLines(results), ...stressLines(results), ...calibrationLines(results)].join('\n')}\n`;
}

/** The Markdown report: the tables, the ratios, and a line per target. */
export function formatReport(results) {
  const lines = mainLines(results);
  const at = (mode, batchSize, phase = 'normal') => find(results, phase, mode, batchSize);
  const perBatch = (run, heap) => run?.[heap]?.perBatch;
  lines.push('', '## Ratios (JS heap growth per batch)', '');
  for (const batchSize of [128, 1024]) {
    lines.push(
      `- batch ${batchSize}, audio thread: ping-pong / allocate = ${ratio(perBatch(at('ping-pong', batchSize), 'audioHeap'), perBatch(at('allocate', batchSize), 'audioHeap'))}; shared ${number(perBatch(at('shared', batchSize), 'audioHeap'), 1)} B, copy ${number(perBatch(at('copy', batchSize), 'audioHeap'), 1)} B, clone ${number(perBatch(at('clone', batchSize), 'audioHeap'), 1)} B`,
      `- batch ${batchSize}, main thread: shared / ping-pong = ${ratio(perBatch(at('shared', batchSize), 'mainHeap'), perBatch(at('ping-pong', batchSize), 'mainHeap'))}, shared / ringbuf = ${ratio(perBatch(at('shared', batchSize), 'mainHeap'), perBatch(at('ringbuf', batchSize), 'mainHeap'))}, shared / ringbuf-wait = ${ratio(perBatch(at('shared', batchSize), 'mainHeap'), perBatch(at('ringbuf-wait', batchSize), 'mainHeap'))}`,
    );
  }
  lines.push('', '## Targets', '');
  const sizes = [128, 1024];
  for (const mode of ['shared', 'copy']) {
    const heaps = sizes.map((batchSize) => perBatch(at(mode, batchSize, 'settled'), 'audioHeap'));
    const unsettled = sizes.map((batchSize) => perBatch(at(mode, batchSize), 'audioHeap'));
    const settle = at(mode, 128, 'settled')?.settleSeconds;
    const outside = sizes.map((batchSize) => at(mode, batchSize)?.audioHeap?.outsideCompilationsPerBatch);
    const excluded = sizes.map((batchSize) => {
      const heap = at(mode, batchSize)?.audioHeap;
      return heap ? `${heap.samplesWithCompilations} of ${heap.samples - 1}` : 'n/a';
    });
    lines.push(
      target(
        measured(...heaps) ? heaps.every((bytes) => bytes <= 2) : null,
        `${mode}: audio-thread heap growth ≤ 2 B per batch, settled (${heaps.map((bytes) => number(bytes, 1)).join(' and ')} B at batch 128 and 1024, after ${settle ?? 'n/a'} s at those settings; right after the warm-up: ${unsettled.map((bytes) => number(bytes, 1)).join(' and ')} B)`,
      ),
      target(
        measured(...outside) ? outside.every((bytes) => bytes <= 2) : null,
        `${mode}: the same growth outside the JIT's compilations ≤ 2 B per batch (${outside.map((bytes) => number(bytes, 1)).join(' and ')} B; samples left out because V8 finished compiling in them: ${excluded.join(' and ')})`,
      ),
    );
    const gc = at(mode, 128, 'gc');
    lines.push(
      target(
        gc ? gc.audioGc.count === 0 : null,
        `${mode}: no audio-thread GC over the ${number(gc?.seconds, 0)} s, 8-channel, batch-128 run (${gc?.audioGc.count ?? 'n/a'})`,
      ),
    );
  }
  for (const batchSize of sizes) {
    const shared = perBatch(at('shared', batchSize), 'mainHeap');
    const pingPong = perBatch(at('ping-pong', batchSize), 'mainHeap');
    const ring = perBatch(at('ringbuf', batchSize), 'mainHeap');
    const ringWoken = perBatch(at('ringbuf-wait', batchSize), 'mainHeap');
    const settledShared = perBatch(at('shared', batchSize, 'settled'), 'mainHeap');
    const settledPingPong = perBatch(at('ping-pong', batchSize, 'settled'), 'mainHeap');
    lines.push(
      target(
        measured(shared, pingPong) ? shared <= 0.5 * pingPong : null,
        `batch ${batchSize}: shared main-thread heap per batch ≤ 0.5 × ping-pong's (${number(shared, 0)} against ${number(pingPong, 0)} B: ${ratio(shared, pingPong)} ×)`,
      ),
      target(
        measured(settledShared, settledPingPong) ? settledShared <= 0.5 * settledPingPong : null,
        `batch ${batchSize}, settled: the same (${number(settledShared, 0)} against ${number(settledPingPong, 0)} B: ${ratio(settledShared, settledPingPong)} ×)`,
      ),
      target(
        measured(shared, ring) ? shared <= ring : null,
        `batch ${batchSize}: shared main-thread heap per batch ≤ ringbuf's (${number(shared, 0)} against ${number(ring, 0)} B; the ring woken at each batch by Atomics.waitAsync, as shared is: ${number(ringWoken, 0)} B)`,
      ),
    );
  }
  const cost = at('shared', 1024)?.costMs.p50;
  const ringWokenCost = at('ringbuf-wait', 1024)?.costMs.p50;
  lines.push(
    target(
      atMostMs(cost, 0.05),
      `shared: main-thread cost per batch p50 ≤ 0.05 ms at batch 1024 (${number(cost, 3)} ms; the ring woken at each batch: ${number(ringWokenCost, 3)} ms)`,
    ),
  );
  for (const batchSize of sizes) {
    const shared = at('shared', batchSize)?.latencyMs.p99;
    const pingPong = at('ping-pong', batchSize)?.latencyMs.p99;
    lines.push(
      target(
        Math.abs(shared - pingPong) <= 1,
        `batch ${batchSize}: shared latency p99 within 1 ms of ping-pong's (${number(shared)} against ${number(pingPong)} ms)`,
      ),
    );
  }
  const normal = results.runs.filter((run) => run.phase === 'normal' && TRANSPORTS.includes(run.mode));
  lines.push(
    target(
      normal.every((run) => run.hitRate >= 0.999 && run.completeness === 1 && run.underrunEvents === 0),
      `every transport at normal load: hit rate ≥ 99.9 %, completeness 100 %, 0 underruns (${normal.map((run) => `${run.mode} ${run.batchSize}: ${percent(run.hitRate)}, ${percent(run.completeness)}, ${run.underrunEvents}`).join('; ')})`,
    ),
  );
  const stressed = results.runs.filter((run) => run.phase === 'stall' || run.phase === 'sweep');
  lines.push(
    target(
      stressed.length > 0 ? stressed.every((run) => run.accountingExact) : null,
      `exact accounting (delivered + skipped + gap-discarded + pending = rendered) in every stall and sweep run (${stressed.filter((run) => run.accountingExact).length} of ${stressed.length})`,
    ),
  );
  const pingPongAllocations = sizes.map((batchSize) => at('ping-pong', batchSize)?.backingStoreAllocations);
  const sharedAllocations = sizes.map((batchSize) => at('shared', batchSize)?.backingStoreAllocations);
  lines.push(
    target(
      [...pingPongAllocations, ...sharedAllocations].every((count) => count === 0),
      `ping-pong and shared allocate no buffer after start in steady state (ping-pong ${pingPongAllocations.join(', ')}; shared ${sharedAllocations.join(', ')})`,
    ),
  );
  return `${[...lines, ...settledLines(results), ...newerLines(results), ...scaleLines(results), ...stressLines(results), ...calibrationLines(results)].join('\n')}\n`;
}
