import { expect } from '@open-wc/testing';
import '../src/index.js';
import type { AudioPoolAnalyzer } from '../src/audio-pool-analyzer.js';
import { running, statsWhere, stopAnalyzersAndCleanup, toneAnalyzer } from './helpers/analyzer.js';
import { nextEvent } from './helpers/events.js';

const DOCS_WITH_EXAMPLES = ['detached-buffers', 'configuration', 'troubleshooting'];
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
  ...args: string[]
) => (analyzer: AudioPoolAnalyzer) => Promise<void>;

/** The ```js blocks of a doc, as written. */
async function examples(doc: string): Promise<string[]> {
  const markdown = await (await fetch(`/docs/${doc}.md`)).text();
  return [...markdown.matchAll(/```js\n([\s\S]*?)```/g)].map((match) => match[1] as string);
}

describe('docs examples', () => {
  afterEach(stopAnalyzersAndCleanup);

  for (const doc of DOCS_WITH_EXAMPLES) {
    it(`runs every example in docs/${doc}.md against a live analyzer without an error`, async () => {
      const blocks = await examples(doc);
      expect(blocks.length, `examples in ${doc}.md`).to.be.greaterThan(0);
      const analyzer = await toneAnalyzer({ 'batch-size': 256 });
      await analyzer.start();
      const errors: string[] = [];
      const onError = (event: ErrorEvent) => errors.push(String(event.error ?? event.message));
      const onRejection = (event: PromiseRejectionEvent) => errors.push(String(event.reason));
      window.addEventListener('error', onError);
      window.addEventListener('unhandledrejection', onRejection);
      try {
        for (const code of blocks) await new AsyncFunction('analyzer', code)(analyzer);
        // Let the listeners the examples added see some frames, and a stats update after them
        // (a task later than any promise a listener started).
        let frames = 0;
        await nextEvent(analyzer, 'analysis-frame', () => ++frames === 10);
        await nextEvent(analyzer, 'pool-stats');
      } finally {
        window.removeEventListener('error', onError);
        window.removeEventListener('unhandledrejection', onRejection);
      }
      expect(errors).to.deep.equal([]);
    });
  }

  it('lists every field of a real pool-stats snapshot in docs/stats.md, and no field that is not in one', async () => {
    const analyzer = await toneAnalyzer();
    await running(analyzer);
    const { detail } = await statsWhere(analyzer);
    const markdown = await (await fetch('/docs/stats.md')).text();
    const documented = [...markdown.matchAll(/^\| `(\w+)` /gm)].map((match) => match[1] as string);
    expect(Object.keys(detail).filter((field) => !documented.includes(field))).to.deep.equal([]);
    expect(documented.filter((field) => !(field in detail))).to.deep.equal([]);
  });
});
