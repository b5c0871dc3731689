/**
 * Resolves with the next `name` event on `target` that satisfies `accept`; rejects after
 * `timeoutMs`. Create it before the action that should cause the event.
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
      resolve(event as HTMLElementEventMap[K]);
    };
    const timer = setTimeout(() => {
      target.removeEventListener(name, listener);
      reject(new Error(`no matching ${name} event within ${timeoutMs} ms`));
    }, timeoutMs);
    target.addEventListener(name, listener);
  });
}

/** Collects every `name` event on `target` until the returned stop function is called. */
export function collectEvents<K extends keyof HTMLElementEventMap>(
  target: EventTarget,
  name: K,
): { events: HTMLElementEventMap[K][]; stop(): void } {
  const events: HTMLElementEventMap[K][] = [];
  const listener = (event: Event) => events.push(event as HTMLElementEventMap[K]);
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
