/** Web Test Runner plugins: generated files, a screenshot command, and the packed-tarball fixture. */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { importMetaAssets } from '@web/rollup-plugin-import-meta-assets';
import { build } from 'esbuild';
import { rollup } from 'rollup';
import webpack from 'webpack';
import { DEMO_AUDIO_FILE, demoAudioWav } from './demo-audio.js';
import { bundleWorkletCode, WORKLET_DEV_PATH, WORKLET_FILE } from './worklet-bundle.js';

const execFileAsync = promisify(execFile);

/**
 * Runs a command and resolves with its output; it rejects with `stdout` and `stderr` on the
 * error. Never synchronous: the test server answers every browser's requests meanwhile, and the
 * package build takes tens of seconds.
 */
async function run(command, args, options = {}) {
  const { stdout } = await execFileAsync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  return stdout;
}

/**
 * Makes the page match `prefers-color-scheme: <scheme>` where the launcher can: Playwright's
 * Chromium can; Firefox over WebDriver BiDi and WebKitWebDriver offer no media emulation.
 * Answers whether it did.
 */
async function emulateColorScheme(session, scheme) {
  if (session.browser.type === 'webdriver') return false;
  const page = session.browser.getPage(session.id);
  if (typeof page.emulateMedia !== 'function') return false;
  await page.emulateMedia({ colorScheme: scheme });
  return true;
}

/** Where the test server serves the elements as a classic-script (IIFE) bundle, as a script-tag build would ship them. */
export const SCRIPT_BUNDLE_PATH = '/test/generated/audio-pool-analyzer.iife.js';

/** The worklet as the same single-file bundle that the build ships, the demo's audio, and the elements as a script bundle. */
export function generatedFiles() {
  return {
    name: 'generated-files',
    async serve(context) {
      if (context.path === WORKLET_DEV_PATH) return { body: await bundleWorkletCode(), type: 'js' };
      if (context.path === SCRIPT_BUNDLE_PATH) {
        const result = await build({
          entryPoints: ['src/index.ts'],
          bundle: true,
          format: 'iife',
          target: 'es2022',
          write: false,
          logLevel: 'silent',
        });
        return { body: result.outputFiles[0].text, type: 'js' };
      }
      if (context.path === `/demo/${DEMO_AUDIO_FILE}`) return { body: Buffer.from(demoAudioWav()), type: 'audio/wav' };
      return undefined;
    },
  };
}

/** Where the test pages served cross-origin isolated live: shared memory needs such a page. */
export const ISOLATED_TESTS = '/test/isolated/';

/**
 * Serves the test pages under ISOLATED_TESTS with COOP and COEP, so that they are
 * cross-origin isolated and have SharedArrayBuffer where the browser offers it. Only the document
 * needs the headers: everything it loads comes from the same origin.
 */
export async function crossOriginIsolation(context, next) {
  if (context.path.startsWith(ISOLATED_TESTS)) {
    context.set('Cross-Origin-Opener-Policy', 'same-origin');
    context.set('Cross-Origin-Embedder-Policy', 'require-corp');
  }
  await next();
}

/** The policy a strict site sets: no inline script, no eval, no blob: or data: scripts. */
export const STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; worker-src 'self'";

/** Serves test/fixtures/strict-csp.html with that policy. */
export function strictCspFixture() {
  return {
    name: 'strict-csp-fixture',
    serve(context) {
      if (context.path !== '/test/fixtures/strict-csp.html') return undefined;
      context.set('Content-Security-Policy', STRICT_CSP);
      return { body: readFileSync('test/fixtures/strict-csp.html', 'utf8'), type: 'html' };
    },
  };
}

/**
 * executeServerCommand('save-screenshot', { selector, name }) writes test-output/<name>.png for
 * people to look at; executeServerCommand('resize-viewport', { width, height }) makes at least that
 * much of the page visible; executeServerCommand('emulate-color-scheme', { scheme }) is above. Both work with every launcher: Playwright and Puppeteer pages, and
 * WebdriverIO's browser (whose window has the test page and no viewport of its own to set).
 */
