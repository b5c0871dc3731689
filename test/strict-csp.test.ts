import { expect } from '@open-wc/testing';
import type { AudioPoolAnalyzer } from '../src/audio-pool-analyzer.js';
import { stopAnalyzersAndCleanup } from './helpers/analyzer.js';
import { loadedFrame } from './helpers/frames.js';

describe('under a strict Content-Security-Policy', () => {
  afterEach(stopAnalyzersAndCleanup);

  it("runs with script-src 'self' only: no inline script, eval or blob worklet", async () => {
    const iframe = await loadedFrame('/test/fixtures/strict-csp.html', { title: 'strict CSP' });
    const page = iframe.contentWindow as Window & typeof globalThis & { violations: string[] };
    await page.customElements.whenDefined('audio-pool-analyzer');
    // The policy is in force: eval is refused in this frame.
    // Chromium says "Content Security Policy", Firefox "blocked by CSP".
    expect(() => page.eval('1')).to.throw(/Content Security Policy|blocked by CSP/);
    const analyzer = page.document.querySelector('audio-pool-analyzer') as AudioPoolAnalyzer;
    const framesSeen = new Promise<void>((resolve) => {
      let frames = 0;
      analyzer.addEventListener('analysis-frame', () => ++frames === 5 && resolve());
    });
    await analyzer.start();
    await framesSeen;
    expect(analyzer.state).to.equal('running');
    // The default transport, auto, runs copy here: the page is not cross-origin isolated.
    expect([analyzer.transport, analyzer.transportActive]).to.deep.equal(['auto', 'copy']);
    expect(page.violations.filter((violation) => !violation.startsWith('script-src: eval'))).to.deep.equal([]);
  });
});
