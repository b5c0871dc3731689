/**
 * Writes the editor data the package ships, from the committed custom-elements.json: VS Code's
 * custom data for HTML and CSS (completion and hover docs for the tags, attributes, their values,
 * the custom properties and parts) and JetBrains' web-types (named by package.json's `web-types`).
 */
import { readFileSync } from 'node:fs';
import { generateJetBrainsWebTypes } from 'custom-element-jet-brains-integration';
import { generateVsCodeCustomElementData } from 'custom-element-vs-code-integration';

export const EDITOR_DATA_DIR = 'dist/editor';

const manifest = JSON.parse(readFileSync('custom-elements.json', 'utf8'));
const quiet = { hideLogs: true, descriptionSrc: 'description' };
generateVsCodeCustomElementData(manifest, {
  ...quiet,
  outdir: EDITOR_DATA_DIR,
  htmlFileName: 'vscode.html-custom-data.json',
  cssFileName: 'vscode.css-custom-data.json',
});
generateJetBrainsWebTypes(manifest, { ...quiet, outdir: EDITOR_DATA_DIR, webTypesFileName: 'web-types.json' });
console.log(`wrote VS Code custom data and JetBrains web-types to ${EDITOR_DATA_DIR}/`);
