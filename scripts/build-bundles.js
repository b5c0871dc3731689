/**
 * Writes the two bundles that sit beside the library's modules in dist/src/: the worklet module
 * (self-contained, loaded by URL) and a standalone build of the elements with Lit included, for
 * pages without a bundler (`<script type="module" src=".../dist/src/standalone.js">`).
 */
import { build } from 'esbuild';
import { WORKLET_FILE, writeWorkletBundle } from './worklet-bundle.js';

await writeWorkletBundle(`dist/src/${WORKLET_FILE}`);
await build({
  entryPoints: ['src/index.ts'],
  outfile: 'dist/src/standalone.js',
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: 'linked',
  legalComments: 'none',
  // The worklet stays its own file, found next to this bundle at run time.
  external: [`./${WORKLET_FILE}`],
  logLevel: 'warning',
});
console.log(`built dist/src/${WORKLET_FILE} and dist/src/standalone.js`);
