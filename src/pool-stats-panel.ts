import { html, LitElement, nothing, type PropertyValues, svg } from 'lit';
import { property, state } from 'lit/decorators.js';
import { AudioPoolAnalyzer } from './audio-pool-analyzer.js';
import type { ActiveTransport } from './config.js';
import type { AnalyzerState, AnalyzerStats } from './events.js';
import { poolStatsPanelStyles } from './pool-stats-panel.styles.js';
import { COPY_ACKNOWLEDGE_EVERY } from './protocol.js';
import { INVALID_RETURN_REASONS, SLOT_STATES, type SlotState } from './stats.js';

/** Seconds of hit-rate history the sparkline shows. */
const HISTORY_SECONDS = 60;
/** A buffer out for this share of the timeout is flagged as stuck. */
const STUCK_SHARE = 0.5;

const SLOT_LABELS: Record<SlotState, { symbol: string; name: string }> = {
  empty: { symbol: '', name: 'empty' },
  available: { symbol: 'A', name: 'available' },
  'in-flight': { symbol: 'F', name: 'in flight' },
  processing: { symbol: 'P', name: 'processing' },
};

/** What the cells and counters mean for each transport: the pool figures keep their meaning, the memory differs. */
const TRANSPORT_NOTES: Record<ActiveTransport, string> = {
  shared: 'Slots in shared memory: F published and not yet read by the page, P being read or retained. Given back without a message.',
  copy: `Credits: F a batch posted as a copy and not yet acknowledged (the page acknowledges every ${COPY_ACKNOWLEDGE_EVERY}). Nothing comes back but the acknowledgements.`,
  'ping-pong': 'Buffers transferred to the page (F) and back to the worklet; P retained by a listener.',
  allocate: 'A new buffer per batch, never returned: no pool, every batch an allocation.',
};

const REASON_LABELS: Record<(typeof INVALID_RETURN_REASONS)[number], string> = {
  notBuffer: 'not a buffer',
  unknownId: 'unknown id',
  sizeMismatch: 'wrong size',
  duplicate: 'duplicate',
  late: 'late (after reclaim)',
};

function percent(value: number): string {
  return `${(value * 100).toFixed(value >= 0.9995 || value === 0 ? 0 : 1)}%`;
}

/**
 * Shows an analyzer's buffer pool live: state, hit rate with a 60-second sparkline, one cell
 * per buffer by state, and every counter. Made for debugging the ping-pong pattern by looking.
 *
 * Bind it with `for="analyzer-id"` (resolved in the same root, like `<label for>`) or by setting
 * `analyzer`; or feed it snapshots through `stats` directly. It renders at most once per stats
 * update, and not at all while it is off-screen or hidden.
 *
 * @summary Live view of an audio-pool-analyzer's buffer pool.
 *
 * @csspart panel - The whole panel.
 * @csspart state - The analyzer's state.
 * @csspart transport - What the cells and counters mean for the transport that runs.
 * @csspart hit-rate - The hit-rate figure.
 * @csspart sparkline - The hit-rate history.
 * @csspart grid - The buffer grid.
 * @csspart cell - One buffer, whatever its state.
 * @csspart cell-available - A buffer in the pool.
 * @csspart cell-in-flight - A buffer posted to the page and not yet back.
 * @csspart cell-processing - A buffer retained by a listener.
 * @csspart ages - The disclosure listing each buffer out with its age, for keyboard and screen-reader users.
 * @csspart counters - The counters table.
 *
 * @cssprop [--pool-stats-panel-background=#ffffff] - Background (dark scheme: #161a22).
 * @cssprop [--pool-stats-panel-color=#1d2330] - Text colour (dark scheme: #e6e9ef).
 * @cssprop [--pool-stats-panel-muted-color=#5b6478] - Labels (dark scheme: #a3abbd).
 * @cssprop [--pool-stats-panel-border-color=#d4d8e0] - Borders and rules (dark scheme: #343b4a).
 * @cssprop [--pool-stats-panel-accent-color=#2456c9] - Hit rate and sparkline (dark scheme: #7aa2ff).
 * @cssprop [--pool-stats-panel-available-color=#1e7048] - Available buffers (dark scheme: #4cc38a).
 * @cssprop [--pool-stats-panel-in-flight-color=#8a5d00] - Buffers in flight (dark scheme: #f0b429).
 * @cssprop [--pool-stats-panel-processing-color=#7b3fc4] - Buffers retained by listeners (dark scheme: #b18cf2).
 * @cssprop [--pool-stats-panel-cell-text-color=#ffffff] - The letters on the buffer cells (dark scheme: #161a22); at least 4.5:1 against the three cell colours in both schemes.
 * @cssprop [--pool-stats-panel-alarm-color=#c62828] - Errors, drops and stuck buffers (dark scheme: #ff6b6b).
 * @cssprop [--pool-stats-panel-font=14px/1.4 system-ui, sans-serif] - Font.
 */
