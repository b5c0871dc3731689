/**
 * Where the bundled worklet module sits: beside this module, both in the source tree (served by
 * the dev and test servers' bundling plugin) and in the published package (`dist/src/`). No
 * source file has this name, so bundlers keep the literal URL and consumers' bundlers copy the
 * real file.
 */
export const DEFAULT_WORKLET_URL: string = new URL('./audio-pool-capture-processor.js', import.meta.url).href;
