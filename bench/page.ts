/**
 * The page `npm run bench` drives. `?mode=ping-pong|allocate` runs the element with that
 * transport; `?mode=clone` runs the bench-only copying worklet through the same CaptureSession.
 * Query parameters `batch-size` and `channels` configure either. The page measures what only the
 * main thread can see (delivery latency, main-thread cost, completeness, underruns) and exposes
 * it as `window.bench`.
 */
import '../src/index.js';
import type { AudioPoolAnalyzer } from '../src/audio-pool-analyzer.js';
import { type AnalysisFrame, CaptureSession } from '../src/capture-session.js';
import { DEFAULT_CONFIG } from '../src/config.js';
import { type PoolStats, PROCESSOR_NAME, PROTOCOL_VERSION } from '../src/protocol.js';
import { DEFAULT_WORKLET_URL } from '../src/worklet-url.js';

interface PlaybackStats {
  underrunEvents: number;
  underrunDuration: number;
}

export interface WindowResult {
  crossOriginIsolated: boolean;
  seconds: number;
  batches: number;
  expectedBatches: number;
  latencyMs: number[];
  costMs: number[];
  resumeMs: number[];
  underrunEvents: number;
  underrunMs: number;
  stats: PoolStats | null;
  statsAtStart: PoolStats | null;
}

const query = new URLSearchParams(location.search);
const mode = query.get('mode') ?? 'ping-pong';
const batchSize = Number(query.get('batch-size') ?? 1024);
const channels = Number(query.get('channels') ?? 1);
const poolSize = Number(query.get('pool-size') ?? DEFAULT_CONFIG.poolSize);
/** `?record=counts` keeps no per-batch samples, so long runs (the soak) measure the element, not this page. */
const recordSamples = query.get('record') !== 'counts';

let context: AudioContext;
let port: MessagePort;
let latestStats: () => PoolStats | null = () => null;
let requestStats: () => Promise<PoolStats | null> = async () => null;

let windowStart = 0;
let statsAtStart: PoolStats | null = null;
let playbackAtStart: PlaybackStats = { underrunEvents: 0, underrunDuration: 0 };
let firstFrame = -1;
let lastFrame = -1;
let batches = 0;
let latencyMs: number[] = [];
let costMs: number[] = [];
/** When the last stall ended, and how long after each the first fresh batch (the one reporting skips) arrived. */
let stallEndedAt = -1;
let resumeMs: number[] = [];

function onFrame(frame: AnalysisFrame): void {
  const now = performance.now();
  const stamp = context.getOutputTimestamp();
  const batchEnd = (frame.frame + (frame.channelData[0]?.length ?? 0)) / frame.sampleRate;
  if (recordSamples) latencyMs.push(now - ((stamp.performanceTime ?? 0) + (batchEnd - (stamp.contextTime ?? 0)) * 1000));
  if (stallEndedAt >= 0 && frame.skippedFrames > 0) {
    resumeMs.push(now - stallEndedAt);
    stallEndedAt = -1;
  }
  if (firstFrame < 0) firstFrame = frame.frame;
  lastFrame = frame.frame;
  batches++;
  // What a typical consumer does with a frame: read its level.
  if ((frame.rms[0] ?? 0) > 1) throw new Error('impossible level');
}

/** Times the session's message handler and the returns it posts: the main thread's cost. */
function instrument(target: MessagePort): void {
  const handle = target.onmessage;
  const post = target.postMessage.bind(target) as (message: unknown, transfer?: Transferable[]) => void;
  target.onmessage = (event) => {
    const started = performance.now();
    handle?.call(target, event);
    if (recordSamples) costMs.push(performance.now() - started);
  };
  target.postMessage = ((message: unknown, transfer?: Transferable[]) => {
    const started = performance.now();
    post(message, transfer);
    const last = costMs.length - 1;
    if (last >= 0) costMs[last] = (costMs[last] as number) + performance.now() - started;
  }) as MessagePort['postMessage'];
}