export function pageCommands() {
  return {
    name: 'page-commands',
    async executeCommand({ command, payload, session }) {
      if (command === 'emulate-color-scheme') return emulateColorScheme(session, payload.scheme);
      if (command !== 'resize-viewport' && command !== 'save-screenshot') return undefined;
      const webdriver = session.browser.type === 'webdriver' ? session.browser.driver : null;
      const page = webdriver ? null : session.browser.getPage(session.id);
      if (command === 'resize-viewport') {
        const { width, height } = payload;
        if (webdriver) {
          // The window's own toolbar takes some height.
          await webdriver.setWindowSize(width, height + 200);
        } else if (page.setViewportSize) {
          await page.setViewportSize({ width, height });
        } else {
          await page.setViewport({ width, height });
        }
        return true;
      }
      const path = `test-output/${payload.name}.png`;
      await mkdir(dirname(path), { recursive: true });
      if (webdriver) {
        await (await webdriver.$(payload.selector)).saveScreenshot(path);
      } else {
        const element = await page.$(payload.selector);
        if (!element) throw new Error(`save-screenshot: nothing matches ${payload.selector}`);
        await element.screenshot({ path });
      }
      return path;
    },
  };
}

const PACKAGE_TEST_DIR = 'node_modules/.cache/package-test';

/** A plain page that uses the installed tarball with no bundler and no import map. */
/** A page of the packed-package test: `script` loads the elements; the markup is the same everywhere. */
const testPage = (title, script, analyzerAttributes = '') => `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>${title}</title></head>
  <body>
    ${script}
    <audio-pool-analyzer id="analyzer" source="test-tone" batch-size="512"${analyzerAttributes}></audio-pool-analyzer>
    <pool-stats-panel for="analyzer"></pool-stats-panel>
  </body>
</html>
`;
/** What every app imports: the package by its name, as a user's code would. */
const APP_IMPORT = "import 'audio-pool-analyzer';";
/** A plain page, no bundler: the standalone bundle from node_modules. */
const PLAIN_PAGE = testPage(
  'installed package',
  '<script type="module" src="./node_modules/audio-pool-analyzer/dist/src/standalone.js"></script>',
);
/** The Vite app's page: Vite bundles its inline module. */
const APP_PAGE = testPage('app built with Vite', `<script type="module">${APP_IMPORT}</script>`);

/**
 * Builds the app with webpack 5, Rollup (with @web/rollup-plugin-import-meta-assets) and esbuild
 * (which copies nothing: the README's recipe copies the worklet file and sets `worklet-url`), each
 * as the README says; answers each app's page and the files it emitted, by bundler.
 */
async function buildBundledApps(root) {
  const entry = resolve(root, 'main.js');
  writeFileSync(entry, `${APP_IMPORT}\n`);
  const packageModules = resolve(root, 'node_modules');
  const apps = {};

  const webpackOut = resolve(root, 'webpack-dist');
  const stats = await new Promise((done, fail) =>
    webpack(
      {
        mode: 'production',
        context: root,
        entry,
        output: { path: webpackOut, filename: 'main.js' },
        resolve: { modules: [packageModules] },
        performance: { hints: false },
      },
      (error, result) => (error ? fail(error) : done(result)),
    ),
  );
  if (stats.hasErrors()) throw new Error(stats.toString('errors-only'));
  writeFileSync(`${webpackOut}/index.html`, testPage('app built with webpack', '<script src="./main.js"></script>'));
  apps.webpack = { page: `/${PACKAGE_TEST_DIR}/webpack-dist/index.html`, files: readdirSync(webpackOut) };

  const rollupOut = resolve(root, 'rollup-dist');
  const bundle = await rollup({
    input: entry,
    plugins: [nodeResolve({ modulePaths: [packageModules] }), importMetaAssets()],
    onwarn: () => {},
  });
  await bundle.write({ dir: rollupOut, format: 'es', entryFileNames: 'main.js' });
  await bundle.close();
  writeFileSync(`${rollupOut}/index.html`, testPage('app built with Rollup', '<script type="module" src="./main.js"></script>'));
  apps.rollup = { page: `/${PACKAGE_TEST_DIR}/rollup-dist/index.html`, files: readdirSync(rollupOut, { recursive: true }) };

  const esbuildOut = resolve(root, 'esbuild-dist');
  await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    outfile: `${esbuildOut}/main.js`,
    nodePaths: [packageModules],
    logLevel: 'error',
  });
  cpSync(`${packageModules}/audio-pool-analyzer/dist/src/${WORKLET_FILE}`, `${esbuildOut}/${WORKLET_FILE}`);
  writeFileSync(
    `${esbuildOut}/index.html`,
    testPage('app built with esbuild', '<script type="module" src="./main.js"></script>', ` worklet-url="./${WORKLET_FILE}"`),
  );
  apps.esbuild = { page: `/${PACKAGE_TEST_DIR}/esbuild-dist/index.html`, files: readdirSync(esbuildOut) };
  return apps;
}

