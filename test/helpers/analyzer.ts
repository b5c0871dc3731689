import { fixtureCleanup } from '@open-wc/testing';
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

/**
 * Stops every analyzer on the page (frames included) and waits for its AudioContext to close, then removes the
 * fixtures. Tests end on closed contexts: WebKitGTK's web process can crash when the page goes
 * while an AudioWorklet context is still closing.
 */
export async function stopAnalyzersAndCleanup(): Promise<void> {
  await Promise.all(analyzersIn(document).map((analyzer) => analyzer.stop()));
  fixtureCleanup();
}

/** The analyzers in a document and in its same-origin frames. */
function analyzersIn(root: Document): AudioPoolAnalyzer[] {
  const found = [...root.querySelectorAll<AudioPoolAnalyzer>('audio-pool-analyzer')];
  for (const frame of root.querySelectorAll('iframe')) {
    if (frame.contentDocument) found.push(...analyzersIn(frame.contentDocument));
  }
  return found;
}
