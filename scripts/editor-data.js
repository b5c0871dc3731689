/**
 * Writes the editor and framework data the package ships, from the committed custom-elements.json:
 * VS Code's custom data for HTML and CSS (completion and hover docs for the tags, attributes, their
 * values, the custom properties and parts), JetBrains' web-types (named by package.json's
 * `web-types`), and JSX types for React 19, Preact and other JSX frameworks (`audio-pool-analyzer/jsx`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { generateJsxTypes } from '@wc-toolkit/jsx-types';
import { generateJetBrainsWebTypes } from 'custom-element-jet-brains-integration';
import { generateVsCodeCustomElementData } from 'custom-element-vs-code-integration';

export const EDITOR_DATA_DIR = 'dist/editor';
export const JSX_TYPES = 'dist/types/jsx.d.ts';

const manifest = JSON.parse(readFileSync('custom-elements.json', 'utf8'));
const quiet = { hideLogs: true, descriptionSrc: 'description' };
generateVsCodeCustomElementData(manifest, {
  ...quiet,
  outdir: EDITOR_DATA_DIR,
  htmlFileName: 'vscode.html-custom-data.json',
  cssFileName: 'vscode.css-custom-data.json',
});
generateJetBrainsWebTypes(manifest, { ...quiet, outdir: EDITOR_DATA_DIR, webTypesFileName: 'web-types.json' });
generateJsxTypes(manifest, { hideLogs: true, outdir: 'dist/types', fileName: 'jsx.d.ts', globalTypePath: 'audio-pool-analyzer' });
// The generator also augments the JSX of frameworks an app may not have (Stencil, Hono, React
// Native, Solid, the global namespace): a module that cannot be found fails the app's type check.
// The app augments its own framework's JSX with the exported types instead (README).
const jsx = readFileSync(JSX_TYPES, 'utf8');
const augmentations = /\n(declare (module "[^"]+"|global) \{\n(?:.*\n)*?\}\n)/g;
writeFileSync(JSX_TYPES, jsx.replace(augmentations, ''));
console.log(`wrote VS Code custom data and JetBrains web-types to ${EDITOR_DATA_DIR}/, JSX types to ${JSX_TYPES}`);
