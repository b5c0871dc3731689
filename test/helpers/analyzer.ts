import type { AudioPoolAnalyzer } from '../../src/audio-pool-analyzer.js';
import type { AnalyzerStats } from '../../src/events.js';
import { nextEvent } from './events.js';

/** Starts the analyzer and resolves once it runs (the listener is in place before start()). */
export async function running(analyzer: AudioPoolAnalyzer): Promise<void> {
  const started =
    analyzer.state === 'running' ? Promise.resolve() : nextEvent(analyzer, 'state-change', (event) => event.detail.state === 'running');
  await analyzer.start();
  await started;
}

/** The next `pool-stats` event whose snapshot satisfies `accept`. */
export function statsWhere(analyzer: AudioPoolAnalyzer, accept: (stats: AnalyzerStats) => boolean = () => true) {
  return nextEvent(analyzer, 'pool-stats', (event) => accept(event.detail));
}
