/**
 * The page `npm run bench` drives. `?mode=` picks the transport:
 * - `shared`, `copy`, `ping-pong`, `allocate`: the element with that transport;
 * - `clone`: the bench-only copying worklet through the same CaptureSession (with
 *   `audio-stall-ms` and `audio-stall-every`, a worklet that stalls the audio thread on purpose);
 * - `group-N`: the capture worklet with returns grouped by exactly N;
 * - `ringbuf`: the bench-only worklet writing into a SharedArrayBuffer ring (`ringbuf.js`),
 *   drained every DRAIN_INTERVAL_MS; `ringbuf-wait`: the same ring, drained when the worklet wakes
 *   the page through `Atomics.waitAsync` at each batch, as `shared` is woken;
 * - `analyser`: an AnalyserNode polled with `getFloatTimeDomainData` every animation frame.
 * Query parameters `batch-size`, `channels` and `pool-size` configure them; for the element's
 * transports, `analyzers=N` puts N of them on the page, each with its own tone, in one
 * `context-group` when it is given and each in its own AudioContext when not, and `sample-rate`
 * sets their rate; `features` and `fft-size` set their analysis, and `baseline=meyda` adds a
 * listener doing Meyda's nearest work on each frame. `analyser` with `fft-size` also reads the
 * AnalyserNode's spectrum at each poll. The page measures
 * what only the main thread can see (delivery latency, main-thread cost, completeness, underruns)
 * and exposes it as `window.bench`; `bench.offlineHeadroom()` runs the offline render.
 */
import '../src/index.js';
import { RingBuffer } from 'ringbuf.js';
import type { AudioPoolAnalyzer } from '../src/audio-pool-analyzer.js';
import { readOutputUnderruns } from '../src/capture-controller.js';
import { createCaptureNode } from '../src/capture-node.js';
import { CaptureSession } from '../src/capture-session.js';
import { type ActiveTransport, CAPTURE_OPTIONS, DEFAULT_CONFIG } from '../src/config.js';
import { writeLevels } from '../src/dispatched-frame.js';
import type { AnalysisFrame, OutputUnderruns } from '../src/events.js';
import { PROCESSOR_NAME, PROTOCOL_VERSION } from '../src/protocol.js';
import type { PoolStats } from '../src/stats.js';
import { defaultWorkletUrl } from '../src/worklet-url.js';

export interface WindowResult {
  crossOriginIsolated: boolean;
  seconds: number;
  batches: number;
  expectedBatches: number;
  /** Every recorded frame that reported skips: when (ms into the window), how many frames, and whether it was its track's first. */
  skipReports: { atMs: number; frames: number; first: boolean }[];
  /** The page's long tasks (over 50 ms) in the window, where the browser reports them: start (ms into the window) and duration. */
  longTasks: { atMs: number; ms: number }[];
  /** Batches of the analyzers in the first AudioContext (the worklet whose heap the bench samples). */
  firstContextBatches: number;
  /** The analyzers on the page, and the AudioContexts they ran in. */
  analyzers: number;
  contexts: number;
  /** AnalyserNode only: frames no poll saw, and frames more than one poll saw. */
  missedFrames: number | null;
  repeatedFrames: number | null;
  /** Ring only: frames the worklet dropped because the ring was full. */
  droppedFrames: number | null;
  latencyMs: number[];
  costMs: number[];
  resumeMs: number[];
  underrunEvents: number;
  underrunMs: number;
  stats: PoolStats | null;
  statsAtStart: PoolStats | null;
  /** The context's rate: every mode runs at the device's, as the element does. */
  sampleRate: number;
}

/** What one offline render of `processCost` took, and where the time went. */
export interface QuantumCostResult {
  variant: string;
  batchSize: number;
  channels: number;
  quanta: number;
  /** Wall time of the render with the suspensions (the main thread's share) taken out, ms. */
  renderMs: number;
  /** Time spent suspended while the page took its batches and gave back what it owed, ms. */
  suspendedMs: number;
  stats: PoolStats | null;
}

export interface OfflineResult {
  stepBatches: number;
  audioSeconds: number;
  wallSeconds: number;
  timesRealTime: number;
  stats: PoolStats;
}

