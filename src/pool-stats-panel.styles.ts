import { css } from 'lit';

export const poolStatsPanelStyles = css`
  :host {
    --_background: var(--pool-stats-panel-background, #ffffff);
    --_color: var(--pool-stats-panel-color, #1d2330);
    --_muted: var(--pool-stats-panel-muted-color, #5b6478);
    --_border: var(--pool-stats-panel-border-color, #d4d8e0);
    --_accent: var(--pool-stats-panel-accent-color, #2456c9);
    --_available: var(--pool-stats-panel-available-color, #1e7048);
    --_in-flight: var(--pool-stats-panel-in-flight-color, #8a5d00);
    --_processing: var(--pool-stats-panel-processing-color, #7b3fc4);
    --_alarm: var(--pool-stats-panel-alarm-color, #c62828);
    --_cell-text: var(--pool-stats-panel-cell-text-color, #ffffff);
    display: block;
    font: var(--pool-stats-panel-font, 14px/1.4 system-ui, sans-serif);
    color: var(--_color);
    background: var(--_background);
    border: 1px solid var(--_border);
    border-radius: 8px;
    padding: 12px;
    contain: content;
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --_background: var(--pool-stats-panel-background, #161a22);
      --_color: var(--pool-stats-panel-color, #e6e9ef);
      --_muted: var(--pool-stats-panel-muted-color, #a3abbd);
      --_border: var(--pool-stats-panel-border-color, #343b4a);
      --_accent: var(--pool-stats-panel-accent-color, #7aa2ff);
      --_available: var(--pool-stats-panel-available-color, #4cc38a);
      --_in-flight: var(--pool-stats-panel-in-flight-color, #f0b429);
      --_processing: var(--pool-stats-panel-processing-color, #b18cf2);
      --_alarm: var(--pool-stats-panel-alarm-color, #ff6b6b);
      --_cell-text: var(--pool-stats-panel-cell-text-color, #161a22);
    }
  }
  :host([hidden]) {
    display: none;
  }
  :host([compact]) {
    display: inline-block;
    padding: 4px 8px;
  }
  header {
    display: flex;
    gap: 8px;
    align-items: baseline;
    flex-wrap: wrap;
  }
  .state {
    font-weight: 600;
    text-transform: uppercase;
    letter-spacing: 0.04em;
  }
  .state.error,
  .state.stalled,
  .alarm {
    color: var(--_alarm);
  }
  .muted {
    color: var(--_muted);
  }
  .note {
    margin: 4px 0 0;
    font-size: 0.85em;
  }
  .hit-rate {
    display: flex;
    align-items: center;
    gap: 12px;
    margin: 8px 0;
  }
  .figure {
    font-size: 2.2em;
    font-weight: 700;
    font-variant-numeric: tabular-nums;
    color: var(--_accent);
  }
  svg {
    width: 160px;
    height: 36px;
    overflow: visible;
  }
  polyline {
    fill: none;
    stroke: var(--_accent);
    stroke-width: 1.5;
  }
  .grid {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(22px, 1fr));
    gap: 3px;
    margin: 8px 0 4px;
  }
  .cell {
    display: grid;
    place-items: center;
    height: 22px;
    border-radius: 4px;
    font: 600 11px/1 ui-monospace, monospace;
    color: var(--_cell-text);
  }
  .cell.available {
    background: var(--_available);
  }
  .cell.in-flight {
    background: var(--_in-flight);
  }
  .cell.processing {
    background: var(--_processing);
  }
  .cell.stuck {
    outline: 2px solid var(--_alarm);
    outline-offset: 1px;
  }
  .legend {
    font-size: 0.85em;
    color: var(--_muted);
  }
  .ages summary {
    cursor: pointer;
    margin-top: 6px;
    font-size: 0.85em;
  }
  table {
    border-collapse: collapse;
    width: 100%;
    margin-top: 8px;
    font-variant-numeric: tabular-nums;
  }
  caption {
    text-align: left;
    font-weight: 600;
    padding-bottom: 4px;
  }
  th {
    text-align: left;
    font-weight: normal;
    color: var(--_muted);
  }
  td {
    text-align: right;
  }
  th,
  td {
    padding: 2px 0;
    border-bottom: 1px solid var(--_border);
  }
  /* Forced colours drop the fills: the letters and outlines carry the states. */
  @media (forced-colors: active) {
    .cell {
      border: 1px solid CanvasText;
      color: CanvasText;
    }
    .cell.stuck {
      outline-color: Highlight;
    }
  }
`;
