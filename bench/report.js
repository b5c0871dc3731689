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
    exhaustions: delta('exhaustions'),
    reclaims: delta('reclaims'),
    accountingExact: after ? after.deliveredFrames + after.skippedFrames + after.pendingFrames === after.renderedFrames : null,
    poolBytes: after ? after.buffers * after.bufferBytes : null,
    sampleRate: after?.sampleRate ?? null,
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
    missedFrames: window.missedFrames,
    repeatedFrames: window.repeatedFrames,
    hitRate: acquisitions ? delta('hits') / acquisitions : null,
    latencyMs: { p50: percentile(window.latencyMs, 0.5), p99: percentile(window.latencyMs, 0.99), max: percentile(window.latencyMs, 1) },
    latencyPercentilesMs: Array.from({ length: 101 }, (_, i) => percentile(window.latencyMs, i / 100)),
    costMs: { p50: percentile(window.costMs, 0.5), p99: percentile(window.costMs, 0.99) },
  };
}

const number = (value, digits = 1) => (value === null || value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(digits));
const percent = (share, digits = 2) => (share === null || share === undefined ? 'n/a' : `${number(share * 100, digits)} %`);
const gcCell = (gc) => (gc ? `${gc.count} (${number(gc.maxPauseMs, 2)})` : 'n/a');

/** A ratio, or what the figures were when the divisor is zero. */
function ratio(value, base) {
  if (value === undefined || base === undefined || value === null || base === null) return 'n/a';
  return base === 0 ? `${number(value, 0)} B against 0 B` : number(value / base, 2);
}

function find(results, phase, mode, batchSize) {
  return results.runs.find((run) => run.phase === phase && run.mode === mode && run.batchSize === batchSize);
}

function target(met, text) {
  return `- ${met === null ? 'NOT MEASURED' : met ? 'met' : 'NOT MET'}: ${text}`;
}

function mainLines(results) {
  const lines = [
    `# Benchmark, ${results.date}${results.quick ? ' (quick)' : ''}`,
    '',
    `${results.browser}, Node ${results.node}, ${results.cpus} CPUs, ${results.durationSeconds.toFixed(0)} s in all.`,
    "GCs: collections on that isolate in the window (longest pause, ms), from V8's --trace-gc.",
    ...(results.quick
      ? ['Quick smoke run: 1 s warm-ups and 2–3 s windows check that everything runs; its figures and target lines prove nothing.']
      : []),
    '',
    '| transport | batch | ch | window s | batches | audio heap B/s | audio heap B/batch | audio GCs | buffers allocated | main heap B/s | main GCs | underruns | complete | skipped frames | hit rate | latency p50/p99/max ms | main cost p50/p99 ms |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const run of results.runs.filter((each) => each.phase === 'normal' || each.phase === 'gc')) {
    const skipped = run.missedFrames === null ? (run.skippedFrames ?? 'n/a') : `${run.missedFrames} missed, ${run.repeatedFrames} twice`;
    lines.push(
      `| ${run.mode} | ${run.batchSize} | ${run.channels} | ${number(run.seconds, 0)} | ${run.batches} | ${number(run.audioHeap?.perSecond, 0)} | ${number(run.audioHeap?.perBatch, 0)} | ${gcCell(run.audioGc)} | ${run.backingStoreAllocations ?? 'n/a'} | ${number(run.mainHeap.perSecond, 0)} | ${gcCell(run.mainGc)} | ${run.underrunEvents} (${number(run.underrunMs, 1)} ms) | ${percent(run.completeness)} | ${skipped} | ${percent(run.hitRate)} | ${number(run.latencyMs.p50)} / ${number(run.latencyMs.p99)} / ${number(run.latencyMs.max)} | ${number(run.costMs.p50, 3)} / ${number(run.costMs.p99, 3)} |`,
    );
  }
  return lines;
}

