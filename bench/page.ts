/**
 * The page the benchmark drives: one analyzer configured from the query string
 * (`?transport=allocate&batch-size=128&channels=8&pool-size=16`), with a listener that does
 * what a typical consumer does (reads the levels) and counts what it sees.
 */
import '../src/index.js';
import type { AudioPoolAnalyzer } from '../src/audio-pool-analyzer.js';

const analyzer = document.querySelector('audio-pool-analyzer') as AudioPoolAnalyzer;
for (const [name, value] of new URLSearchParams(location.search)) analyzer.setAttribute(name, value);

const seen = { frames: 0, skippedFrames: 0, level: 0 };
analyzer.addEventListener('analysis-frame', (event) => {
  seen.frames++;
  seen.skippedFrames += event.detail.skippedFrames;
  seen.level = event.detail.rms[0] ?? 0;
});

Object.assign(window, { analyzer, seen });