const query = new URLSearchParams(location.search);
/**
 * `wake=message`: the page goes without `Atomics.waitAsync`, so `shared` asks for the worklet's
 * `wake` message, as a browser with SharedArrayBuffer but no `waitAsync` would: what that fallback
 * costs the page, measured in Chromium.
 */
if (query.get('wake') === 'message') delete (Atomics as typeof Atomics & { waitAsync?: unknown }).waitAsync;
const mode = query.get('mode') ?? 'ping-pong';
const batchSize = Number(query.get('batch-size') ?? 1024);
const channels = Number(query.get('channels') ?? 1);
const poolSize = Number(query.get('pool-size') ?? DEFAULT_CONFIG.poolSize);
const analyzerCount = Number(query.get('analyzers') ?? 1);
const contextGroup = query.get('context-group');
/** The element's analysis (`features`, `fft-size`), and a baseline listener doing the like with Meyda. */
const features = query.get('features');
const fftSize = query.get('fft-size');
const baseline = query.get('baseline');
/** The element's `sample-rate` (empty: the device's). */
const sampleRateAttribute = query.get('sample-rate');
/** Clone only: `audio-stall-ms` busy-waits on the audio thread every `audio-stall-every` quanta (the underrun calibration). */
const audioStall = { ms: Number(query.get('audio-stall-ms') ?? 0), every: Number(query.get('audio-stall-every') ?? 0) };
/** `?record=counts` keeps no per-batch samples, so long runs (the soak) measure the element, not this page. */
const recordSamples = query.get('record') !== 'counts';
/** How often the page drains the ring: a few times per 128-frame batch at most. */
const DRAIN_INTERVAL_MS = 5;

/** The first (or only) context; `contexts` lists every one the page runs. */
let context: AudioContext;
let contexts: AudioContext[] = [];
/** Sets an attribute of the analyzers (element modes only). */
let configure: (attribute: string, value: number) => void = () => {};
let latestStats: () => PoolStats | null = () => null;
let requestStats: () => Promise<PoolStats | null> = async () => null;
let ringDropped: () => number | null = () => null;

let windowStart = 0;
let statsAtStart: PoolStats | null = null;
let droppedAtStart = 0;
let playbackAtStart: OutputUnderruns = { events: 0, durationMs: 0 };
/** Per analyzer (one track in the other modes): its first and last batch's frame, and its batches. */
interface Track {
  context: AudioContext;
  firstFrame: number;
  lastFrame: number;
  batches: number;
  /** Its place in `tracks`. */
  index: number;
  /** Page time minus context time (ms) as the output timestamp last read says. */
  outputOffsetMs: number;
  /** Frames received since that read, and how many frames apart reads are (OUTPUT_TIMESTAMP_EVERY_MS of audio). */
  framesSinceOffsetRead: number;
  offsetReadFrames: number;
}

/**
 * How often, in audio time, a track reads its context's output timestamp again. Each read makes
 * an object: read per batch, they came to about 130 B per batch (`bench:profile --page`), more
 * than a batch of `shared` costs the page at 128 frames. Between reads the clocks' offset moves
 * by their drift only.
 */
const OUTPUT_TIMESTAMP_EVERY_MS = 250;

/**
 * Samples taken per batch, in a Float64Array that grows by doubling: pushing onto an array would
 * reallocate it as it grows, garbage the bench would count as the transport's.
 */
class Samples {
  private values = new Float64Array(1 << 16);
  length = 0;

  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(2 * this.length);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }

  /** Adds `value` to the last sample, if there is one. */
  addToLast(value: number): void {
    if (this.length > 0) (this.values[this.length - 1] as number) += value;
  }

  clear(): void {
    this.length = 0;
  }

  toArray(): number[] {
    return Array.from(this.values.subarray(0, this.length));
  }
}
let tracks: Track[] = [];
/** Batches received, all tracks together. */
let batches = 0;
let skipReports: WindowResult['skipReports'] = [];
let longTasks: WindowResult['longTasks'] = [];
if (PerformanceObserver.supportedEntryTypes?.includes('longtask')) {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longTasks.push({ atMs: entry.startTime - windowStart, ms: entry.duration });
  }).observe({ type: 'longtask' });
}
/**
 * Latency is worked out after the window from what each batch recorded raw: when it arrived, its
 * track and the frame it ended at, with each track's clock offsets as they were read. Per batch
 * this stores numbers it was handed; the arithmetic, done per batch, would box a few doubles
 * (about 50 B per batch at 1024 frames before the JIT optimised it, `bench:profile --page`),
 * garbage the bench would count as the transport's.
 */