function stressLines(results) {
  const stalls = results.runs.filter((run) => run.phase === 'stall');
  const sweep = results.runs
    .filter((run) => run.phase === 'sweep' || (run.phase === 'stall' && run.mode === 'ping-pong' && run.stallMs === 300))
    .sort((a, b) => a.poolSize - b.poolSize);
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
      '## Pool-size sweep (ping-pong, batch 1024, a 300 ms stall every 2 s in a 6 s window)',
      '',
      '| pool | audio it holds, ms | pool memory, KiB | hit rate | skipped frames | exhaustion episodes |',
      '|---|---|---|---|---|---|',
    );
    for (const run of sweep) {
      const holdsMs = run.poolSize && run.sampleRate ? (run.poolSize * run.batchSize * 1000) / run.sampleRate : null;
      lines.push(
        `| ${run.poolSize} | ${number(holdsMs, 0)} | ${number(run.poolBytes === null ? null : run.poolBytes / 1024, 1)} | ${percent(run.hitRate)} | ${run.skippedFrames ?? 'n/a'} | ${run.exhaustions ?? 'n/a'} |`,
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

/** The Markdown tables alone (for partial runs such as `--modes=`). */
export function formatTable(results) {
  return `${[...mainLines(results), ...stressLines(results)].join('\n')}\n`;
}

/** The Markdown report: the tables, the ratios, and a line per target. */
export function formatReport(results) {
  const lines = mainLines(results);
  lines.push('', '## Ratios (audio-thread JS heap growth per batch)', '');
  for (const batchSize of [128, 1024]) {
    const pingPong = find(results, 'normal', 'ping-pong', batchSize);
    const allocate = find(results, 'normal', 'allocate', batchSize);
    const clone = find(results, 'normal', 'clone', batchSize);
    lines.push(
      `- batch ${batchSize}: ping-pong / allocate = ${ratio(pingPong?.audioHeap?.perBatch, allocate?.audioHeap?.perBatch)}, ping-pong / clone = ${ratio(pingPong?.audioHeap?.perBatch, clone?.audioHeap?.perBatch)}`,
    );
  }
  lines.push('', '## Targets', '');
  const normal = [128, 1024].map((batchSize) => find(results, 'normal', 'ping-pong', batchSize));
  const allocates = [128, 1024].map((batchSize) => find(results, 'normal', 'allocate', batchSize));
  lines.push(
    target(
      normal.every((run) => run?.backingStoreAllocations === 0),
      `ping-pong allocates no buffer after start in steady state (${normal.map((run) => run?.backingStoreAllocations).join(', ')} at batch 128, 1024)`,
    ),
  );
  for (const [i, batchSize] of [128, 1024].entries()) {
    const heapRatio = normal[i]?.audioHeap.perBatch / allocates[i]?.audioHeap.perBatch;
    lines.push(
      target(
        heapRatio <= 1.25,
        `batch ${batchSize}: ping-pong audio-thread heap growth per batch ≤ 1.25 × allocate's (${number(heapRatio, 2)} ×)`,
      ),
    );
  }
  const churn = (run) => run.audioHeap.perBatch + run.backingStoreBytesPerBatch;
  const churnRatio = churn(normal[1]) / churn(allocates[1]);
  lines.push(
    target(
      churnRatio <= 0.1,
      `batch 1024: ping-pong total audio-thread churn per batch ≤ 0.1 × allocate's (${number(churnRatio, 3)} ×: ${number(churn(normal[1]), 0)} B against ${number(churn(allocates[1]), 0)} B)`,
    ),
  );
  const gcPingPong = find(results, 'gc', 'ping-pong', 128);
  const gcAllocate = find(results, 'gc', 'allocate', 128);
  lines.push(
    target(
      gcPingPong.audioGc.count <= gcAllocate.audioGc.count,
      `8 channels at batch 128 over ${number(gcPingPong.seconds, 0)} s: audio-thread GCs ping-pong ≤ allocate (${gcPingPong.audioGc.count} against ${gcAllocate.audioGc.count}; longest pause ${number(gcPingPong.audioGc.maxPauseMs, 2)} against ${number(gcAllocate.audioGc.maxPauseMs, 2)} ms)`,
    ),
  );
  lines.push(
    target(
      normal.every((run) => run.underrunEvents === 0),
      `no underruns for ping-pong at normal load (${normal.map((run) => run.underrunEvents).join(', ')})`,
    ),
  );
  lines.push(
    target(
      normal.every((run) => run.hitRate >= 0.999 && run.completeness === 1),
      `ping-pong hit rate ≥ 99.9 % and completeness 100 % at normal load (${normal.map((run) => `${percent(run.hitRate)}, ${percent(run.completeness)}`).join('; ')})`,
    ),
  );
  for (const [i, batchSize] of [128, 1024].entries()) {
    // Latency is negative here (batches arrive before they are heard): "1.05 × later" means no more than 5 % of its size later.
    const pingPong = normal[i]?.latencyMs.p99;
    const allocate = allocates[i]?.latencyMs.p99;
    lines.push(
      target(
        pingPong <= allocate + 0.05 * Math.abs(allocate),
        `batch ${batchSize}: latency p99 ping-pong ≤ 1.05 × allocate's (${number(pingPong)} against ${number(allocate)} ms)`,
      ),
    );
  }
  lines.push(
    target(
      normal.every((run) => run.costMs.p50 <= 0.05),
      `main-thread cost per batch p50 ≤ 0.05 ms (${normal.map((run) => number(run.costMs.p50, 3)).join(', ')} ms at batch 128, 1024)`,
    ),
  );
  return `${[...lines, ...stressLines(results)].join('\n')}\n`;
}
