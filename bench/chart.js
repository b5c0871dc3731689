/** Draws the benchmark's SVG chart: audio-thread heap over time per transport, and latency distributions. */
import { writeFileSync } from 'node:fs';

const COLORS = {
  shared: '#17becf',
  copy: '#8c564b',
  'ping-pong': '#1f77b4',
  allocate: '#d62728',
  clone: '#2ca02c',
  ringbuf: '#9467bd',
  'ringbuf-wait': '#c5b0d5',
  analyser: '#ff7f0e',
};
const WIDTH = 920;
const PANEL_HEIGHT = 300;
const MARGIN = { left: 70, right: 150, top: 40, bottom: 45 };

const escapeXml = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** A "nice" step for about `count` ticks over `span`. */
function tickStep(span, count) {
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((factor) => factor * magnitude).find((step) => step >= raw) ?? raw;
}

/** One panel: lines of [x, y] points, one per transport. */
function panel({ title, xLabel, yLabel, lines, top }) {
  const points = lines.flatMap((line) => line.points);
  if (points.length === 0) return '';
  const xs = points.map(([x]) => x);
  const ys = points.map(([, y]) => y);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs, xMin + 1e-9);
  const yMin = Math.min(0, ...ys);
  const yMax = Math.max(...ys, yMin + 1e-9);
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (value) => MARGIN.left + ((value - xMin) / (xMax - xMin)) * plotWidth;
  const y = (value) => top + MARGIN.top + plotHeight - ((value - yMin) / (yMax - yMin)) * plotHeight;
  const parts = [`<text x="${MARGIN.left}" y="${top + 22}" font-weight="bold">${escapeXml(title)}</text>`];
  const yStep = tickStep(yMax - yMin, 5);
  for (let value = Math.ceil(yMin / yStep) * yStep; value <= yMax; value += yStep) {
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y(value)}" y2="${y(value)}" stroke="#ddd"/>`,
      `<text x="${MARGIN.left - 6}" y="${y(value) + 4}" text-anchor="end">${Number(value.toPrecision(6))}</text>`,
    );
  }
  const xStep = tickStep(xMax - xMin, 8);
  for (let value = Math.ceil(xMin / xStep) * xStep; value <= xMax; value += xStep) {
    parts.push(
      `<text x="${x(value)}" y="${top + MARGIN.top + plotHeight + 16}" text-anchor="middle">${Number(value.toPrecision(6))}</text>`,
    );
  }
  parts.push(
    `<rect x="${MARGIN.left}" y="${top + MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#888"/>`,
    `<text x="${MARGIN.left + plotWidth / 2}" y="${top + PANEL_HEIGHT - 6}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text transform="translate(16 ${top + MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
  );
  lines.forEach((line, i) => {
    const color = COLORS[line.name] ?? '#333';
    const path = line.points.map(([px, py], j) => `${j === 0 ? 'M' : 'L'}${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(' ');
    parts.push(
      `<path d="${path}" fill="none" stroke="${color}" stroke-width="1.5"/>`,
      `<rect x="${WIDTH - MARGIN.right + 14}" y="${top + MARGIN.top + i * 20}" width="12" height="12" fill="${color}"/>`,
      `<text x="${WIDTH - MARGIN.right + 32}" y="${top + MARGIN.top + i * 20 + 11}">${escapeXml(line.name)}</text>`,
    );
  });
  return parts.join('\n');
}

/** One line per transport over the batch sizes of the scaling runs (and the normal ones at 128 and 1024). */
function scalingLines(results, figure) {
  const transports = [...new Set(results.runs.filter((run) => run.phase === 'scale').map((run) => run.mode))];
  return transports.map((mode) => ({
    name: mode,
    points: results.runs
      .filter((run) => run.mode === mode && run.channels === 1 && (run.phase === 'normal' || run.phase === 'scale') && figure(run) != null)
      .sort((a, b) => a.batchSize - b.batchSize)
      .map((run) => [Math.log2(run.batchSize), figure(run)]),
  }));
}

const heapLine = (run) => ({ name: run.mode, points: run.audioHeap.series.map(([ms, bytes]) => [ms / 1000, bytes / 1024]) });

/** Writes `<stem>.svg` and returns the files written. */
export function writeCharts(results, stem) {
  const gcRuns = results.runs.filter((run) => run.phase === 'gc' && run.audioHeap);
  const normal128 = results.runs.filter((run) => run.phase === 'normal' && run.batchSize === 128);
  const panels = [
    {
      title: `Audio-thread JS heap, 8 channels at batch 128 (${gcRuns[0]?.channels ?? 8} × 128 frames per batch)`,
      xLabel: 'seconds into the window',
      yLabel: 'worklet isolate used heap, KiB',
      lines: gcRuns.map(heapLine),
    },
    {
      title: 'Audio-thread JS heap, 1 channel at batch 128',
      xLabel: 'seconds into the window',
      yLabel: 'worklet isolate used heap, KiB',
      lines: normal128.filter((run) => run.audioHeap).map(heapLine),
    },
    {
      title: 'Delivery latency distribution, batch 128 (receive time minus when the batch is heard)',
      xLabel: 'ms (negative: before it is heard)',
      yLabel: 'share of batches, %',
      lines: normal128
        .filter((run) => run.latencyPercentilesMs[0] !== null)
        .map((run) => ({ name: run.mode, points: run.latencyPercentilesMs.map((ms, i) => [ms, i]) })),
    },
    ...[
      ['audioHeap', 'Audio-thread JS heap per batch by batch size (1 channel)', 'B per batch'],
      ['mainHeap', 'Main-thread JS heap per batch by batch size (1 channel)', 'B per batch'],
    ].map(([heap, title, yLabel]) => ({
      title,
      xLabel: 'log2 of the batch size',
      yLabel,
      lines: scalingLines(results, (run) => run[heap]?.perBatch),
    })),
    {
      title: 'Main-thread cost per batch by batch size (p50, 1 channel)',
      xLabel: 'log2 of the batch size',
      yLabel: 'ms',
      lines: scalingLines(results, (run) => run.costMs.p50),
    },
  ].filter((each) => each.lines.length > 0);
  if (panels.length === 0) return [];
  const height = panels.length * PANEL_HEIGHT;
  const body = panels.map((each, i) => panel({ ...each, top: i * PANEL_HEIGHT })).join('\n');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${WIDTH - 10}" y="16" text-anchor="end" fill="#666">${escapeXml(`${results.browser}, ${results.date}`)}</text>
${body}
</svg>
`;
  const file = `${stem}.svg`;
  writeFileSync(file, svg);
  return [file];
}
