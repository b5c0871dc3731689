import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import type { AudioPoolAnalyzer } from '../src/audio-pool-analyzer.js';
import type { PoolStatsPanel } from '../src/pool-stats-panel.js';
import { stopAnalyzersAndCleanup } from './helpers/analyzer.js';
import { loadedFrame } from './helpers/frames.js';

interface BundledApp {
  page: string;
  files: string[];
}

interface InstalledPackage {
  /** What `tsc` said of the React 19 and the Preact view (test/fixtures/jsx/), '' when they compile. */
  jsx: Record<'react' | 'preact', string>;
  page: string;
  app: string;
  appFiles: string[];
  bundled: Record<'webpack' | 'rollup' | 'esbuild', BundledApp>;
  files: string[];
}

/** The emitted files of a bundled app that are the worklet module (they register its processor). */
async function workletFiles(app: BundledApp): Promise<string[]> {
  const base = app.page.replace(/index\.html$/, '');
  const found: string[] = [];
  for (const file of app.files.filter((name) => name.endsWith('.js'))) {
    if ((await (await fetch(`${base}${file}`)).text()).includes('registerProcessor(')) found.push(file);
  }
  return found;
}

/** Loads a page in an iframe, starts its analyzer, and resolves with the test tone's rms over ten frames. */
async function runPage(src: string): Promise<{ analyzer: AudioPoolAnalyzer; panel: PoolStatsPanel; rms: number }> {
  const iframe = await loadedFrame(src, { title: 'installed package', style: 'width: 800px; height: 700px' });
  const page = iframe.contentWindow as Window & typeof globalThis;
  await page.customElements.whenDefined('pool-stats-panel');
  const analyzer = page.document.querySelector('audio-pool-analyzer') as AudioPoolAnalyzer;
  const panel = page.document.querySelector('pool-stats-panel') as PoolStatsPanel;
  const rms = new Promise<number>((resolve) => {
    let count = 0;
    analyzer.addEventListener('analysis-frame', (event) => {
      if (++count === 10) resolve(event.detail.rms[0] ?? 0);
    });
  });
  await analyzer.start();
  return { analyzer, panel, rms: await rms };
}

