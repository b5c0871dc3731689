import { AudioPoolAnalyzer } from './audio-pool-analyzer.js';
import { PoolStatsPanel } from './pool-stats-panel.js';

export { AudioPoolAnalyzer } from './audio-pool-analyzer.js';
export * from './audio-sources.js';
export * from './capture-controller.js';
export * from './capture-session.js';
export * from './config.js';
export * from './events.js';
export { PoolStatsPanel } from './pool-stats-panel.js';
export * from './protocol.js';
export * from './stats.js';
export * from './worklet-url.js';

// Guarded, so that two copies of the package on one page do not throw.
if (!customElements.get('audio-pool-analyzer')) customElements.define('audio-pool-analyzer', AudioPoolAnalyzer);
if (!customElements.get('pool-stats-panel')) customElements.define('pool-stats-panel', PoolStatsPanel);

declare global {
  interface HTMLElementTagNameMap {
    'audio-pool-analyzer': AudioPoolAnalyzer;
    'pool-stats-panel': PoolStatsPanel;
  }
}
