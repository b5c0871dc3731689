/** Writes the bundled worklet module beside the library build's modules: dist/src/audio-pool-capture-processor.js. */
import { WORKLET_FILE, writeWorkletBundle } from './worklet-bundle.js';

await writeWorkletBundle(`dist/src/${WORKLET_FILE}`);
console.log(`built dist/src/${WORKLET_FILE}`);
