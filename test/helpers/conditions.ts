/**
 * Conditions re-checked whenever something they depend on happened (`changed()`): tests wait on
 * events this way, never on sleeps. `describe` says where things stand when one times out.
 */
export class Conditions {
  private readonly waiters = new Set<() => void>();
  private readonly describe: () => string;

  constructor(describe: () => string) {
    this.describe = describe;
  }

  /** Resolves once `condition` holds; rejects after `timeoutMs`. */
  until(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}; ${this.describe()}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  /** Something happened: checks every waiting condition. */
  changed(): void {
    for (const check of [...this.waiters]) check();
  }
}

/**
 * Renders an OfflineAudioContext one batch at a time: it suspends at the end of each of the first
 * `steps` batches until `settle(step)` resolves (`step` counts the batches rendered), then resumes.
 */
export async function renderInSteps(
  context: OfflineAudioContext,
  batchSize: number,
  steps: number,
  settle: (step: number) => Promise<void>,
): Promise<void> {
  let step = 1;
  const suspendAtNextBatch = (): void => {
    context.suspend((step * batchSize) / context.sampleRate).then(async () => {
      await settle(step);
      step++;
      if (step <= steps) suspendAtNextBatch();
      await context.resume();
    });
  };
  suspendAtNextBatch();
  await context.startRendering();
}

/**
 * Resolves once `condition` holds, checked at every animation frame of `view`: for what has no
 * event of its own (rendering, layout, an observer's callback). Rejects after `timeoutMs`.
 */
export function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  { timeoutMs = 15000, view = window }: { timeoutMs?: number; view?: Window } = {},
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = async () => {
      try {
        if (await condition()) resolve();
        else if (performance.now() > deadline) reject(new Error(`timed out waiting for ${what}`));
        else view.requestAnimationFrame(check);
      } catch (error) {
        reject(error);
      }
    };
    void check();
  });
}
