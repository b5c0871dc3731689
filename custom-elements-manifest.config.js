/** One configuration for `npm run analyze` and the staleness check in `npm test`. */
import { readFileSync } from 'node:fs';
import { transform } from 'esbuild';

/** A pure TypeScript module of ours, loaded for its constants (its imports must be types only). */
async function loadSource(path) {
  const { code } = await transform(readFileSync(path, 'utf8'), { loader: 'ts', format: 'esm' });
  return import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
}

const config = await loadSource('src/config.ts');
const events = await loadSource('src/events.ts');
const union = (values) => values.map((value) => `'${value}'`).join(' | ');
/** Type names spelled out as the unions they stand for, so editors can offer the values. */
const UNIONS = {
  Transport: union(config.TRANSPORTS),
  ActiveTransport: union(config.ACTIVE_TRANSPORTS),
  AnalyzerState: union(events.ANALYZER_STATES),
  LatencyCategory: union(config.LATENCY_CATEGORIES),
  Feature: `(${union(config.FEATURES)})`,
};
/** Every option's default, by property: the capture, context and analysis options. */
const DEFAULTS = { ...config.DEFAULT_CONFIG, ...config.DEFAULT_CONTEXT, ...config.DEFAULT_ANALYSIS };
/** A default as the manifest writes it: strings quoted, a list as the attribute's words. */
const defaultText = (value) => (typeof value === 'string' ? `'${value}'` : Array.isArray(value) ? `'${value.join(' ')}'` : String(value));
/** Attributes the analyzer reflects from its state, typed by the unions above. */
const REFLECTED_TYPES = { state: 'AnalyzerState', 'transport-active': 'ActiveTransport | null' };

const camelCase = (name) => name.replace(/-(\w)/g, (_, letter) => letter.toUpperCase());
const spellOut = (text) => text.replace(/\b[A-Z]\w*\b/g, (name) => UNIONS[name] ?? name);
/** The shipped file a source module is built into. */
const shippedPath = (path) => path.replace(/^src\/(.*)\.ts$/, 'dist/src/$1.js');

/** Points every module path and module reference at the JavaScript the package ships (as Shoelace's manifest does). */
function pointAtShippedFiles(node) {
  if (Array.isArray(node)) node.forEach(pointAtShippedFiles);
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if ((key === 'path' || key === 'module') && typeof value === 'string') node[key] = shippedPath(value);
      else pointAtShippedFiles(value);
    }
  }
}

/** What users of the elements need from the manifest, and nothing of their insides. */
function publicApiPlugin() {
  return {
    name: 'audio-pool-analyzer-public-api',
    packageLinkPhase({ customElementsManifest }) {
      for (const module of customElementsManifest.modules) {
        for (const declaration of module.declarations ?? []) {
          if (!declaration.customElement) continue;
          declaration.members = (declaration.members ?? []).filter(
            (member) => member.privacy !== 'private' && member.privacy !== 'protected' && !member.name.startsWith('#'),
          );
          for (const attribute of declaration.attributes ?? []) {
            const reflected = REFLECTED_TYPES[attribute.name];
            attribute.fieldName ??= camelCase(attribute.name);
            const member = declaration.members.find((each) => each.name === attribute.fieldName);
            if (reflected) attribute.type = { text: reflected };
            if (member) {
              member.attribute ??= attribute.name;
              // The read-only attributes are the analyzer's state, written back at every stats update.
              if (attribute.description?.startsWith('Read-only')) member.reflects = true;
            }
            if (attribute.fieldName in DEFAULTS) {
              const value = DEFAULTS[attribute.fieldName];
              attribute.default = defaultText(value);
              if (member) member.default = attribute.default;
            }
          }
          for (const item of [...(declaration.attributes ?? []), ...declaration.members, ...(declaration.events ?? [])]) {
            if (item.type?.text) item.type.text = spellOut(item.type.text);
          }
        }
      }
      pointAtShippedFiles(customElementsManifest.modules);
    },
  };
}

export default {
  globs: ['src/**/*.ts'],
  exclude: ['src/**/*.styles.ts'],
  litelement: true,
  // package.json names the manifest itself; the analyzer would rewrite it to wherever it writes.
  packagejson: false,
  plugins: [publicApiPlugin()],
};