function playback(): PlaybackStats {
  const stats = (context as AudioContext & { playbackStats?: PlaybackStats }).playbackStats;
  return { underrunEvents: stats?.underrunEvents ?? 0, underrunDuration: stats?.underrunDuration ?? 0 };
}

async function startElement(): Promise<void> {
  const analyzer = document.createElement('audio-pool-analyzer') as AudioPoolAnalyzer;
  analyzer.setAttribute('transport', mode);
  analyzer.setAttribute('batch-size', String(batchSize));
  analyzer.setAttribute('channels', String(channels));
  analyzer.setAttribute('pool-size', String(poolSize));
  analyzer.setAttribute('source', 'test-tone');
  analyzer.addEventListener('analysis-frame', (event) => onFrame(event.detail));
  document.body.append(analyzer);
  await analyzer.start();
  if (!analyzer.context || !analyzer.node) throw new Error(`analyzer did not start: ${analyzer.state}`);
  context = analyzer.context;
  port = analyzer.node.port;
  latestStats = () => analyzer.stats;
  requestStats = () =>
    new Promise((resolve) => {
      analyzer.addEventListener('pool-stats', (event) => resolve(event.detail), { once: true });
    });
}

/** A worklet and a CaptureSession without the element: the clone baseline, or ping-pong with a fixed return group. */
async function startSession(moduleUrl: string, processor: string, groupSize?: number): Promise<void> {
  context = new AudioContext({ sampleRate: 48000 });
  await context.audioWorklet.addModule(moduleUrl);
  const config = { ...DEFAULT_CONFIG, batchSize, channels, poolSize };
  const node = new AudioWorkletNode(context, processor, {
    channelCount: channels,
    channelCountMode: 'explicit',
    processorOptions: { protocolVersion: PROTOCOL_VERSION, config },
  });
  new OscillatorNode(context, { frequency: 440 }).connect(new GainNode(context, { gain: 0.5 })).connect(node);
  node.connect(context.destination);
  port = node.port;
  const policy = groupSize === undefined ? {} : { groupSize, maxDelayMs: 1000 };
  const session = new CaptureSession(port, context.sampleRate, config, { frame: onFrame }, policy);
  // Only the capture processor answers request-stats; the clone baseline keeps no stats.
  if (processor === PROCESSOR_NAME) {
    latestStats = () => session.latestStats;
    requestStats = () => session.requestStats();
  }
  await context.resume();
}

const bench = {
  mode,
  async start(): Promise<void> {
    if (mode === 'clone') await startSession('/bench/clone-processor.js', 'bench-clone-capture');
    else if (mode.startsWith('group-')) await startSession(DEFAULT_WORKLET_URL, PROCESSOR_NAME, Number(mode.slice('group-'.length)));
    else await startElement();
    instrument(port);
  },
  /** Starts a measurement window: clears the samples and remembers the counters. */
  async beginWindow(): Promise<void> {
    statsAtStart = (await requestStats()) ?? latestStats();
    playbackAtStart = playback();
    windowStart = performance.now();
    firstFrame = -1;
    lastFrame = -1;
    batches = 0;
    latencyMs = [];
    costMs = [];
    resumeMs = [];
  },
  /** Blocks the main thread, as a long task in the page would. */
  stall(ms: number): void {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      // Busy-wait on purpose.
    }
    stallEndedAt = performance.now();
  },
  async endWindow(): Promise<WindowResult> {
    const stats = (await requestStats()) ?? latestStats();
    const now = playback();
    return {
      crossOriginIsolated: window.crossOriginIsolated,
      seconds: (performance.now() - windowStart) / 1000,
      batches,
      expectedBatches: firstFrame < 0 ? 0 : (lastFrame - firstFrame) / batchSize + 1,
      latencyMs,
      costMs,
      resumeMs,
      underrunEvents: now.underrunEvents - playbackAtStart.underrunEvents,
      underrunMs: (now.underrunDuration - playbackAtStart.underrunDuration) * 1000,
      stats,
      statsAtStart,
    };
  },
};

Object.assign(window, { bench });