describe('the packed package', function () {
  // Builds, packs and installs the tarball first.
  this.timeout(180000);
  let installed: InstalledPackage;

  before(async () => {
    // The browser waits 20 s for the server's answer (fixed in @web/dev-server-core); on a loaded
    // machine the build can take longer, and asked again the server answers with the same build.
    for (let attempt = 1; ; attempt++) {
      try {
        installed = (await executeServerCommand('install-packed-package')) as InstalledPackage;
        return;
      } catch (error) {
        if (attempt === 5 || !String(error).includes('Did not receive a server response')) throw error;
      }
    }
  });

  afterEach(stopAnalyzersAndCleanup);

  it('ships the modules, their types, both bundles, the manifest and the TypeScript sources, and no tests', () => {
    for (const file of [
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/audio-pool-analyzer.js',
      'dist/src/pool-stats-panel.js',
      'dist/src/audio-pool-capture-processor.js',
      'dist/src/standalone.js',
      'dist/types/jsx.d.ts',
      'custom-elements.json',
      'README.md',
      'LICENSE',
      'package.json',
    ]) {
      expect(installed.files, file).to.include(file);
    }
    expect(installed.files.filter((file) => file.startsWith('test/') || file.startsWith('worklet/'))).to.deep.equal([]);
    expect(installed.files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts') && !file.startsWith('src/'))).to.deep.equal([]);
  });

  it('ships every source its declaration maps point at, so go-to-definition opens the TypeScript', async () => {
    const root = installed.page.replace(/index\.html$/, 'node_modules/audio-pool-analyzer/');
    const maps = installed.files.filter((file) => file.endsWith('.d.ts.map'));
    expect(maps).to.include('dist/src/audio-pool-analyzer.d.ts.map');
    for (const map of maps) {
      const { sources } = (await (await fetch(`${root}${map}`)).json()) as { sources: string[] };
      for (const source of sources) {
        const shipped = new URL(source, `http://package/${map}`).pathname.slice(1);
        expect(installed.files, `${map} → ${source}`).to.include(shipped);
      }
    }
  });

  it('points the CDN fields of its package.json at the standalone bundle it ships', async () => {
    const root = installed.page.replace(/index\.html$/, 'node_modules/audio-pool-analyzer/');
    const fields = (await (await fetch(`${root}package.json`)).json()) as { unpkg: string; jsdelivr: string };
    for (const field of [fields.unpkg, fields.jsdelivr]) {
      expect(field).to.equal('./dist/src/standalone.js');
      expect(installed.files).to.include(field.replace(/^\.\//, ''));
    }
  });

  it('ships source maps that carry their TypeScript sources, so debuggers show them', async () => {
    const root = installed.page.replace(/index\.html$/, 'node_modules/audio-pool-analyzer/');
    for (const [map, declared] of [
      ['dist/src/audio-pool-analyzer.js.map', 'class AudioPoolAnalyzer extends LitElement'],
      ['dist/src/standalone.js.map', 'class AudioPoolAnalyzer extends LitElement'],
      ['dist/src/audio-pool-capture-processor.js.map', 'class CaptureEngine'],
    ]) {
      const { sourcesContent } = (await (await fetch(`${root}${map}`)).json()) as { sourcesContent?: (string | null)[] };
      expect(
        sourcesContent?.some((source) => source?.includes(declared as string)),
        map,
      ).to.equal(true);
    }
  });

  it('ships editor data for both tags: VS Code custom data, and JetBrains web-types named by its package.json', async () => {
    const root = installed.page.replace(/index\.html$/, 'node_modules/audio-pool-analyzer/');
    const { 'web-types': webTypes } = (await (await fetch(`${root}package.json`)).json()) as { 'web-types': string };
    expect(webTypes).to.equal('./dist/editor/web-types.json');
    const jetBrains = (await (await fetch(`${root}${webTypes}`)).json()) as {
      contributions: { html: { elements: { name: string }[] } };
    };
    expect(jetBrains.contributions.html.elements.map((element) => element.name)).to.deep.equal(['audio-pool-analyzer', 'pool-stats-panel']);
    const vsCode = (await (await fetch(`${root}dist/editor/vscode.html-custom-data.json`)).json()) as {
      tags: { name: string; attributes: { name: string; values?: { name: string }[] }[] }[];
    };
    expect(vsCode.tags.map((tag) => tag.name)).to.deep.equal(['audio-pool-analyzer', 'pool-stats-panel']);
    const transport = vsCode.tags[0]?.attributes.find((attribute) => attribute.name === 'transport');
    expect(transport?.values?.map((value) => value.name)).to.deep.equal(['auto', 'shared', 'copy', 'ping-pong', 'allocate']);
    const css = (await (await fetch(`${root}dist/editor/vscode.css-custom-data.json`)).json()) as { properties: { name: string }[] };
    expect(css.properties.map((property) => property.name)).to.include('--pool-stats-panel-background');
  });

  it('types the elements in React 19 and Preact JSX: attributes, their unions, and events with their detail', () => {
    // Each view also holds a wrong transport and a detail field that does not exist, each marked
    // as an expected error: were they accepted, tsc would report the unused expectations.
    expect(installed.jsx).to.deep.equal({ react: '', preact: '' });
  });

  it('links its README to the docs it ships by absolute URLs, so the links work on the registry page', async () => {
    const root = installed.page.replace(/index\.html$/, 'node_modules/audio-pool-analyzer/');
    const readme = await (await fetch(`${root}README.md`)).text();
    const targets = [...readme.matchAll(/\]\(([^)#]+)(?:#[^)]*)?\)/g)].map((match) => match[1] as string);
    expect(targets.filter((target) => !/^https?:\/\//.test(target))).to.deep.equal([]);
    const docs = targets.filter((target) => target.startsWith('https://cdn.jsdelivr.net/npm/audio-pool-analyzer/'));
    expect(docs).to.include('https://cdn.jsdelivr.net/npm/audio-pool-analyzer/docs/performance.md');
    for (const target of docs)
      expect(installed.files, target).to.include(target.replace('https://cdn.jsdelivr.net/npm/audio-pool-analyzer/', ''));
  });

  it('points customElements in its package.json at the manifest it ships', async () => {
    const root = installed.page.replace(/index\.html$/, 'node_modules/audio-pool-analyzer/');
    const manifest = (await (await fetch(`${root}package.json`)).json()) as { customElements: string };
    expect(installed.files).to.include(manifest.customElements);
    const response = await fetch(`${root}${manifest.customElements}`);
    expect(response.ok).to.equal(true);
    expect(((await response.json()) as { modules: unknown[] }).modules.length).to.be.greaterThan(0);
  });

  it('runs from a plain HTML page with no bundler', async () => {
    const { analyzer, panel, rms } = await runPage(installed.page);
    expect(analyzer.state).to.equal('running');
    expect(rms).to.be.closeTo(0.3536, 0.01);
    expect(panel.boundAnalyzer).to.equal(analyzer);
  });

  it('runs in an app built with Vite, which copies the worklet file', async () => {
    expect(
      installed.appFiles.some((file) => /^audio-pool-capture-processor-.*\.js$/.test(file)),
      installed.appFiles.join(),
    ).to.equal(true);
    const { analyzer, rms } = await runPage(installed.app);
    expect(analyzer.state).to.equal('running');
    expect(rms).to.be.closeTo(0.3536, 0.01);
  });

  it('runs in an app built with webpack 5, which emits the worklet file', async () => {
    expect(await workletFiles(installed.bundled.webpack), installed.bundled.webpack.files.join()).to.have.length(1);
    const { analyzer, rms } = await runPage(installed.bundled.webpack.page);
    expect(analyzer.state).to.equal('running');
    expect(rms).to.be.closeTo(0.3536, 0.01);
  });

  it('runs in an app built with Rollup and @web/rollup-plugin-import-meta-assets, which emits the worklet file', async () => {
    expect(await workletFiles(installed.bundled.rollup), installed.bundled.rollup.files.join()).to.have.length(1);
    const { analyzer, rms } = await runPage(installed.bundled.rollup.page);
    expect(analyzer.state).to.equal('running');
    expect(rms).to.be.closeTo(0.3536, 0.01);
  });

  it('runs in an app built with esbuild, which emits nothing: the worklet file copied and worklet-url set', async () => {
    expect(await workletFiles(installed.bundled.esbuild)).to.deep.equal(['audio-pool-capture-processor.js']);
    const { analyzer, rms } = await runPage(installed.bundled.esbuild.page);
    expect(analyzer.state).to.equal('running');
    expect(rms).to.be.closeTo(0.3536, 0.01);
  });
});
