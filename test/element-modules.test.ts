import { expect, fixtureCleanup } from '@open-wc/testing';
import type { PoolStatsPanel } from '../src/pool-stats-panel.js';
import { loadedFrame } from './helpers/frames.js';

describe("each element's module", () => {
  afterEach(fixtureCleanup);

  it('defines its own tag: the panel works with only its module imported', async () => {
    const frame = await loadedFrame('/test/fixtures/panel-only.html', { title: "the panel's module alone" });
    const window_ = frame.contentWindow as Window & typeof globalThis;
    await window_.customElements.whenDefined('pool-stats-panel');
    const panel = window_.document.querySelector('pool-stats-panel') as PoolStatsPanel;
    await panel.updateComplete;
    expect(panel.shadowRoot?.querySelector('[part~="state"]')?.textContent).to.equal('idle');
  });
});