class Latencies {
  private readonly receivedAt = new Samples();
  private readonly trackIndex = new Samples();
  private readonly endFrame = new Samples();
  /** Offset reads in the window: the batch they apply from, the track, and the offset. */
  private readonly offsetFrom = new Samples();
  private readonly offsetTrack = new Samples();
  private readonly offsetMs = new Samples();
  /** Each track's offset when the window began. */
  private offsetsAtStart: number[] = [];

  push(track: Track, now: number, endFrame: number): void {
    this.receivedAt.push(now);
    this.trackIndex.push(track.index);
    this.endFrame.push(endFrame);
  }

  offsetRead(track: Track): void {
    this.offsetFrom.push(this.receivedAt.length);
    this.offsetTrack.push(track.index);
    this.offsetMs.push(track.outputOffsetMs);
  }

  clear(): void {
    for (const samples of [this.receivedAt, this.trackIndex, this.endFrame, this.offsetFrom, this.offsetTrack, this.offsetMs])
      samples.clear();
    this.offsetsAtStart = tracks.map((track) => track.outputOffsetMs);
  }

  /** Each batch's latency: received at, minus the page time its last frame was due at the output. */
  toArray(): number[] {
    const offsets = [...this.offsetsAtStart];
    const from = this.offsetFrom.toArray();
    const offsetTracks = this.offsetTrack.toArray();
    const offsetValues = this.offsetMs.toArray();
    const receivedAt = this.receivedAt.toArray();
    const trackIndex = this.trackIndex.toArray();
    const endFrame = this.endFrame.toArray();
    let read = 0;
    return receivedAt.map((at, i) => {
      for (; read < from.length && (from[read] as number) <= i; read++)
        offsets[offsetTracks[read] as number] = offsetValues[read] as number;
      const track = tracks[trackIndex[i] as number] as Track;
      return at - ((offsets[track.index] as number) + ((endFrame[i] as number) / track.context.sampleRate) * 1000);
    });
  }
}
const latencies = new Latencies();
const costMs = new Samples();
/** Shared transport: wake-ups timed so far (one in TIMED_WAKE_EVERY is). */
let wakes = 0;
/** AnalyserNode polls: the last frame a poll saw, and what the polls missed or saw again. */
let seenUpTo = -1;
let missedFrames = 0;
let repeatedFrames = 0;
/** When the last stall ended, and how long after each the first fresh batch (the one reporting skips) arrived. */
let stallEndedAt = -1;
let resumeMs: number[] = [];

/** Records one batch of `frames` frames starting at context frame `frame`, received at `now`. */
function record(frame: number, frames: number, skippedFrames: number, now: number, track = tracks[0] as Track): void {
  track.framesSinceOffsetRead += frames;
  if (track.framesSinceOffsetRead >= track.offsetReadFrames) {
    const stamp = track.context.getOutputTimestamp();
    // Before the output runs the timestamp reads zeros: read again at the next batch.
    if ((stamp.performanceTime ?? 0) > 0) {
      track.outputOffsetMs = (stamp.performanceTime ?? 0) - (stamp.contextTime ?? 0) * 1000;
      track.framesSinceOffsetRead = 0;
      if (recordSamples) latencies.offsetRead(track);
    }
  }
  if (recordSamples) latencies.push(track, now, frame + frames);
  if (stallEndedAt >= 0 && skippedFrames > 0) {
    resumeMs.push(now - stallEndedAt);
    stallEndedAt = -1;
  }
  if (skippedFrames > 0) skipReports.push({ atMs: now - windowStart, frames: skippedFrames, first: track.firstFrame < 0 });
  if (track.firstFrame < 0) track.firstFrame = frame;
  track.lastFrame = frame;
  track.batches++;
  batches++;
}

