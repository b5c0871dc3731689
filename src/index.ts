export * from './capture-session.js';
export * from './config.js';
export * from './protocol.js';
export * from './worklet-url.js';
