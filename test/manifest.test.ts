import { expect } from '@open-wc/testing';
import '../src/index.js';
import {
  ANALYSIS_OPTIONS,
  CAPTURE_OPTIONS,
  CONTEXT_OPTIONS,
  DEFAULT_ANALYSIS,
  DEFAULT_CONFIG,
  DEFAULT_CONTEXT,
  FEATURES,
  LATENCY_CATEGORIES,
  TRANSPORTS,
} from '../src/config.js';
import { ANALYZER_STATES } from '../src/events.js';
import { ACTIVE_TRANSPORTS } from '../src/index.js';
import { running, stopAnalyzersAndCleanup, toneAnalyzer } from './helpers/analyzer.js';
import { nextEvent } from './helpers/events.js';

interface Item {
  name: string;
  type?: { text: string };
  default?: string;
  description?: string;
  fieldName?: string;
  attribute?: string;
  privacy?: string;
  reflects?: boolean;
}

interface Declaration {
  kind: string;
  name: string;
  tagName?: string;
  attributes?: Item[];
  members?: Item[];
  events?: Item[];
}

interface Manifest {
  modules: {
    path: string;
    declarations?: Declaration[];
    exports?: { kind: string; name: string; declaration: { name: string; module: string } }[];
  }[];
}

const union = (values: readonly string[]) => values.map((value) => `'${value}'`).join(' | ');

async function manifest(): Promise<Manifest> {
  return (await (await fetch('/custom-elements.json')).json()) as Manifest;
}

async function element(tagName: string): Promise<Declaration> {
  const declaration = (await manifest()).modules.flatMap((module) => module.declarations ?? []).find((each) => each.tagName === tagName);
  if (!declaration) throw new Error(`no ${tagName} in the manifest`);
  return declaration;
}

describe('custom-elements.json', () => {
  afterEach(stopAnalyzersAndCleanup);

  it('names the JavaScript files the package ships, each built from a source here', async () => {
    for (const module of (await manifest()).modules) {
      expect(module.path).to.match(/^dist\/src\/.+\.js$/);
      const source = module.path.replace(/^dist\/(src\/.+)\.js$/, '/$1.ts');
      expect((await fetch(source)).ok, source).to.equal(true);
    }
  });

  it('links each tag definition to the class its module declares', async () => {
    const modules = (await manifest()).modules;
    const definitions = modules.flatMap((module) => (module.exports ?? []).filter((each) => each.kind === 'custom-element-definition'));
    expect(definitions.map((definition) => definition.name).sort()).to.deep.equal(['audio-pool-analyzer', 'pool-stats-panel']);
    for (const definition of definitions) {
      const declared = modules
        .find((module) => module.path === definition.declaration.module)
        ?.declarations?.find((each) => each.name === definition.declaration.name);
      expect(declared?.tagName, definition.name).to.equal(definition.name);
      expect(customElements.get(definition.name)?.name).to.equal(definition.declaration.name);
    }
  });

  it("gives every option attribute its default and spells out the analyzer's unions", async () => {
    const analyzer = await element('audio-pool-analyzer');
    const attribute = (name: string) => analyzer.attributes?.find((each) => each.name === name);
    const defaults: Record<string, unknown> = { ...DEFAULT_CONFIG, ...DEFAULT_CONTEXT, ...DEFAULT_ANALYSIS };
    const options = [...Object.entries(CAPTURE_OPTIONS), ...Object.entries(CONTEXT_OPTIONS), ...Object.entries(ANALYSIS_OPTIONS)];
    for (const [field, option] of options) {
      const value = defaults[field];
      const written = typeof value === 'string' ? `'${value}'` : Array.isArray(value) ? `'${value.join(' ')}'` : String(value);
      expect(attribute(option.attribute)?.default, option.attribute).to.equal(written);
      expect(attribute(option.attribute)?.fieldName, option.attribute).to.equal(field);
    }
    expect(attribute('transport')?.type?.text).to.equal(union(TRANSPORTS));
    expect(attribute('state')?.type?.text).to.equal(union(ANALYZER_STATES));
    expect(attribute('transport-active')?.type?.text).to.equal(`${union(ACTIVE_TRANSPORTS)} | null`);
    expect(attribute('latency-hint')?.type?.text).to.equal(`${union(LATENCY_CATEGORIES)} | number`);
    expect(attribute('features')?.type?.text).to.equal(`readonly (${union(FEATURES)})[]`);
  });

  it('links every attribute to a real property, marks the read-only ones reflected, and lists no private member', async () => {
    for (const tagName of ['audio-pool-analyzer', 'pool-stats-panel']) {
      const declaration = await element(tagName);
      const instance = document.createElement(tagName);
      for (const attribute of declaration.attributes ?? []) {
        expect(attribute.fieldName, `${tagName} ${attribute.name}`).to.be.a('string');
        expect((attribute.fieldName as string) in instance, `${tagName}.${attribute.fieldName}`).to.equal(true);
        const member = declaration.members?.find((each) => each.name === attribute.fieldName);
        expect(member?.attribute, `${tagName}.${attribute.fieldName}`).to.equal(attribute.name);
        if (attribute.description?.startsWith('Read-only')) expect(member?.reflects, attribute.name).to.equal(true);
      }
      for (const member of declaration.members ?? []) {
        expect(member.privacy, `${tagName}.${member.name}`).to.equal(undefined);
        expect(member.name in instance, `${tagName}.${member.name}`).to.equal(true);
      }
    }
  });

  it("describes every field of an analysis frame's detail", async () => {
    const analyzer = await toneAnalyzer({ 'batch-size': 256 });
    const frame = nextEvent(analyzer, 'analysis-frame');
    await running(analyzer);
    const { detail } = await frame;
    const fields = [...Object.keys(detail), 'retain()'];
    const description = (await element('audio-pool-analyzer')).events?.find((event) => event.name === 'analysis-frame')?.description ?? '';
    for (const field of fields) expect(description, field).to.contain(`\`${field}\``);
  });
});