function onFrame(frame: AnalysisFrame, track?: Track): void {
  record(frame.frame, frame.channelData[0]?.length ?? 0, frame.skippedFrames, performance.now(), track);
  // What a typical consumer does with a frame: read its level.
  if ((frame.rms[0] ?? 0) > 1) throw new Error('impossible level');
}

/**
 * Times the session's message handler for each batch, and the returns it posts: the main
 * thread's cost per batch. Other messages (stats, a few a second) are not batches and not timed.
 */
function instrument(target: MessagePort): void {
  const handle = target.onmessage;
  const post = target.postMessage.bind(target) as (message: unknown, transfer?: Transferable[]) => void;
  let handling = false;
  target.onmessage = (event) => {
    const started = performance.now();
    handling = true;
    try {
      handle?.call(target, event);
    } finally {
      handling = false;
    }
    if (recordSamples && event.data instanceof ArrayBuffer) costMs.push(performance.now() - started);
  };
  target.postMessage = ((message: unknown, transfer?: Transferable[]) => {
    const started = performance.now();
    post(message, transfer);
    // A return posted inside the handler is already in its time; one posted by the group's timer is added to the last batch.
    if (!handling) costMs.addToLast(performance.now() - started);
  }) as MessagePort['postMessage'];
}

/** Timing a wake-up wraps its promise (a few objects): one in this many is timed, so the page's heap stays the transport's. */
const TIMED_WAKE_EVERY = 16;

type WaitAsync = (array: Int32Array, index: number, value: number) => { async: boolean; value: unknown };

/**
 * The shared transport delivers no message: its main-thread cost is the drain that runs when
 * `Atomics.waitAsync` wakes the page, split evenly among the batches it dispatched. Wraps
 * `Atomics.waitAsync` to time one wake-up in TIMED_WAKE_EVERY.
 */
function instrumentWakes(): void {
  const atomics = Atomics as typeof Atomics & { waitAsync?: WaitAsync };
  const waitAsync = atomics.waitAsync?.bind(Atomics);
  if (!waitAsync) return;
  atomics.waitAsync = (array, index, value) => {
    const result = waitAsync(array, index, value);
    if (!result.async || wakes++ % TIMED_WAKE_EVERY !== 0) return result;
    const woken = result.value as Promise<unknown>;
    const timedThen = (onWake: (outcome: unknown) => void) =>
      woken.then((outcome) => {
        const started = performance.now();
        const before = batches;
        onWake(outcome);
        const dispatched = batches - before;
        const each = (performance.now() - started) / dispatched;
        if (recordSamples) for (let i = 0; i < dispatched; i++) costMs.push(each);
      });
    // biome-ignore lint/suspicious/noThenProperty: a stand-in for the promise Atomics.waitAsync returns, timing what its callback does.
    return { async: true, value: { then: timedThen } };
  };
}

/** The underruns of every context on the page, summed. */
function playback(): OutputUnderruns {
  const total = { events: 0, durationMs: 0 };
  for (const each of contexts) {
    const underruns = readOutputUnderruns(each);
    if (!underruns) throw new Error('this browser has no AudioContext.playbackStats: underruns cannot be measured');
    total.events += underruns.events;
    total.durationMs += underruns.durationMs;
  }
  return total;
}

/** Meyda's nearest to the element's levels, zcr and spectrum, on one channel of a frame. */
async function meydaExtractor(): Promise<(samples: Float32Array) => void> {
  const { default: Meyda } = await import('meyda');
  Meyda.bufferSize = batchSize;
  return (samples) => {
    Meyda.sampleRate = context.sampleRate;
    const result = Meyda.extract(['rms', 'zcr', 'amplitudeSpectrum'], samples);
    if (result === null) throw new Error('Meyda extracted nothing');
  };
}

