/**
 * Bundles the AudioWorklet module into one self-contained ES module: a worklet is loaded by URL,
 * and a consumer's bundler copies that one file, so it must not import shared chunks. The test
 * server, the Vite dev server and the build all serve this same bundle.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const WORKLET_ENTRY = fileURLToPath(new URL('../worklet/audio-pool-capture-processor.ts', import.meta.url));
/** The bundle's file name; it sits beside the element modules (see src/worklet-url.ts). */
export const WORKLET_FILE = 'audio-pool-capture-processor.js';
/** Where the dev and test servers serve it: beside the sources in src/. */
export const WORKLET_DEV_PATH = `/src/${WORKLET_FILE}`;

const COMMON = { bundle: true, format: 'esm', target: 'es2022', legalComments: 'none', logLevel: 'warning' };

/**
 * The bundle as a string: for dev servers with an inline source map, for builds minified.
 * `entry` defaults to the capture processor (the benchmark bundles its own baseline too).
 * @param {{ forBuild?: boolean, entry?: string }} [options]
 * @returns {Promise<string>}
 */
export async function bundleWorkletCode(options = {}) {
  const output = options.forBuild ? { minify: true, sourcemap: false } : { sourcemap: 'inline' };
  const result = await build({ ...COMMON, ...output, entryPoints: [options.entry ?? WORKLET_ENTRY], write: false, outdir: 'out' });
  const bundle = result.outputFiles.find((file) => file.path.endsWith('.js'));
  if (!bundle) throw new Error('esbuild produced no worklet bundle');
  return bundle.text;
}

/**
 * Writes the bundle and its source map to `outfile`.
 * @param {string} outfile
 */
export async function writeWorkletBundle(outfile) {
  await build({ ...COMMON, entryPoints: [WORKLET_ENTRY], sourcemap: 'linked', outfile });
}
