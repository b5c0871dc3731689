import { expect } from '@open-wc/testing';
import type { AudioPoolAnalyzer } from '../src/audio-pool-analyzer.js';
import type { AnalyzerErrorDetail } from '../src/events.js';

/** A same-origin page that loads the elements from a classic script, where `import.meta` is empty. */
async function frameWithScriptBundle(): Promise<HTMLIFrameElement> {
  const frame = document.createElement('iframe');
  const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
  frame.src = '/test/fixtures/script-bundle.html';
  document.body.append(frame);
  await loaded;
  return frame;
}

describe('a script-tag (IIFE) bundle', () => {
  let frame: HTMLIFrameElement | null = null;
  afterEach(async () => {
    for (const analyzer of frame?.contentDocument?.querySelectorAll<AudioPoolAnalyzer>('audio-pool-analyzer') ?? []) await analyzer.stop();
    frame?.remove();
    frame = null;
  });

  it('defines the elements, reports a start without worklet-url clearly, and starts with it', async () => {
    frame = await frameWithScriptBundle();
    const window_ = frame.contentWindow as Window & typeof globalThis;
    expect(window_.customElements.get('audio-pool-analyzer'), 'audio-pool-analyzer defined').to.not.equal(undefined);
    expect(window_.customElements.get('pool-stats-panel'), 'pool-stats-panel defined').to.not.equal(undefined);
    const analyzer = window_.document.createElement('audio-pool-analyzer') as AudioPoolAnalyzer;
    analyzer.setAttribute('source', 'test-tone');
    window_.document.body.append(analyzer);
    const errors: AnalyzerErrorDetail[] = [];
    analyzer.addEventListener('analyzer-error', (event) => errors.push(event.detail));
    await analyzer.start();
    expect(analyzer.state).to.equal('error');
    expect(errors.map((error) => error.code)).to.deep.equal(['worklet-load-failed']);
    expect(errors[0]?.message).to.contain('worklet-url');
    analyzer.setAttribute('worklet-url', '/src/audio-pool-capture-processor.js');
    const frameSeen = new Promise((resolve) => analyzer.addEventListener('analysis-frame', resolve, { once: true }));
    await analyzer.start();
    expect(analyzer.state, JSON.stringify(errors.slice(1))).to.equal('running');
    await frameSeen;
  });
});
