/**
 * The package root: both elements (each module defines its own tag, so importing one alone works
 * too), their event and stats types, and the option schema. The wire protocol and the session are
 * internals, reachable only by their own subpaths.
 */
export { AudioPoolAnalyzer } from './audio-pool-analyzer.js';
export type { SourceInput } from './audio-sources.js';
export { RENDER_WAIT_MS } from './capture-controller.js';
export {
  ACTIVE_TRANSPORTS,
  type ActiveTransport,
  CAPTURE_OPTIONS,
  type CaptureConfig,
  DEFAULT_CONFIG,
  TRANSPORTS,
  type Transport,
} from './config.js';
export {
  ANALYZER_ERROR_CODES,
  ANALYZER_STATES,
  type AnalysisFrame,
  type AnalyzerErrorCode,
  type AnalyzerErrorDetail,
  type AnalyzerEventDetails,
  type AnalyzerState,
  type AnalyzerStats,
  type BufferReclaimedDetail,
  type OutputUnderruns,
  type PoolExhaustedDetail,
  type StateChangeDetail,
} from './events.js';
export { PoolStatsPanel } from './pool-stats-panel.js';
export { INVALID_RETURN_REASONS, type InvalidReturnReason, type PoolStats, SLOT_STATES, type SlotState } from './stats.js';
export { defaultWorkletUrl } from './worklet-url.js';