export class PoolStatsPanel extends LitElement {
  static override styles = poolStatsPanelStyles;

  /** Id of the `<audio-pool-analyzer>` to show, in the same root. */
  @property({ attribute: 'for' })
  htmlFor: string | null = null;

  /** The analyzer to show; takes precedence over `for`. */
  @property({ attribute: false })
  analyzer: AudioPoolAnalyzer | null = null;

  /** One-line version. */
  @property({ type: Boolean, reflect: true })
  compact = false;

  /** The snapshot shown; set by the bound analyzer, or directly. */
  @property({ attribute: false })
  stats: AnalyzerStats | null = null;

  /** Hidden, the panel does not render; shown again, it renders the latest snapshot. */
  @property({ type: Boolean, reflect: true })
  override hidden = false;

  /** The analyzer state shown. */
  @property({ attribute: false })
  state: AnalyzerState = 'idle';

  /** The analyzer the listeners are attached to, if any. */
  get boundAnalyzer(): AudioPoolAnalyzer | null {
    return this.bound;
  }

  /** Whether the list of buffers out is open: it is rendered only then. */
  @state()
  private agesOpen = false;

  private readonly onAgesToggle = (event: Event): void => {
    this.agesOpen = (event.currentTarget as HTMLDetailsElement).open;
  };

