/**
 * Fails when the committed custom-elements.json differs from what the analyzer generates now:
 * run `npm run analyze` and commit the result.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

// The analyzer takes --outdir relative to the project, so the fresh copy goes under node_modules.
const outdir = 'node_modules/.cache/cem-check';
try {
  execFileSync('npx', ['cem', 'analyze', '--outdir', outdir, '--quiet'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const fresh = readFileSync(join(outdir, 'custom-elements.json'), 'utf8');
  const committed = readFileSync('custom-elements.json', 'utf8');
  if (fresh.trim() !== committed.trim()) {
    console.error('custom-elements.json is stale: run "npm run analyze" and commit the result.');
    process.exit(1);
  }
  console.log('custom-elements.json is up to date.');
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
