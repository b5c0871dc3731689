import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import type { AudioPoolAnalyzer } from '../src/audio-pool-analyzer.js';

describe('under a strict Content-Security-Policy', () => {
  afterEach(() => fixtureCleanup());

  it("runs with script-src 'self' only: no inline script, eval or blob worklet", async () => {
    const iframe = await fixture<HTMLIFrameElement>(html`<iframe title="strict CSP" src="/test/fixtures/strict-csp.html"></iframe>`);
    await new Promise((resolve) => iframe.addEventListener('load', resolve, { once: true }));
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
    expect(page.violations.filter((violation) => !violation.startsWith('script-src: eval'))).to.deep.equal([]);
  });
});