  /** Not reactive: shown at the next stats update, so long tasks cause no renders of their own. */
  private longestStallMs: number | null = null;
  private history: { at: number; hitRate: number }[] = [];
  private bound: AudioPoolAnalyzer | null = null;
  private visible = true;
  private longTasks: PerformanceObserver | null = null;
  private visibility: IntersectionObserver | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    this.observeLongTasks();
    this.visibility = new IntersectionObserver((entries) => {
      const wasVisible = this.visible;
      this.visible = entries.some((entry) => entry.isIntersecting);
      if (this.visible && !wasVisible) this.requestUpdate();
    });
    this.visibility.observe(this);
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => this.rebind(), { once: true });
    else this.rebind();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unbind();
    this.longTasks?.disconnect();
    this.longTasks = null;
    this.visibility?.disconnect();
    this.visibility = null;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('htmlFor') || changed.has('analyzer')) this.rebind();
    if (changed.has('stats') && this.stats) {
      const now = performance.now();
      this.history.push({ at: now, hitRate: this.stats.hitRate });
      while ((this.history[0]?.at ?? now) < now - HISTORY_SECONDS * 1000) this.history.shift();
    }
  }

  protected override shouldUpdate(): boolean {
    return this.visible && !this.hidden;
  }

  protected override render() {
    const stats = this.stats;
    if (this.compact) return this.renderCompact(stats);
    return html`<section part="panel" aria-label=${`Buffer pool${this.bound?.id ? ` of #${this.bound.id}` : ''}`}>
      <header>
        <span part="state" class="state ${this.state}">${this.state}</span>
        <span class="muted">${stats ? `${stats.transport}, ${stats.poolSize} × ${stats.batchSize} frames × ${stats.channels} ch` : 'no stats yet'}</span>
      </header>
      ${stats ? html`<p part="transport" class="muted note">${TRANSPORT_NOTES[stats.transport]}</p>` : nothing}
      <div class="hit-rate">
        <span class="muted">Hit rate</span>
        <span part="hit-rate" class="figure">${stats ? percent(stats.hitRate) : '–'}</span>
        ${this.renderSparkline()}
      </div>
      ${stats ? this.renderGrid(stats) : nothing} ${stats ? this.renderCounters(stats) : nothing}
    </section>`;
  }

  private renderCompact(stats: AnalyzerStats | null) {
    const summary = stats
      ? `hit ${percent(stats.hitRate)} · ${stats.available} available, ${stats.inFlight} in flight, ${stats.processing} processing · ${stats.skippedBatches} dropped`
      : 'no stats yet';
    return html`<span part="panel"><span part="state" class="state ${this.state}">${this.state}</span> <span>${summary}</span></span>`;
  }

  private renderSparkline() {
    const points = this.history;
    if (points.length < 2) return nothing;
    const first = points[0]?.at ?? 0;
    const low = Math.min(0.9, ...points.map((point) => point.hitRate));
    const coordinates = points
      .map(
        (point) =>
          `${(((point.at - first) / (HISTORY_SECONDS * 1000)) * 160).toFixed(1)},${(36 - ((point.hitRate - low) / (1 - low || 1)) * 36).toFixed(1)}`,
      )
      .join(' ');
    const lowest = Math.min(...points.map((point) => point.hitRate));
    return html`<svg part="sparkline" viewBox="0 0 160 36" role="img" aria-label=${`Hit rate over the last ${HISTORY_SECONDS} s: lowest ${percent(lowest)}`}>
      ${svg`<polyline points=${coordinates}></polyline>`}
    </svg>`;
  }

  private renderGrid(stats: AnalyzerStats) {
    const cells: { slot: number; state: SlotState; ageMs: number }[] = [];
    stats.slotStates.forEach((code, slot) => {
      const slotState = SLOT_STATES[code] ?? 'empty';
      if (slotState !== 'empty') cells.push({ slot, state: slotState, ageMs: stats.slotAgesMs[slot] ?? 0 });
    });
    const stuckAfter = stats.timeout * STUCK_SHARE;
    const isStuck = ({ state, ageMs }: { state: SlotState; ageMs: number }) => state !== 'available' && ageMs >= stuckAfter;
    // The cells are hidden from assistive technology, so the summary names the stuck ones, as their tooltips do.
    const stuckNames = cells
      .filter(isStuck)
      .map(({ slot, state, ageMs }) => `buffer ${slot} (${SLOT_LABELS[state].name}, out for ${Math.round(ageMs)} ms)`);
    const label = `${cells.length} buffers: ${stats.available} available, ${stats.inFlight} in flight, ${stats.processing} processing${stuckNames.length > 0 ? `; stuck: ${stuckNames.join(', ')}` : ''}`;
    return html`<div part="grid" class="grid" role="img" aria-label=${label}>
        ${cells.map(({ slot, state, ageMs }) => {
          const stuck = isStuck({ state, ageMs });
          const title = `buffer ${slot}: ${SLOT_LABELS[state].name}${state === 'available' ? '' : `, out for ${Math.round(ageMs)} ms`}${stuck ? ' (stuck?)' : ''}`;
          return html`<span part="cell cell-${state}" class="cell ${state} ${stuck ? 'stuck' : ''}" title=${title} aria-hidden="true"
            >${SLOT_LABELS[state].symbol}${stuck ? '!' : ''}</span
          >`;
        })}
      </div>
      <div class="legend" aria-hidden="true">A available · F in flight · P processing · ! out longer than half the timeout</div>
      <details part="ages" class="ages" @toggle=${this.onAgesToggle}>
        <summary>Buffers out, with their ages</summary>
        ${
          this.agesOpen
            ? this.renderAges(
                cells.filter(({ state }) => state !== 'available'),
                isStuck,
              )
            : nothing
        }
      </details>`;
  }

  /** What the cells' tooltips say, as a table a keyboard or a screen reader reaches. */
  private renderAges(
    out: { slot: number; state: SlotState; ageMs: number }[],
    isStuck: (cell: { state: SlotState; ageMs: number }) => boolean,
  ) {
    if (out.length === 0) return html`<p class="muted">No buffer is out.</p>`;
    return html`<table>
      <thead>
        <tr><th scope="col">Buffer</th><th scope="col">State</th><th scope="col">Out for</th></tr>
      </thead>
      <tbody>
        ${out.map(
          (cell) =>
            html`<tr class=${isStuck(cell) ? 'alarm' : ''}>
              <th scope="row">buffer ${cell.slot}</th>
              <td>${SLOT_LABELS[cell.state].name}</td>
              <td>${Math.round(cell.ageMs)} ms${isStuck(cell) ? ' (stuck?)' : ''}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
  }

  private renderCounters(stats: AnalyzerStats) {
    const rows: [string, string, boolean?][] = [
      ['Delivered batches', String(stats.deliveredBatches)],
      ['Dropped batches', String(stats.skippedBatches), stats.skippedBatches > 0],
      ['Skipped frames', String(stats.skippedFrames), stats.skippedFrames > 0],
      ['Allocations (after start)', `${stats.allocations} (${stats.allocationsAfterStart})`],
      ['Reclaims', String(stats.reclaims), stats.reclaims > 0],
      ...INVALID_RETURN_REASONS.map((reason): [string, string, boolean] => [
        `Invalid returns: ${REASON_LABELS[reason]}`,
        String(stats.invalidReturns[reason]),
        stats.invalidReturns[reason] > 0,
      ]),
      ['Turnover avg / max', `${stats.turnoverAvgMs.toFixed(1)} / ${stats.turnoverMaxMs.toFixed(1)} ms`],
      ['Given back / messages', `${stats.buffersReturned} / ${stats.returnMessages}`],
      ['Wake-ups (shared memory)', String(stats.wakeups)],
      ['Render gaps (browser)', `${stats.renderGaps} (${stats.renderGapFrames} frames, ${stats.gapDiscardedFrames} staged discarded)`],
      [
        'Output underruns (browser)',
        stats.outputUnderruns
          ? `${stats.outputUnderruns.events} (${stats.outputUnderruns.durationMs.toFixed(1)} ms)`
          : 'not measured in this browser',
        (stats.outputUnderruns?.events ?? 0) > 0,
      ],
      [
        'Longest main-thread stall',
        this.longestStallMs === null ? 'not measured in this browser' : `${Math.round(this.longestStallMs)} ms`,
      ],
    ];
    return html`<table part="counters">
      <caption>Counters</caption>
      <tbody>
        ${rows.map(([name, value, alarm]) => html`<tr><th scope="row">${name}</th><td class=${alarm ? 'alarm' : ''}>${value}</td></tr>`)}
      </tbody>
    </table>`;
  }

  private rebind(): void {
    const target = this.analyzer ?? this.resolveFor();
    if (target === this.bound) return;
    this.unbind();
    if (!target) return;
    this.bound = target;
    target.addEventListener('pool-stats', this.onStats);
    target.addEventListener('state-change', this.onStateChange);
    this.stats = target.stats;
    this.state = target.state;
  }

  private resolveFor(): AudioPoolAnalyzer | null {
    if (!this.htmlFor || !this.isConnected) return null;
    const found = (this.getRootNode() as Document | ShadowRoot).getElementById(this.htmlFor);
    return found instanceof AudioPoolAnalyzer ? found : null;
  }

  private unbind(): void {
    this.bound?.removeEventListener('pool-stats', this.onStats);
    this.bound?.removeEventListener('state-change', this.onStateChange);
    this.bound = null;
  }

  private readonly onStats = (event: HTMLElementEventMap['pool-stats']): void => {
    this.stats = event.detail;
  };

  private readonly onStateChange = (event: HTMLElementEventMap['state-change']): void => {
    this.state = event.detail.state;
    if (!this.bound?.isConnected) this.unbind();
  };

  private observeLongTasks(): void {
    if (!PerformanceObserver.supportedEntryTypes?.includes('longtask')) return;
    this.longestStallMs = 0;
    this.longTasks = new PerformanceObserver((list) => {
      const longest = Math.max(...list.getEntries().map((entry) => entry.duration));
      if (longest > (this.longestStallMs ?? 0)) this.longestStallMs = longest;
    });
    this.longTasks.observe({ type: 'longtask' });
  }
}

// Guarded, so that two copies of the package on one page do not throw.
if (!customElements.get('pool-stats-panel')) customElements.define('pool-stats-panel', PoolStatsPanel);

declare global {
  interface HTMLElementTagNameMap {
    'pool-stats-panel': PoolStatsPanel;
  }
}
