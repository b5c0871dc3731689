/**
 * What a TypeScript user writes, type-checked by `npm run typecheck` (never run): listeners on the
 * element, the document and the window get typed details without a cast, tags give their classes,
 * one element's module alone is enough, and wrong values fail to compile (`@ts-expect-error`
 * fails the check if they ever compile).
 */

import type { AnalyzerStats, AudioPoolAnalyzer } from '../../src/index.js';
import type { PoolStatsPanel } from '../../src/pool-stats-panel.js';

const analyzer: AudioPoolAnalyzer = document.createElement('audio-pool-analyzer');
const panel: PoolStatsPanel | null = document.querySelector('pool-stats-panel');

analyzer.addEventListener('analysis-frame', (event) => {
  const rms: number = event.detail.rms[0] ?? 0;
  const samples: Float32Array | undefined = event.detail.channelData[0];
  return [rms, samples];
});
document.addEventListener('pool-stats', (event) => {
  const stats: AnalyzerStats = event.detail;
  return stats.hitRate;
});
window.addEventListener('analyzer-error', (event) => event.detail.code === 'not-rendering');
document.body.addEventListener('state-change', (event) => event.detail.state === 'stalled');

async function consume(): Promise<number | undefined> {
  analyzer.transport = 'shared';
  await analyzer.start();
  return (await analyzer.requestStats())?.deliveredBatches;
}

// @ts-expect-error: not a transport
analyzer.transport = 'carrier-pigeon';
// @ts-expect-error: the state is the element's to say
analyzer.state = 'running';
// @ts-expect-error: not one of the analyzer's events' details
document.addEventListener('analysis-frame', (event) => event.detail.hitRate);
// @ts-expect-error: not an error code
window.addEventListener('analyzer-error', (event) => event.detail.code === 'on-fire');

export { consume, panel };