/** Starts the tracks on the contexts made so far. */
function useContexts(made: AudioContext[]): void {
  contexts = [...new Set(made)];
  context = made[0] as AudioContext;
  tracks = made.map((each, index) => {
    const offsetReadFrames = Math.round((each.sampleRate * OUTPUT_TIMESTAMP_EVERY_MS) / 1000);
    // The first batch reads the offset.
    return {
      context: each,
      index,
      firstFrame: -1,
      lastFrame: -1,
      batches: 0,
      outputOffsetMs: 0,
      framesSinceOffsetRead: offsetReadFrames,
      offsetReadFrames,
    };
  });
}

const SHARED_SETTINGS = new Set(['currentFrame', 'sampleRate', 'poolSize', 'batchSize', 'channels', 'timeout', 'bufferBytes', 'hitRate']);

/** Every counter summed over the analyzers; the settings (rate, batch, sizes) are the first's. */
function sumStats(all: PoolStats[]): PoolStats {
  const numbers = all as unknown as Record<string, number>[];
  const total = { ...numbers[0] } as Record<string, unknown>;
  for (const [field, value] of Object.entries(total)) {
    if (typeof value !== 'number' || SHARED_SETTINGS.has(field)) continue;
    total[field] = numbers.reduce((sum, stats) => sum + (stats[field] ?? 0), 0);
  }
  return total as unknown as PoolStats;
}

function toneInto(target: BaseAudioContext, node: AudioNode): OscillatorNode {
  const tone = new OscillatorNode(target, { frequency: 440 });
  tone.connect(new GainNode(target, { gain: 0.5 })).connect(node);
  return tone;
}

async function startElement(): Promise<void> {
  const analyzers = Array.from({ length: analyzerCount }, () => {
    const analyzer = document.createElement('audio-pool-analyzer') as AudioPoolAnalyzer;
    analyzer.setAttribute('transport', mode);
    analyzer.setAttribute('batch-size', String(batchSize));
    analyzer.setAttribute('channels', String(channels));
    analyzer.setAttribute('pool-size', String(poolSize));
    analyzer.setAttribute('source', 'test-tone');
    if (contextGroup !== null) analyzer.setAttribute('context-group', contextGroup);
    if (sampleRateAttribute !== null) analyzer.setAttribute('sample-rate', sampleRateAttribute);
    if (features !== null) analyzer.setAttribute('features', features);
    if (fftSize !== null) analyzer.setAttribute('fft-size', fftSize);
    document.body.append(analyzer);
    return analyzer;
  });
  if (mode === 'shared') instrumentWakes();
  for (const analyzer of analyzers) await analyzer.start();
  useContexts(
    analyzers.map((analyzer) => {
      if (!analyzer.context || !analyzer.node) throw new Error(`analyzer did not start: ${analyzer.state}`);
      if (analyzer.transportActive !== mode) throw new Error(`asked for ${mode}, running ${analyzer.transportActive}`);
      return analyzer.context;
    }),
  );
  const extract = baseline === 'meyda' ? await meydaExtractor() : null;
  analyzers.forEach((analyzer, i) => {
    const track = tracks[i] as Track;
    analyzer.addEventListener('analysis-frame', (event) => {
      onFrame(event.detail, track);
      extract?.(event.detail.channelData[0] as Float32Array);
    });
    instrument((analyzer.node as AudioWorkletNode).port);
  });
  latestStats = () => sumStats(analyzers.map((analyzer) => analyzer.stats as PoolStats));
  configure = (attribute, value) => {
    for (const analyzer of analyzers) analyzer.setAttribute(attribute, String(value));
  };
  requestStats = async () =>
    sumStats(
      await Promise.all(
        analyzers.map(
          (analyzer) =>
            new Promise<PoolStats>((resolve) => {
              analyzer.addEventListener('pool-stats', (event) => resolve(event.detail), { once: true });
            }),
        ),
      ),
    );
}

function workletNode(target: BaseAudioContext, processor: string, processorOptions: Record<string, unknown>): AudioWorkletNode {
  const node = new AudioWorkletNode(target, processor, { channelCount: channels, channelCountMode: 'explicit', processorOptions });
  toneInto(target, node).start();
  node.connect(target.destination);
  return node;
}

