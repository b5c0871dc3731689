import { replaceProperty } from './globals.js';

/**
 * Replaces AudioContext with a subclass, as a browser with other behaviour would have: `refuse`
 * may throw before a context is made (a browser refusing its options); `adjust` sees each context
 * made, with its options and the real class (to call the real `suspend()` or `resume()`).
 * Returns the function that puts the real class back.
 */
export function replaceAudioContext({
  refuse,
  adjust,
}: {
  refuse?(options: AudioContextOptions): void;
  adjust?(context: AudioContext, options: AudioContextOptions, Real: typeof AudioContext): void;
}): () => void {
  const Real = AudioContext;
  return replaceProperty(
    globalThis,
    'AudioContext',
    class extends Real {
      constructor(options: AudioContextOptions = {}) {
        refuse?.(options);
        super(options);
        adjust?.(this, options, Real);
      }
    },
  );
}
