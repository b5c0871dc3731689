/**
 * Where the bundled worklet module sits: beside this module, both in the source tree (served by
 * the dev and test servers' bundling plugin) and in the published package (`dist/src/`). No
 * source file has this name, so bundlers keep the literal URL and consumers' bundlers copy the
 * real file.
 *
 * Resolved when first asked (at the first start), not when the module loads: in a script bundle
 * (IIFE or CommonJS) `import.meta` is empty, and a URL computed at load would throw before the
 * elements are even defined; there `worklet-url` must say where the file is, and only a start
 * without it fails (with `worklet-load-failed`).
 */
export function defaultWorkletUrl(): string {
  try {
    // This exact form (a literal path and import.meta.url) is what bundlers look for to emit the file.
    return new URL('./audio-pool-capture-processor.js', import.meta.url).href;
  } catch {
    throw new Error(
      'this build of audio-pool-analyzer has no import.meta.url (a script bundle?), so it cannot tell where audio-pool-capture-processor.js is: set the worklet-url attribute',
    );
  }
}