/** A worklet and a CaptureSession without the element: the clone baseline, or ping-pong with a fixed return group. */
async function startSession(moduleUrl: string, processor: string, groupSize?: number): Promise<void> {
  useContexts([new AudioContext()]);
  await context.audioWorklet.addModule(moduleUrl);
  const config = { ...DEFAULT_CONFIG, transport: 'ping-pong' as const, batchSize, channels, poolSize };
  const node = workletNode(context, processor, { protocolVersion: PROTOCOL_VERSION, config, audioStall });
  const policy = groupSize === undefined ? {} : { groupSize, maxDelayMs: 1000 };
  const session = new CaptureSession(node.port, context.sampleRate, config, { frame: onFrame }, policy);
  // Only the capture processor answers request-stats; the clone baseline keeps no stats.
  if (processor === PROCESSOR_NAME) {
    latestStats = () => session.latestStats;
    requestStats = () => session.requestStats();
  }
  instrument(node.port);
  await context.resume();
}

/**
 * The ring baseline: as much ring as the pool holds (pool-size × batch-size frames), drained on a
 * timer; or, `waitAsync`, woken at each batch by `Atomics.waitAsync` as `shared` is (and timed as
 * its wake-ups are): the wake-up alone, on a page that fires nothing.
 */
async function startRing(waitAsync: boolean): Promise<void> {
  useContexts([new AudioContext()]);
  await context.audioWorklet.addModule('/bench/ringbuf-processor.js');
  const storage = RingBuffer.getStorageForCapacity(poolSize * batchSize, Float32Array);
  const control = new SharedArrayBuffer(2 * Float64Array.BYTES_PER_ELEMENT);
  const controlView = new Float64Array(control);
  const wakeView = waitAsync ? new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT)) : null;
  const doorbell = wakeView === null ? {} : { wake: wakeView.buffer, wakeFrames: batchSize };
  workletNode(context, 'bench-ringbuf-capture', { ring: storage, control, ...doorbell });
  const ring = new RingBuffer(storage, Float32Array);
  const batch = new Float32Array(batchSize);
  const rms = [0];
  const peak = [0];
  ringDropped = () => controlView[1] as number;
  const drain = (): void => {
    for (;;) {
      const started = performance.now();
      // The ring ends at the frame in control[0]; read both again if a push came in between.
      let endFrame: number;
      let available: number;
      do {
        endFrame = controlView[0] as number;
        available = ring.availableRead();
      } while (controlView[0] !== endFrame);
      if (available < batchSize) break;
      ring.pop(batch, batchSize);
      writeLevels(batch, 0, rms, peak);
      record(endFrame - available, batchSize, 0, started);
      if (recordSamples && wakeView === null) costMs.push(performance.now() - started);
    }
  };
  if (wakeView !== null) {
    instrumentWakes();
    const atomics = Atomics as typeof Atomics & { waitAsync: WaitAsync };
    // The order (read the count, set the flag, look again, wait) loses no wake-up, as in shared-slots.ts.
    const onWake = (): void => {
      for (;;) {
        drain();
        const seen = Atomics.load(wakeView, 0);
        Atomics.store(wakeView, 1, 1);
        if (ring.availableRead() >= batchSize) continue;
        const result = atomics.waitAsync(wakeView, 0, seen);
        if (!result.async) continue;
        void (result.value as Promise<unknown>).then(onWake);
        return;
      }
    };
    onWake();
  } else {
    setInterval(drain, DRAIN_INTERVAL_MS);
  }
  await context.resume();
}

/**
 * What most pages do: an AnalyserNode of batch-size frames polled every animation frame. A poll
 * sees the batch-size frames up to the context's current frame; what lies between two polls'
 * windows is missed, what they share is seen twice.
 */
