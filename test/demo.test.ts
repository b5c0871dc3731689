import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import type { AudioPoolAnalyzer } from '../src/audio-pool-analyzer.js';
import type { PoolStatsPanel } from '../src/pool-stats-panel.js';
import { copyWindow } from '../src/protocol.js';
import { stopAnalyzersAndCleanup } from './helpers/analyzer.js';
import { waitFor } from './helpers/conditions.js';
import { loadedFrame } from './helpers/frames.js';

/** Resolves once `condition` holds, checked at each animation frame of the demo. */
function until(frame: Window, condition: () => boolean, what: string, timeoutMs?: number): Promise<void> {
  return waitFor(condition, `demo: ${what}`, { view: frame, timeoutMs });
}

/** Loads a demo page on screen (its stats panel skips rendering while off-screen) once its elements are defined. */
async function openDemo(src: string, title: string) {
  await executeServerCommand('resize-viewport', { width: 1240, height: 1040 });
  const iframe = await loadedFrame(src, { title, style: 'width: 1200px; height: 1000px; border: 0' });
  const demo = iframe.contentWindow as Window;
  const page = iframe.contentDocument as Document;
  await until(demo, () => demo.customElements.get('audio-pool-analyzer') !== undefined, 'the elements to be defined');
  const analyzer = page.querySelector('audio-pool-analyzer') as AudioPoolAnalyzer;
  const text = (selector: string) => page.querySelector(selector)?.textContent ?? '';
  return { demo, page, analyzer, text };
}

