import { expect, fixture, html } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import '../src/index.js';
import type { AudioPoolAnalyzer } from '../src/audio-pool-analyzer.js';
import type { PoolStatsPanel } from '../src/pool-stats-panel.js';
import { stopAnalyzersAndCleanup } from './helpers/analyzer.js';
import { nextEvent } from './helpers/events.js';
import { skipBecause } from './helpers/skip.js';
import { syntheticStats } from './helpers/stats.js';

function text(panel: PoolStatsPanel): string {
  return panel.shadowRoot?.textContent?.replace(/\s+/g, ' ') ?? '';
}

function cells(panel: PoolStatsPanel): HTMLElement[] {
  return [...(panel.shadowRoot?.querySelectorAll<HTMLElement>('[part~="cell"]') ?? [])];
}

function counterCell(panel: PoolStatsPanel, name: string): HTMLTableCellElement | undefined {
  const rows = [...(panel.shadowRoot?.querySelectorAll('tr') ?? [])];
  return rows.find((row) => row.querySelector('th')?.textContent === name)?.querySelector('td') ?? undefined;
}

/** WCAG contrast ratio of two computed `rgb(…)` colours. */
function contrast(first: string, second: string): number {
  const luminance = (color: string) => {
    const [r, g, b] = (color.match(/[\d.]+/g) ?? []).slice(0, 3).map((channel) => {
      const value = Number(channel) / 255;
      return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [light, dark] = [luminance(first), luminance(second)].sort((a, b) => b - a) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

function counter(panel: PoolStatsPanel, name: string): string | undefined {
  return counterCell(panel, name)?.textContent ?? undefined;
}

/** Four buffers: available, in flight, processing for 30 ms, processing for 900 ms (stuck). */
function fourBufferStats() {
  const slotStates = new Uint8Array(256);
  const slotAgesMs = new Float32Array(256);
  slotStates.set([1, 2, 3, 3]);
  slotAgesMs.set([0, 12, 30, 900]);
  return syntheticStats({
    poolSize: 4,
    buffers: 4,
    available: 1,
    inFlight: 1,
    processing: 2,
    hitRate: 0.95,
    allocations: 5,
    allocationsAfterStart: 1,
    skippedBatches: 3,
    skippedFrames: 3072,
    reclaims: 1,
    turnoverAvgMs: 12.5,
    turnoverMaxMs: 40,
    invalidReturns: { notBuffer: 1, unknownId: 2, sizeMismatch: 3, duplicate: 4, late: 5 },
    timeout: 1000,
    slotStates,
    slotAgesMs,
  });
}

describe('<pool-stats-panel>', () => {
  afterEach(stopAnalyzersAndCleanup);

  it('shows every figure of a snapshot', async () => {
    const panel = await fixture<PoolStatsPanel>(
      html`<pool-stats-panel .stats=${fourBufferStats()} .state=${'running'}></pool-stats-panel>`,
    );
    expect(panel.shadowRoot?.querySelector('[part="hit-rate"]')?.textContent).to.equal('95.0%');
    expect(panel.shadowRoot?.querySelector('[part="state"]')?.textContent).to.equal('running');
    expect(text(panel)).to.contain('ping-pong, 4 × 1024 frames × 1 ch');
    expect(counter(panel, 'Dropped batches')).to.equal('3');
    expect(counter(panel, 'Skipped frames')).to.equal('3072');
    expect(counter(panel, 'Allocations (after start)')).to.equal('5 (1)');
    expect(counter(panel, 'Reclaims')).to.equal('1');
    expect(counter(panel, 'Invalid returns: not a buffer')).to.equal('1');
    expect(counter(panel, 'Invalid returns: unknown id')).to.equal('2');
    expect(counter(panel, 'Invalid returns: wrong size')).to.equal('3');
    expect(counter(panel, 'Invalid returns: duplicate')).to.equal('4');
    expect(counter(panel, 'Invalid returns: late (after reclaim)')).to.equal('5');
    expect(counter(panel, 'Turnover avg / max')).to.equal('12.5 / 40.0 ms');
    expect(counter(panel, 'Output underruns (browser)')).to.equal('not measured in this browser');
    // Long tasks are observed where the browser reports them (Chromium), and said so elsewhere.
    const observesLongTasks = PerformanceObserver.supportedEntryTypes?.includes('longtask') ?? false;
    expect(counter(panel, 'Longest main-thread stall')).to.match(observesLongTasks ? /^\d+ ms$/ : /^not measured in this browser$/);
  });

  it("flags the browser's output underruns where it counts them", async () => {
    const panel = await fixture<PoolStatsPanel>(
      html`<pool-stats-panel .stats=${syntheticStats({ outputUnderruns: { events: 2, durationMs: 12.5 } })}></pool-stats-panel>`,
    );
    const cell = counterCell(panel, 'Output underruns (browser)');
    expect(cell?.textContent).to.equal('2 (12.5 ms)');
    expect(cell?.classList.contains('alarm')).to.equal(true);
  });

  it('draws one cell per buffer, by state, in text as well as colour, flagging a stuck one', async () => {
    const panel = await fixture<PoolStatsPanel>(html`<pool-stats-panel .stats=${fourBufferStats()}></pool-stats-panel>`);
    const grid = cells(panel);
    expect(grid.map((cell) => cell.textContent)).to.deep.equal(['A', 'F', 'P', 'P!']);
    expect(grid.map((cell) => cell.getAttribute('part'))).to.deep.equal([
      'cell cell-available',
      'cell cell-in-flight',
      'cell cell-processing',
      'cell cell-processing',
    ]);
    expect(grid[3]?.classList.contains('stuck')).to.equal(true);
    expect(grid[3]?.title).to.equal('buffer 3: processing, out for 900 ms (stuck?)');
    expect(panel.shadowRoot?.querySelector('[part="grid"]')?.getAttribute('aria-label')).to.equal(
      '4 buffers: 1 available, 1 in flight, 2 processing; stuck: buffer 3 (processing, out for 900 ms)',
    );
  });

  it('draws the hit-rate history once it has two snapshots', async () => {
    const panel = await fixture<PoolStatsPanel>(html`<pool-stats-panel .stats=${syntheticStats({ hitRate: 1 })}></pool-stats-panel>`);
    expect(panel.shadowRoot?.querySelector('[part="sparkline"]')).to.equal(null);
    panel.stats = syntheticStats({ hitRate: 0.5 });
    await panel.updateComplete;
    const sparkline = panel.shadowRoot?.querySelector('[part="sparkline"]');
    expect(sparkline?.querySelector('polyline')?.getAttribute('points')?.split(' ')).to.have.length(2);
    expect(sparkline?.getAttribute('aria-label')).to.contain('lowest 50.0%');
  });

  it('fits on one line in compact mode', async () => {
    const panel = await fixture<PoolStatsPanel>(
      html`<pool-stats-panel compact .stats=${fourBufferStats()} .state=${'running'}></pool-stats-panel>`,
    );
    expect(text(panel).trim()).to.equal('running hit 95.0% · 1 available, 1 in flight, 2 processing · 3 dropped');
    expect(panel.shadowRoot?.querySelector('table')).to.equal(null);
  });

  it('renders once for snapshots that arrive together', async () => {
    const panel = await fixture<PoolStatsPanel>(html`<pool-stats-panel .stats=${syntheticStats()}></pool-stats-panel>`);
    const instance = panel as unknown as { render(): unknown };
    const render = instance.render.bind(panel);
    let renders = 0;
    instance.render = () => {
      renders++;
      return render();
    };
    for (const hitRate of [0.9, 0.8, 0.7]) panel.stats = syntheticStats({ hitRate });
    await panel.updateComplete;
    expect(renders).to.equal(1);
    expect(panel.shadowRoot?.querySelector('[part="hit-rate"]')?.textContent).to.equal('70.0%');
  });

  it('does not render while hidden, and catches up when shown', async () => {
    const panel = await fixture<PoolStatsPanel>(
      html`<pool-stats-panel hidden .stats=${syntheticStats({ hitRate: 0.5 })}></pool-stats-panel>`,
    );
    expect(panel.shadowRoot?.querySelector('[part="hit-rate"]')).to.equal(null);
    panel.hidden = false;
    panel.requestUpdate();
    await panel.updateComplete;
    expect(panel.shadowRoot?.querySelector('[part="hit-rate"]')?.textContent).to.equal('50.0%');
  });

  it('is accessible', async () => {
    const panel = await fixture<PoolStatsPanel>(
      html`<pool-stats-panel .stats=${fourBufferStats()} .state=${'running'}></pool-stats-panel>`,
    );
    await expect(panel).to.be.accessible();
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`passes axe, and gives the cells' letters at least 4.5:1 contrast, in the ${scheme} scheme`, async function () {
      const emulated = await executeServerCommand('emulate-color-scheme', { scheme });
      try {
        if (matchMedia(`(prefers-color-scheme: ${scheme})`).matches === false) {
          skipBecause(this, `this runner cannot make the page prefer the ${scheme} scheme`);
        }
        const panel = await fixture<PoolStatsPanel>(html`<pool-stats-panel .stats=${fourBufferStats()}></pool-stats-panel>`);
        const cells = [...(panel.shadowRoot?.querySelectorAll<HTMLElement>('[part~="cell"]') ?? [])];
        expect(cells.map((cell) => cell.className.split(' ')[1])).to.deep.equal(['available', 'in-flight', 'processing', 'processing']);
        for (const cell of cells) {
          const style = getComputedStyle(cell);
          expect(contrast(style.color, style.backgroundColor), `${cell.className} in ${scheme}`).to.be.at.least(4.5);
        }
        await expect(panel).to.be.accessible();
      } finally {
        if (emulated) await executeServerCommand('emulate-color-scheme', { scheme: 'light' });
      }
    });
  }

  it('follows a real analyzer bound by for, and re-binds when for changes', async () => {
    const container = await fixture<HTMLDivElement>(html`<div>
      <pool-stats-panel for="first"></pool-stats-panel>
      <audio-pool-analyzer id="first" source="test-tone" transport="ping-pong" batch-size="128" pool-size="8" stats-interval="50"></audio-pool-analyzer>
      <audio-pool-analyzer id="second"></audio-pool-analyzer>
    </div>`);
    const panel = container.querySelector('pool-stats-panel') as PoolStatsPanel;
    const [first, second] = [...container.querySelectorAll('audio-pool-analyzer')] as AudioPoolAnalyzer[];
    expect(panel.boundAnalyzer).to.equal(first);
    await first?.start();
    await nextEvent(first as AudioPoolAnalyzer, 'pool-stats', (event) => event.detail.deliveredBatches > 10);
    await panel.updateComplete;
    expect(panel.shadowRoot?.querySelector('[part="state"]')?.textContent).to.equal('running');
    expect(panel.shadowRoot?.querySelector('[part="hit-rate"]')?.textContent).to.match(/%$/);
    expect(cells(panel)).to.have.length(8);

    panel.htmlFor = 'second';
    await panel.updateComplete;
    expect(panel.boundAnalyzer).to.equal(second);
    expect(panel.state).to.equal('idle');
    await nextEvent(first as AudioPoolAnalyzer, 'pool-stats');
    expect(panel.stats).to.equal(null);
  });

  it('binds through the analyzer property, and lets go when either side leaves the document', async () => {
    const container = await fixture<HTMLDivElement>(html`<div>
      <pool-stats-panel></pool-stats-panel>
      <audio-pool-analyzer source="test-tone" stats-interval="50"></audio-pool-analyzer>
    </div>`);
    const panel = container.querySelector('pool-stats-panel') as PoolStatsPanel;
    const analyzer = container.querySelector('audio-pool-analyzer') as AudioPoolAnalyzer;
    panel.analyzer = analyzer;
    await panel.updateComplete;
    expect(panel.boundAnalyzer).to.equal(analyzer);
    await analyzer.start();
    const stopped = nextEvent(analyzer, 'state-change', (event) => event.detail.state === 'stopped');
    analyzer.remove();
    await stopped;
    expect(panel.boundAnalyzer).to.equal(null);

    panel.analyzer = null;
    container.append(analyzer);
    panel.analyzer = analyzer;
    await panel.updateComplete;
    expect(panel.boundAnalyzer).to.equal(analyzer);
    panel.remove();
    expect(panel.boundAnalyzer).to.equal(null);
  });
});