async function startAnalyser(): Promise<void> {
  useContexts([new AudioContext()]);
  // With `fft-size`, the time-domain window and the spectrum come from an analyser of that size.
  const analyser = new AnalyserNode(context, { fftSize: Number(fftSize ?? batchSize) });
  toneInto(context, analyser).start();
  analyser.connect(context.destination);
  const samples = new Float32Array(analyser.fftSize);
  const spectrum = fftSize === null ? null : new Float32Array(analyser.frequencyBinCount);
  const rms = [0];
  const peak = [0];
  const poll = (): void => {
    const started = performance.now();
    const end = Math.round(context.currentTime * context.sampleRate);
    analyser.getFloatTimeDomainData(samples);
    if (spectrum) analyser.getFloatFrequencyData(spectrum);
    writeLevels(samples, 0, rms, peak);
    const start = end - batchSize;
    if (seenUpTo >= 0) {
      if (start > seenUpTo) missedFrames += start - seenUpTo;
      else repeatedFrames += Math.min(seenUpTo, end) - start;
    }
    seenUpTo = Math.max(seenUpTo, end);
    record(start, batchSize, 0, started);
    if (recordSamples) costMs.push(performance.now() - started);
    requestAnimationFrame(poll);
  };
  await context.resume();
  requestAnimationFrame(poll);
}

/**
 * Renders `seconds` of the tone through the capture worklet in an OfflineAudioContext, suspending
 * every `stepBatches` batches to let the main thread take the batches and return them
 * promptly (then rendering goes on). The larger the step, the faster the render and the more the
 * pool must hold; past the pool size it skips.
 */
async function offlineHeadroom(stepBatches: number, seconds: number): Promise<OfflineResult> {
  const sampleRate = 48000;
  const offline = new OfflineAudioContext({ numberOfChannels: 1, length: seconds * sampleRate, sampleRate });
  await offline.audioWorklet.addModule(defaultWorkletUrl());
  const config = { ...DEFAULT_CONFIG, transport: 'ping-pong' as const, batchSize, channels: 1, poolSize };
  const node = workletNode(offline, PROCESSOR_NAME, { protocolVersion: PROTOCOL_VERSION, config });
  const session = new CaptureSession(node.port, sampleRate, config);
  const stepFrames = stepBatches * batchSize;
  let step = 1;
  const suspendAtNextStep = (): void => {
    if (step * stepFrames >= offline.length) return;
    offline.suspend((step * stepFrames) / sampleRate).then(async () => {
      // Messages are answered in order: once stats come back, every batch so far has arrived,
      // and once the second answer comes back the worklet has taken the returns.
      await session.requestStats();
      session.flushReturns();
      await session.requestStats();
      step++;
      suspendAtNextStep();
      await offline.resume();
    });
  };
  suspendAtNextStep();
  const started = performance.now();
  await offline.startRendering();
  const wallSeconds = (performance.now() - started) / 1000;
  const stats = await session.requestStats();
  session.dispose();
  return { stepBatches, audioSeconds: seconds, wallSeconds, timesRealTime: seconds / wallSeconds, stats };
}

/**
 * Renders `seconds` of a tone offline with `variant` in the graph: `none` (the tone alone),
 * `bare` (a worklet that does nothing with its input) or a transport's capture processor, with
 * `channels` input channels. Every `stepBatches` batches the render is suspended until the page
 * has taken the batches and given back what it owes, in every variant alike; the time suspended
 * (the main thread's share) is left out of `renderMs`.
 */
async function processCost(variant: string, seconds: number, stepBatches: number): Promise<QuantumCostResult> {
  const sampleRate = 48000;
  const offline = new OfflineAudioContext({ numberOfChannels: 1, length: seconds * sampleRate, sampleRate });
  const tone = new OscillatorNode(offline, { frequency: 440 });
  let session: CaptureSession | null = null;
  if (variant === 'none') {
    tone.connect(offline.destination);
  } else if (variant === 'bare') {
    await offline.audioWorklet.addModule('/bench/bare-processor.js');
    const node = new AudioWorkletNode(offline, 'bench-bare', { channelCount: channels, channelCountMode: 'explicit' });
    tone.connect(node).connect(offline.destination);
  } else {
    await offline.audioWorklet.addModule(defaultWorkletUrl());
    const config = { ...DEFAULT_CONFIG, transport: variant as ActiveTransport, batchSize, channels, poolSize };
    const node = createCaptureNode(offline, config);
    tone.connect(node);
    session = new CaptureSession(node.port, sampleRate, config);
  }
  tone.start();
  const stepFrames = stepBatches * batchSize;
  let suspendedMs = 0;
  for (let step = 1; step * stepFrames < offline.length; step++) {
    offline.suspend((step * stepFrames) / sampleRate).then(async () => {
      const suspendedAt = performance.now();
      if (session) {
        // Messages are answered in order: once stats come back, every batch so far has arrived,
        // and once the second answer comes back the worklet has taken what the page gave back.
        await session.requestStats();
        session.flushReturns();
        await session.requestStats();
      }
      suspendedMs += performance.now() - suspendedAt;
      await offline.resume();
    });
  }
  const started = performance.now();
  await offline.startRendering();
  const wallMs = performance.now() - started;
  const stats = session ? await session.requestStats() : null;
  session?.dispose();
  return { variant, batchSize, channels, quanta: offline.length / 128, renderMs: wallMs - suspendedMs, suspendedMs, stats };
}

