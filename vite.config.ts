import { defineConfig, type Plugin } from 'vite';
import { DEMO_AUDIO_FILE, demoAudioWav } from './scripts/demo-audio.js';
import { bundleWorkletCode, WORKLET_DEV_PATH, WORKLET_FILE } from './scripts/worklet-bundle.js';

/**
 * Serves what the demo needs but the repository does not hold as files: the worklet bundle where
 * src/worklet-url.ts points, and the demo's generated audio. Emits both into the demo build (the
 * worklet beside the chunk holding src/worklet-url.ts, which Vite puts in assets/). The library
 * build writes the worklet with scripts/build-bundles.js instead.
 */
function generatedFiles(): Plugin {
  return {
    name: 'generated-files',
    configureServer(server) {
      server.middlewares.use(async (request, response, next) => {
        const path = request.url?.split('?')[0];
        if (path === WORKLET_DEV_PATH) {
          response.setHeader('Content-Type', 'text/javascript');
          response.end(await bundleWorkletCode());
        } else if (path === `/demo/${DEMO_AUDIO_FILE}`) {
          response.setHeader('Content-Type', 'audio/wav');
          response.end(demoAudioWav());
        } else {
          next();
        }
      });
    },
    async generateBundle() {
      this.emitFile({ type: 'asset', fileName: `assets/${WORKLET_FILE}`, source: await bundleWorkletCode({ forBuild: true }) });
      this.emitFile({ type: 'asset', fileName: `demo/${DEMO_AUDIO_FILE}`, source: demoAudioWav() });
    },
  };
}

/** Cross-origin isolation: the page gets SharedArrayBuffer, so the analyzer's `auto` transport picks `shared`. */
const ISOLATED = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/** The demo: `npm start` serves it, `npm run build` writes it to dist-demo/. The library is built by tsc and esbuild. */
export default defineConfig({
  plugins: [generatedFiles()],
  server: { open: '/demo/', headers: ISOLATED },
  preview: { headers: ISOLATED },
  build: { outDir: 'dist-demo', emptyOutDir: true, rolldownOptions: { input: ['demo/index.html', 'demo/tuner.html'] } },
});
