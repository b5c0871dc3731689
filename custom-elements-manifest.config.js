/** One configuration for `npm run analyze` and the staleness check in `npm test`. */
export default {
  globs: ['src/**/*.ts'],
  exclude: ['src/**/*.styles.ts'],
  litelement: true,
  // package.json names the manifest itself; the analyzer would rewrite it to wherever it writes.
  packagejson: false,
};