const bench = {
  mode,
  async start(): Promise<void> {
    if (mode === 'clone') await startSession('/bench/clone-processor.js', 'bench-clone-capture');
    else if (mode === 'ringbuf' || mode === 'ringbuf-wait') await startRing(mode === 'ringbuf-wait');
    else if (mode === 'analyser') await startAnalyser();
    else if (mode.startsWith('group-')) await startSession(defaultWorkletUrl(), PROCESSOR_NAME, Number(mode.slice('group-'.length)));
    else await startElement();
  },
  offlineHeadroom,
  processCost,
  /**
   * Warm-up. Code that runs once per batch at 47 batches a second, or once per stats snapshot
   * (4 a second), is still tiering up in the JIT a minute later, allocating as it goes (measured:
   * gone after 90 s). The warm-up runs the same code far more often: batches of 128 frames and a
   * snapshot every 50 ms; the window then runs the batch size and stats interval measured.
   */
  warmUp(fast: boolean): void {
    configure('batch-size', fast ? CAPTURE_OPTIONS.batchSize.min : batchSize);
    configure('stats-interval', fast ? CAPTURE_OPTIONS.statsInterval.min : CAPTURE_OPTIONS.statsInterval.default);
  },
  /** Starts a measurement window: clears the samples and remembers the counters. */
  async beginWindow(): Promise<void> {
    statsAtStart = (await requestStats()) ?? latestStats();
    playbackAtStart = playback();
    droppedAtStart = ringDropped() ?? 0;
    windowStart = performance.now();
    for (const track of tracks) Object.assign(track, { firstFrame: -1, lastFrame: -1, batches: 0 });
    batches = 0;
    skipReports = [];
    longTasks = [];
    seenUpTo = -1;
    missedFrames = 0;
    repeatedFrames = 0;
    latencies.clear();
    costMs.clear();
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
    const dropped = ringDropped();
    const elapsedSeconds = (performance.now() - windowStart) / 1000;
    return {
      crossOriginIsolated: window.crossOriginIsolated,
      seconds: elapsedSeconds,
      batches,
      // A track that delivered nothing misses the whole window.
      expectedBatches: tracks.reduce(
        (sum, track) =>
          sum +
          (track.firstFrame < 0
            ? Math.floor((elapsedSeconds * track.context.sampleRate) / batchSize)
            : (track.lastFrame - track.firstFrame) / batchSize + 1),
        0,
      ),
      skipReports,
      longTasks,
      firstContextBatches: tracks.reduce((sum, track) => sum + (track.context === context ? track.batches : 0), 0),
      analyzers: tracks.length,
      contexts: contexts.length,
      missedFrames: mode === 'analyser' ? missedFrames : null,
      repeatedFrames: mode === 'analyser' ? repeatedFrames : null,
      droppedFrames: dropped === null ? null : dropped - droppedAtStart,
      latencyMs: latencies.toArray(),
      costMs: costMs.toArray(),
      resumeMs,
      underrunEvents: now.events - playbackAtStart.events,
      underrunMs: now.durationMs - playbackAtStart.durationMs,
      stats,
      statsAtStart,
      sampleRate: context.sampleRate,
    };
  },
};

Object.assign(window, { bench });