describe('demo page', () => {
  afterEach(stopAnalyzersAndCleanup);

  it('starts from the Start button, counts frames, shows the pool and draws the waveform', async () => {
    const { demo, page, analyzer, text } = await openDemo('/demo/index.html', 'demo');
    const panel = page.querySelector('pool-stats-panel') as PoolStatsPanel;

    const start = page.querySelector('#start') as HTMLButtonElement;
    const stop = page.querySelector('#stop') as HTMLButtonElement;
    expect([start.disabled, stop.disabled], 'Start and Stop before starting').to.deep.equal([false, true]);
    // What changes at every frame is no live region: a screen reader would read it without end.
    for (const selector of ['#frames', '#level-value', '#pool-ms']) {
      expect(page.querySelector(selector)?.getAttribute('aria-live'), selector).to.equal('off');
    }
    const log = page.querySelector('#log') as HTMLElement;
    expect([log.getAttribute('role'), log.tabIndex]).to.deep.equal(['log', 0]);

    start.click();
    await until(demo, () => text('#state') === 'running', 'state running');
    expect([start.disabled, stop.disabled], 'Start and Stop while running').to.deep.equal([true, false]);
    await until(demo, () => Number(text('#frames')) > 20, 'frames counted');
    await until(demo, () => panel.shadowRoot?.querySelector('[part="hit-rate"]')?.textContent?.endsWith('%') === true, 'the hit rate');
    expect(analyzer.getAttribute('state')).to.equal('running');
    // This test page is not cross-origin isolated: auto runs copy, whose window of credits the panel shows.
    await until(demo, () => text('#transport-active') === 'copy', 'the transport shown');
    await until(demo, () => panel.shadowRoot?.querySelectorAll('[part~="cell"]').length === analyzer.stats?.buffers, 'a cell per slot');
    expect(analyzer.stats?.buffers).to.equal(copyWindow(16));
    expect(panel.shadowRoot?.querySelector('[part="transport"]')?.textContent).to.contain('acknowledged');

    const canvas = page.querySelector('#waveform') as HTMLCanvasElement;
    const pixels = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
    expect(
      pixels.some((value, index) => index % 4 === 3 && value > 0),
      'waveform drawn',
    ).to.equal(true);

    // Paused, the waveform stays as it is while frames keep coming.
    const pause = page.querySelector('#pause-waveform') as HTMLButtonElement;
    pause.click();
    expect(pause.getAttribute('aria-pressed')).to.equal('true');
    const still = canvas.toDataURL();
    const framesBefore = Number(text('#frames'));
    await until(demo, () => Number(text('#frames')) > framesBefore + 20, 'frames while paused');
    expect(canvas.toDataURL() === still, 'waveform unchanged while paused').to.equal(true);
    pause.click();
    expect(pause.getAttribute('aria-pressed')).to.equal('false');

    // Batches of 128 frames: the window of copies (256 batches) holds about 700 ms, less than the 1 s block.
    const batchSize = page.querySelector('select[name="batch-size"]') as HTMLSelectElement;
    batchSize.value = '128';
    batchSize.dispatchEvent(new Event('change', { bubbles: true }));
    await until(demo, () => analyzer.stats?.batchSize === 128, 'the new batch size');
    (page.querySelector('#block') as HTMLButtonElement).click();
    await until(
      demo,
      () => text('#log').includes('pool exhausted') || analyzer.dropped > 0 || Number(analyzer.getAttribute('dropped')) > 0,
      'a drop',
      20000,
    );

    const path = await executeServerCommand('save-screenshot', { selector: 'iframe', name: 'demo' });
    expect(path).to.equal('test-output/demo.png');
    stop.click();
    await until(demo, () => text('#state') === 'stopped', 'state stopped');
    expect([start.disabled, stop.disabled], 'Start and Stop once stopped').to.deep.equal([false, true]);
  });

  it('tunes: names the test tone A4 within a few cents, with its level, a spectrum and the stats panel; then follows the microphone', async () => {
    const { demo, page, analyzer, text } = await openDemo('/demo/tuner.html', 'tuner');
    expect(analyzer.features).to.deep.equal(['levels', 'spectrum', 'pitch']);
    expect(page.querySelector('pool-stats-panel')?.getAttribute('for')).to.equal('analyzer');

    const source = page.querySelector('select[name="source"]') as HTMLSelectElement;
    source.value = 'test-tone';
    source.dispatchEvent(new Event('change', { bubbles: true }));
    (page.querySelector('#start') as HTMLButtonElement).click();
    await until(demo, () => text('#note') === 'A4', 'the note A4');
    expect(Math.abs(Number.parseInt(text('#cents'), 10))).to.be.at.most(5);
    expect(text('#frequency')).to.match(/^4[34]\d\.\d Hz$/);
    // The test tone's rms: 0.5 / √2, -9.0 dBFS.
    await until(demo, () => text('#level') === '-9.0 dBFS', 'the level in dBFS');
    const canvas = page.querySelector('#spectrum') as HTMLCanvasElement;
    const pixels = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
    expect(
      pixels.some((value, i) => i % 4 === 3 && value > 0),
      'the spectrum is drawn',
    ).to.equal(true);
    expect(text('#error')).to.equal('');

    // The engine's fake microphone: whatever tone it carries, the tuner names a note or says there is no clear pitch.
    const prototype = (demo as unknown as { MediaDevices: typeof MediaDevices }).MediaDevices.prototype;
    const original = prototype.getUserMedia;
    let framesSinceMicrophone = -1;
    analyzer.addEventListener('analysis-frame', () => {
      if (framesSinceMicrophone >= 0) framesSinceMicrophone++;
    });
    prototype.getUserMedia = async function (this: MediaDevices, constraints) {
      const stream = await original.call(this, constraints);
      framesSinceMicrophone = 0;
      return stream;
    };
    source.value = 'microphone';
    source.dispatchEvent(new Event('change', { bubbles: true }));
    await until(demo, () => framesSinceMicrophone >= 10, 'frames from the microphone');
    prototype.getUserMedia = original;
    expect(analyzer.state).to.equal('running');
    expect(text('#error')).to.equal('');
    expect(text('#note') === '–' ? text('#cents') : text('#note')).to.match(/^(no clear pitch|[A-G]♯?-?\d)$/);
  });
});