/** `tsc`'s diagnostics for each JSX view of the installed package ('' when it compiles), by framework. */
async function checkJsxViews() {
  const views = `${PACKAGE_TEST_DIR}/jsx`;
  cpSync('test/fixtures/jsx', views, { recursive: true });
  const diagnostics = {};
  for (const framework of ['react', 'preact']) {
    try {
      await run('npx', ['tsc', '-p', `${views}/tsconfig.${framework}.json`]);
      diagnostics[framework] = '';
    } catch (error) {
      diagnostics[framework] = `${error.stdout}${error.stderr}`.trim() || String(error);
    }
  }
  return diagnostics;
}

/**
 * executeServerCommand('install-packed-package') packs the library with `npm pack` from a copy of
 * the checkout that has no build output (its prepack script builds it), installs the tarball into
 * a fresh folder served by the test server, builds an app that imports it with Vite, webpack,
 * Rollup and esbuild, type-checks a React 19 and a Preact view of the elements (test/fixtures/jsx/),
 * and answers with the URL paths of a plain page and of the built apps, the list of files in the
 * tarball and what `tsc` said of each view.
 */
export function installPackedPackage() {
  /** The one build of the run: a browser waits 20 s for a command's answer (fixed in @web/dev-server-core), which a loaded machine can exceed, and asks again. */
  let installed = null;
  return {
    name: 'install-packed-package',
    executeCommand({ command }) {
      if (command !== 'install-packed-package') return undefined;
      installed ??= packAndInstall();
      return installed;
    },
  };
}

async function packAndInstall() {
  rmSync(PACKAGE_TEST_DIR, { recursive: true, force: true });
  mkdirSync(PACKAGE_TEST_DIR, { recursive: true });
  // Packed from a copy of the checkout without dist/, as from a clean clone: prepack must build.
  // The copy sits outside node_modules, where esbuild would ignore its tsconfig.json.
  const source = mkdtempSync(join(tmpdir(), 'package-source-'));
  try {
    const files = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard']);
    for (const file of files.split('\0')) {
      if (file !== '' && existsSync(file)) cpSync(file, `${source}/${file}`);
    }
    symlinkSync(resolve('node_modules'), `${source}/node_modules`, 'dir');
    await run('npm', ['pack', '--pack-destination', resolve(PACKAGE_TEST_DIR)], { cwd: source });
  } finally {
    rmSync(source, { recursive: true, force: true });
  }
  const tarball = readdirSync(PACKAGE_TEST_DIR).find((file) => file.endsWith('.tgz'));
  const packed = (await run('tar', ['-tzf', `${PACKAGE_TEST_DIR}/${tarball}`]))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.replace(/^package\//, ''));
  writeFileSync(`${PACKAGE_TEST_DIR}/package.json`, JSON.stringify({ name: 'package-test', private: true, type: 'module' }));
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', resolve(PACKAGE_TEST_DIR, tarball)], {
    cwd: PACKAGE_TEST_DIR,
  });
  writeFileSync(`${PACKAGE_TEST_DIR}/index.html`, PLAIN_PAGE);
  mkdirSync(`${PACKAGE_TEST_DIR}/app`);
  writeFileSync(`${PACKAGE_TEST_DIR}/app/index.html`, APP_PAGE);
  await run('npx', ['vite', 'build', `${PACKAGE_TEST_DIR}/app`, '--base', './', '--outDir', '../app-dist', '--logLevel', 'error']);
  return {
    jsx: await checkJsxViews(),
    page: `/${PACKAGE_TEST_DIR}/index.html`,
    app: `/${PACKAGE_TEST_DIR}/app-dist/index.html`,
    appFiles: readdirSync(`${PACKAGE_TEST_DIR}/app-dist/assets`),
    bundled: await buildBundledApps(resolve(PACKAGE_TEST_DIR)),
    files: packed,
  };
}
