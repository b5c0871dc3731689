/**
 * The start-up row of `npm run bench`: 20 starts of a test-tone analyzer (batch 512), each timed
 * from `start()` called to resolved and from resolved to the first `analysis-frame`, with the
 * context's clock read when `start()` resolves. Run by bench/startup/run.js in every engine the
 * test runner drives; the samples go back to it by a server command.
 */
import { executeServerCommand } from '@web/test-runner-commands';
import '../../src/index.js';
import type { AudioPoolAnalyzer } from '../../src/audio-pool-analyzer.js';

const STARTS = 20;
const BATCH_SIZE = 512;
const FIRST_FRAME_WAIT_MS = 10000;

interface StartSample {
  resolveMs: number;
  firstFrameMs: number | null;
  clockAtResolve: number;
  stateAtResolve: string;
  sampleRate: number;
}

async function startOnce(): Promise<StartSample> {
  const analyzer = document.createElement('audio-pool-analyzer') as AudioPoolAnalyzer;
  analyzer.setAttribute('source', 'test-tone');
  analyzer.setAttribute('batch-size', String(BATCH_SIZE));
  document.body.append(analyzer);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const firstFrame = new Promise<number | null>((resolve) => {
    analyzer.addEventListener('analysis-frame', () => resolve(performance.now()), { once: true });
    timer = setTimeout(() => resolve(null), FIRST_FRAME_WAIT_MS);
  });
  const called = performance.now();
  await analyzer.start();
  const resolved = performance.now();
  const clockAtResolve = analyzer.context?.currentTime ?? -1;
  const stateAtResolve = analyzer.state;
  const sampleRate = analyzer.context?.sampleRate ?? 0;
  const first = await firstFrame;
  clearTimeout(timer);
  await analyzer.stop();
  analyzer.remove();
  return {
    resolveMs: resolved - called,
    firstFrameMs: first === null ? null : first - resolved,
    clockAtResolve,
    stateAtResolve,
    sampleRate,
  };
}

it('start-up', async function () {
  this.timeout(STARTS * (FIRST_FRAME_WAIT_MS + 5000));
  const samples: StartSample[] = [];
  for (let i = 0; i < STARTS; i++) samples.push(await startOnce());
  await executeServerCommand('startup-samples', { batchSize: BATCH_SIZE, userAgent: navigator.userAgent, samples });
});
