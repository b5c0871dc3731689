import { expect, fixture, html } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import '../src/index.js';
import type { AudioPoolAnalyzer } from '../src/audio-pool-analyzer.js';
import { PoolStatsPanel } from '../src/pool-stats-panel.js';
import { stopAnalyzersAndCleanup } from './helpers/analyzer.js';
import { waitFor } from './helpers/conditions.js';
import { blockMainThread, nextEvent } from './helpers/events.js';
import { replaceProperty } from './helpers/globals.js';
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
    deliveredBatches: 57,
    buffersReturned: 40,
    returnMessages: 10,
    wakeups: 6,
    renderGaps: 2,
    renderGapFrames: 3072,
    gapDiscardedFrames: 640,
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
    expect(counter(panel, 'Delivered batches')).to.equal('57');
    expect(counter(panel, 'Given back / messages')).to.equal('40 / 10');
    expect(counter(panel, 'Wake-ups (shared memory)')).to.equal('6');
    expect(counter(panel, 'Render gaps (browser)')).to.equal('2 (3072 frames, 640 staged discarded)');
    expect(counter(panel, 'Output underruns (browser)')).to.equal('not measured in this browser');
    const rows = [...(panel.shadowRoot?.querySelectorAll('[part="counters"] th') ?? [])].map((th) => th.textContent);
    expect(rows).to.have.length(16);
  });

  it('shows the longest main-thread stall where the browser reports long tasks, and says so elsewhere', async () => {
    const panel = await fixture<PoolStatsPanel>(html`<pool-stats-panel .stats=${syntheticStats()}></pool-stats-panel>`);
    if (!PerformanceObserver.supportedEntryTypes?.includes('longtask')) {
      expect(counter(panel, 'Longest main-thread stall')).to.equal('not measured in this browser');
      return;
    }
    expect(counter(panel, 'Longest main-thread stall')).to.equal('0 ms');
    blockMainThread(150);
    // Long tasks are reported after they end, and the figure shows at the next stats update.
    await waitFor(async () => {
      panel.stats = syntheticStats();
      await panel.updateComplete;
      return Number.parseInt(counter(panel, 'Longest main-thread stall') ?? '', 10) >= 150;
    }, 'the 150 ms stall shown');
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

  it('lists each buffer out with its age in a disclosure that keyboard users can open', async () => {
    const panel = await fixture<PoolStatsPanel>(html`<pool-stats-panel .stats=${fourBufferStats()}></pool-stats-panel>`);
    const ages = panel.shadowRoot?.querySelector<HTMLDetailsElement>('details[part="ages"]');
    const summary = ages?.querySelector('summary');
    expect(summary?.textContent).to.equal('Buffers out, with their ages');
    summary?.focus();
    expect(panel.shadowRoot?.activeElement).to.equal(summary);
    expect(ages?.querySelector('table')).to.equal(null);
    summary?.click();
    await waitFor(() => ages?.querySelector('tbody') !== null && ages?.querySelector('tbody') !== undefined, 'the list of buffers out');
    const rows = [...(ages?.querySelectorAll('tbody tr') ?? [])].map((row) =>
      [...row.children].map((cell) => cell.textContent?.replace(/\s+/g, ' ').trim()),
    );
    expect(rows).to.deep.equal([
      ['buffer 1', 'in flight', '12 ms'],
      ['buffer 2', 'processing', '30 ms'],
      ['buffer 3', 'processing', '900 ms (stuck?)'],
    ]);
    const later = fourBufferStats();
    later.slotStates.set([1, 1, 1, 2]);
    later.slotAgesMs.set([0, 0, 0, 5]);
    panel.stats = later;
    await panel.updateComplete;
    expect([...(ages?.querySelectorAll('tbody th') ?? [])].map((cell) => cell.textContent)).to.deep.equal(['buffer 3']);
    later.slotStates.set([1, 1, 1, 1]);
    panel.stats = { ...later };
    await panel.updateComplete;
    expect(ages?.textContent?.replace(/\s+/g, ' ').trim()).to.equal('Buffers out, with their ages No buffer is out.');
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
    panel.stats = syntheticStats({ hitRate: 0.25 });
    await panel.updateComplete;
    expect(panel.shadowRoot?.querySelector('[part="hit-rate"]')).to.equal(null);
    // Shown again, it renders the latest snapshot of its own accord, with no new one arriving.
    panel.hidden = false;
    await waitFor(() => panel.shadowRoot?.querySelector('[part="hit-rate"]')?.textContent === '25.0%', 'the panel to render');
  });

  it('does not render while scrolled out of view, and catches up when scrolled into it', async () => {
    const container = await fixture<HTMLDivElement>(html`<div style="height: 200px; overflow: auto">
      <div style="height: 5000px"></div>
      <pool-stats-panel .stats=${syntheticStats({ hitRate: 0.5 })}></pool-stats-panel>
    </div>`);
    const panel = container.querySelector('pool-stats-panel') as PoolStatsPanel;
    // Observers report at a rendering step: once this one has, and a frame has passed since, the panel's has too.
    const offScreen = await new Promise<boolean>((resolve) => {
      const observer = new IntersectionObserver((entries) => {
        observer.disconnect();
        resolve(entries.every((entry) => !entry.isIntersecting));
      });
      observer.observe(panel);
    });
    expect(offScreen).to.equal(true);
    await new Promise((resolve) => requestAnimationFrame(resolve));
    panel.stats = syntheticStats({ hitRate: 0.25 });
    await panel.updateComplete;
    const hitRate = () => panel.shadowRoot?.querySelector('[part="hit-rate"]')?.textContent;
    expect(hitRate(), 'still the snapshot rendered before it knew').to.not.equal('25.0%');
    panel.scrollIntoView();
    await waitFor(() => hitRate() === '25.0%', 'the panel to render');
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
        expect(getComputedStyle(panel).backgroundColor).to.equal(scheme === 'dark' ? 'rgb(22, 26, 34)' : 'rgb(255, 255, 255)');
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
    // The analyzer's own latest snapshot, figure for figure.
    expect(panel.stats).to.equal(first?.stats);
    expect(Number.parseFloat(panel.shadowRoot?.querySelector('[part="hit-rate"]')?.textContent ?? '')).to.be.closeTo(
      (first?.stats?.hitRate ?? -1) * 100,
      0.05,
    );
    expect(counter(panel, 'Delivered batches')).to.equal(String(first?.stats?.deliveredBatches));
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

  it('keeps 60 s of hit-rate history', async () => {
    let now = 1000;
    const restore = replaceProperty(performance, 'now', () => now);
    try {
      const panel = await fixture<PoolStatsPanel>(html`<pool-stats-panel .stats=${syntheticStats({ hitRate: 0.5 })}></pool-stats-panel>`);
      for (const [at, hitRate] of [
        [31_000, 0.9],
        [61_000, 0.95],
      ] as const) {
        now = at;
        panel.stats = syntheticStats({ hitRate });
        await panel.updateComplete;
      }
      const sparkline = () => panel.shadowRoot?.querySelector('[part="sparkline"]');
      expect(sparkline()?.getAttribute('aria-label')).to.contain('lowest 50.0%');
      now = 61_001;
      panel.stats = syntheticStats({ hitRate: 1 });
      await panel.updateComplete;
      // The first snapshot is now older than 60 s: gone from the line and from its summary.
      expect(sparkline()?.getAttribute('aria-label')).to.contain('lowest 90.0%');
      expect(sparkline()?.querySelector('polyline')?.getAttribute('points')?.split(' ')).to.have.length(3);
    } finally {
      restore();
    }
  });

  it('documents every custom property with the defaults its styles use, in both schemes', async () => {
    const manifest = await (await fetch('/custom-elements.json')).json();
    const declaration = manifest.modules
      .flatMap((module: { declarations?: unknown[] }) => module.declarations ?? [])
      .find((candidate: { tagName?: string }) => candidate.tagName === 'pool-stats-panel');
    const documented: { name: string; default: string; description: string }[] = declaration.cssProperties;
    const [light = '', dark = ''] = PoolStatsPanel.styles.toString().split('@media (prefers-color-scheme: dark)');
    const used = (styles: string) =>
      Object.fromEntries([...styles.matchAll(/var\((--pool-stats-panel-[\w-]+), ([^;]+?)\);/g)].map((match) => [match[1], match[2]]));
    expect(used(light)).to.deep.equal(Object.fromEntries(documented.map((property) => [property.name, property.default])));
    const darkDefaults = documented.flatMap((property) => {
      const darkDefault = /dark scheme: (#[0-9a-f]{6})/.exec(property.description)?.[1];
      return darkDefault ? [[property.name, darkDefault]] : [];
    });
    expect(used(dark.split('}')[0] ?? '')).to.deep.equal(Object.fromEntries(darkDefaults));
  });

  it('takes its colours from the custom properties set on it', async () => {
    const panel = await fixture<PoolStatsPanel>(
      html`<pool-stats-panel style="--pool-stats-panel-available-color: rgb(1, 2, 3); --pool-stats-panel-background: rgb(4, 5, 6)" .stats=${fourBufferStats()}></pool-stats-panel>`,
    );
    expect(getComputedStyle(cells(panel)[0] as HTMLElement).backgroundColor).to.equal('rgb(1, 2, 3)');
    expect(getComputedStyle(panel).backgroundColor).to.equal('rgb(4, 5, 6)');
  });

  it('resolves for in its own shadow root, and the analyzer property wins over for', async () => {
    const outside = await fixture<HTMLDivElement>(
      html`<div><audio-pool-analyzer id="target" data-where="outside"></audio-pool-analyzer></div>`,
    );
    const host = document.createElement('div');
    outside.append(host);
    const root = host.attachShadow({ mode: 'open' });
    root.innerHTML =
      '<pool-stats-panel for="target"></pool-stats-panel><audio-pool-analyzer id="target" data-where="inside"></audio-pool-analyzer>';
    const panel = root.querySelector('pool-stats-panel') as PoolStatsPanel;
    // Compared by a data attribute: a failed comparison of two analyzers makes chai walk their whole object graphs.
    const bound = () => panel.boundAnalyzer?.dataset.where;
    await panel.updateComplete;
    expect(bound()).to.equal('inside');
    panel.analyzer = outside.querySelector('audio-pool-analyzer');
    await panel.updateComplete;
    expect(bound()).to.equal('outside');
    panel.setAttribute('for', 'elsewhere');
    await panel.updateComplete;
    expect(bound()).to.equal('outside');
  });
});
