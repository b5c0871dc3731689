/** Turns raw benchmark runs into figures, the Markdown table and the target lines. */

function percentile(values, share) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))];
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
    backingStoreAllocations: allocationsInWindow,
    backingStoreBytesPerBatch:
      allocationsInWindow === null || window.batches === 0 ? 0 : (allocationsInWindow * bufferBytes) / window.batches,
    underrunEvents: window.underrunEvents,
    underrunMs: window.underrunMs,
    completeness: window.expectedBatches > 0 ? window.batches / window.expectedBatches : null,
    skippedFrames: delta('skippedFrames'),
    hitRate: acquisitions ? delta('hits') / acquisitions : null,
    latencyMs: { p50: percentile(window.latencyMs, 0.5), p99: percentile(window.latencyMs, 0.99), max: percentile(window.latencyMs, 1) },
    costMs: { p50: percentile(window.costMs, 0.5), p99: percentile(window.costMs, 0.99) },
  };
}

const number = (value, digits = 1) => (value === null || value === undefined ? 'n/a' : value.toFixed(digits));

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

/** The Markdown table alone: a row per run (for partial runs such as `--modes=`). */
export function formatTable(results) {
  return `${[...tableLines(results), ...stressLines(results)].join('\n')}\n`;
}

function stressLines(results) {
  const stalls = results.runs.filter((run) => run.phase === 'stall');
  const sweep = results.runs.filter((run) => run.phase === 'sweep');
  if (stalls.length === 0 && sweep.length === 0) return [];
  const lines = [
    '',
    '## Main-thread stalls (batch 1024, pool 16, a stall every 3 s for 9 s)',
    '',
    '| transport | stall ms | skipped frames | exhaustion episodes | reclaims | accounting exact | first fresh batch after a stall, p50 / max ms | hit rate |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const run of stalls) {
    lines.push(
      `| ${run.mode} | ${run.stallMs} | ${run.skippedFrames ?? 'n/a'} | ${run.exhaustions ?? 'n/a'} | ${run.reclaims ?? 'n/a'} | ${run.accountingExact ? 'yes' : 'NO'} | ${number(run.resumeMs.p50)} / ${number(run.resumeMs.max)} | ${number(run.hitRate === null ? null : run.hitRate * 100, 2)}% |`,
    );
  }
  lines.push(
    '',
    '## Pool-size sweep (ping-pong, batch 1024, a 300 ms stall every 3 s for 9 s)',
    '',
    '| pool | audio it holds, ms | pool memory, KiB | hit rate | skipped frames | exhaustion episodes |',
    '|---|---|---|---|---|---|',
  );
  for (const run of sweep) {
    const holdsMs = run.poolSize && run.sampleRate ? (run.poolSize * run.batchSize * 1000) / run.sampleRate : null;
    lines.push(
      `| ${run.poolSize} | ${number(holdsMs, 0)} | ${number(run.poolBytes === null ? null : run.poolBytes / 1024, 1)} | ${number(run.hitRate === null ? null : run.hitRate * 100, 2)}% | ${run.skippedFrames ?? 'n/a'} | ${run.exhaustions ?? 'n/a'} |`,
    );
  }
  return lines;
}

function tableLines(results) {
  const lines = [
    `# Benchmark, ${results.date}${results.quick ? ' (quick)' : ''}`,
    '',
    `${results.browser}, Node ${results.node}, ${results.cpus} CPUs, ${results.durationSeconds.toFixed(0)} s in all.`,
    '',
    '| transport | batch | ch | window s | batches | audio heap B/s | audio heap B/batch | audio GCs | buffers allocated | main heap B/s | main GCs | underruns | complete | skipped frames | hit rate | latency p50/p99/max ms | main cost p50/p99 ms |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const run of results.runs.filter((each) => each.phase === 'normal' || each.phase === 'gc')) {
    lines.push(
      `| ${run.mode} | ${run.batchSize} | ${run.channels} | ${number(run.seconds, 0)} | ${run.batches} | ${number(run.audioHeap.perSecond, 0)} | ${number(run.audioHeap.perBatch, 0)} | ${run.audioHeap.gcs} | ${run.backingStoreAllocations ?? 'n/a'} | ${number(run.mainHeap.perSecond, 0)} | ${run.mainHeap.gcs} | ${run.underrunEvents} (${number(run.underrunMs, 1)} ms) | ${number(run.completeness === null ? null : run.completeness * 100, 2)}% | ${run.skippedFrames ?? 'n/a'} | ${number(run.hitRate === null ? null : run.hitRate * 100, 2)}% | ${number(run.latencyMs.p50)} / ${number(run.latencyMs.p99)} / ${number(run.latencyMs.max)} | ${number(run.costMs.p50, 3)} / ${number(run.costMs.p99, 3)} |`,
    );
  }
  return lines;
}

/** The Markdown report: a row per run, the ratios, and a line per target. */
export function formatReport(results) {
  const lines = tableLines(results);
  lines.push('', '## Ratios (audio-thread JS heap growth per batch)', '');
  for (const batchSize of [128, 1024]) {
    const pingPong = find(results, 'normal', 'ping-pong', batchSize);
    const allocate = find(results, 'normal', 'allocate', batchSize);
    const clone = find(results, 'normal', 'clone', batchSize);
    lines.push(
      `- batch ${batchSize}: ping-pong / allocate = ${ratio(pingPong?.audioHeap.perBatch, allocate?.audioHeap.perBatch)}, ping-pong / clone = ${ratio(pingPong?.audioHeap.perBatch, clone?.audioHeap.perBatch)}`,
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
    const ratio = normal[i]?.audioHeap.perBatch / allocates[i]?.audioHeap.perBatch;
    lines.push(
      target(ratio <= 1.25, `batch ${batchSize}: ping-pong audio-thread heap growth per batch ≤ 1.25 × allocate's (${number(ratio, 2)} ×)`),
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
      gcPingPong.audioHeap.gcs <= gcAllocate.audioHeap.gcs,
      `8 channels at batch 128 over ${number(gcPingPong.seconds, 0)} s: audio-thread GCs ping-pong ≤ allocate (${gcPingPong.audioHeap.gcs} against ${gcAllocate.audioHeap.gcs}; pause lengths not measured yet)`,
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
      `ping-pong hit rate ≥ 99.9 % and completeness 100 % at normal load (${normal.map((run) => `${number(run.hitRate * 100, 2)} %, ${number(run.completeness * 100, 2)} %`).join('; ')})`,
    ),
  );
  for (const [i, batchSize] of [128, 1024].entries()) {
    const ratio = normal[i]?.latencyMs.p99 / allocates[i]?.latencyMs.p99;
    lines.push(
      target(
        ratio <= 1.05,
        `batch ${batchSize}: latency p99 ping-pong ≤ 1.05 × allocate's (${number(normal[i]?.latencyMs.p99)} against ${number(allocates[i]?.latencyMs.p99)} ms)`,
      ),
    );
  }
  lines.push(
    target(
      normal.every((run) => run.costMs.p50 <= 0.05),
      `main-thread cost per batch p50 ≤ 0.05 ms (${normal.map((run) => number(run.costMs.p50, 3)).join(', ')} ms)`,
    ),
  );
  return `${[...lines, ...stressLines(results)].join('\n')}\n`;
}
