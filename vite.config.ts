import { defineConfig, type Plugin } from 'vite';
import { bundleWorkletCode, WORKLET_DEV_PATH, WORKLET_FILE } from './scripts/worklet-bundle.js';

/**
 * Serves the worklet bundle where src/worklet-url.ts points in dev, and emits it beside the demo
 * build's chunks. The library build writes it with scripts/build-worklet.js instead.
 */
function bundledWorklet(): Plugin {
  return {
    name: 'bundled-worklet',
    configureServer(server) {
      server.middlewares.use(async (request, response, next) => {
        if (request.url?.split('?')[0] !== WORKLET_DEV_PATH) return next();
        response.setHeader('Content-Type', 'text/javascript');
        response.end(await bundleWorkletCode());
      });
    },
    async generateBundle() {
      // Beside the chunk that holds src/worklet-url.ts, which Vite puts in the assets folder.
      this.emitFile({ type: 'asset', fileName: `assets/${WORKLET_FILE}`, source: await bundleWorkletCode() });
    },
  };
}

export default defineConfig(({ command, mode }) => {
  if (command === 'build' && mode !== 'demo') {
    // The publishable library: ES modules mirroring src/, lit left to the consumer.
    return {
      build: {
        outDir: 'dist',
        emptyOutDir: true,
        sourcemap: true,
        minify: false,
        lib: { entry: { 'src/index': 'src/index.ts' }, formats: ['es'] },
        rolldownOptions: {
          external: [/^lit($|\/)/, /^@lit\//],
          output: { preserveModules: true, preserveModulesRoot: '.', entryFileNames: '[name].js' },
        },
      },
    };
  }
  return {
    plugins: [bundledWorklet()],
    server: { open: '/demo/' },
    build: { outDir: 'dist-demo', emptyOutDir: true, rolldownOptions: { input: 'demo/index.html' } },
  };
});
