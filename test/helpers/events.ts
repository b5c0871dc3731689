import type { AnalysisFrame } from '../../src/events.js';

function noop(): void {}

/** Where a kept frame finds `retain()`: on its prototype, as a dispatched frame does, so that its own keys are the same. */
const KEPT_FRAME = { retain: () => noop };

/** The fields that tell one dispatched batch from another, read during dispatch: to check that a kept frame still shows its batch. */
export function frameFields(frame: AnalysisFrame) {
  return {
    sequence: frame.sequence,
    frame: frame.frame,
    time: frame.time,
    rms: [...frame.rms],
    bufferId: frame.bufferId,
    first: frame.channelData[0]?.[0],
  };
}

/**
 * A copy of a frame, taken during its dispatch: the frame object and its views are valid then
 * only (`shared` fills one frame per slot again for each of its batches). Its `retain()` keeps
 * nothing, as a frame's own does once the dispatch is over.
 */
export function keepFrame(frame: AnalysisFrame): AnalysisFrame {
  return Object.assign(Object.create(KEPT_FRAME) as AnalysisFrame, {
    ...frame,
    channelData: frame.channelData.map((channel) => channel.slice()),
    rms: [...frame.rms],
    peak: [...frame.peak],
    rmsDb: frame.rmsDb?.slice() ?? null,
    peakDb: frame.peakDb?.slice() ?? null,
    clippedSamples: frame.clippedSamples?.slice() ?? null,
    spectrum: frame.spectrum?.slice() ?? null,
  });
}

/** The event as it can be kept past its dispatch: an `analysis-frame` with a copy of its frame, any other as it is. */
function keepEvent<K extends keyof HTMLElementEventMap>(event: HTMLElementEventMap[K]): HTMLElementEventMap[K] {
  if (!(event instanceof CustomEvent) || event.type !== 'analysis-frame') return event;
  const init = { detail: keepFrame(event.detail as AnalysisFrame), bubbles: event.bubbles, composed: event.composed };
  return new CustomEvent(event.type, init) as HTMLElementEventMap[K];
}

/**
 * Resolves with the next `name` event on `target` that satisfies `accept` (an `analysis-frame`
 * with a copy of its frame); rejects after `timeoutMs`. Create it before the action that should
 * cause the event.
 */
export function nextEvent<K extends keyof HTMLElementEventMap>(
  target: EventTarget,
  name: K,
  accept: (event: HTMLElementEventMap[K]) => boolean = () => true,
  timeoutMs = 15000,
): Promise<HTMLElementEventMap[K]> {
  return new Promise((resolve, reject) => {
    const listener = (event: Event) => {
      if (!accept(event as HTMLElementEventMap[K])) return;
      target.removeEventListener(name, listener);
      clearTimeout(timer);
      resolve(keepEvent(event as HTMLElementEventMap[K]));
    };
    const timer = setTimeout(() => {
      target.removeEventListener(name, listener);
      reject(new Error(`no matching ${name} event within ${timeoutMs} ms`));
    }, timeoutMs);
    target.addEventListener(name, listener);
  });
}

/** Collects every `name` event on `target` (each `analysis-frame` with a copy of its frame) until the returned stop function is called. */
export function collectEvents<K extends keyof HTMLElementEventMap>(
  target: EventTarget,
  name: K,
): { events: HTMLElementEventMap[K][]; stop(): void } {
  const events: HTMLElementEventMap[K][] = [];
  const listener = (event: Event) => events.push(keepEvent(event as HTMLElementEventMap[K]));
  target.addEventListener(name, listener);
  return { events, stop: () => target.removeEventListener(name, listener) };
}

/** Blocks the main thread for `ms` milliseconds (a busy loop: the point is to stall returns). */
export function blockMainThread(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // Busy-wait on purpose.
  }
}
