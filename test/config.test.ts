import { expect } from '@open-wc/testing';
import {
  CAPTURE_OPTION_NAMES,
  CAPTURE_OPTIONS,
  checkPartialConfig,
  checkWorkletConfig,
  DEFAULT_CONFIG,
  parseOption,
} from '../src/config.js';
import { resolveTransport } from '../src/transports/index.js';

describe('config', () => {
  it('declares the documented defaults', () => {
    expect(DEFAULT_CONFIG).to.deep.equal({
      poolSize: 16,
      batchSize: 1024,
      timeout: 1000,
      channels: 1,
      transport: 'auto',
      statsInterval: 250,
    });
  });

  for (const name of CAPTURE_OPTION_NAMES) {
    const option = CAPTURE_OPTIONS[name];
    if (option.kind === 'integer') {
      it(`accepts ${name} at both ends of its range, as number or string, and refuses outside it`, () => {
        expect(parseOption(name, option.min)).to.deep.equal({ ok: true, value: option.min });
        expect(parseOption(name, String(option.max))).to.deep.equal({ ok: true, value: option.max });
        for (const bad of [
          option.min - 1,
          option.max + 1,
          1.5 + option.min,
          Number.NaN,
          Number.POSITIVE_INFINITY,
          '',
          ' ',
          'abc',
          '12px',
          null,
          {},
          true,
        ]) {
          const result = parseOption(name, bad);
          expect(result.ok, `${name} = ${String(bad)}`).to.equal(false);
          if (!result.ok) expect(result.reason).to.contain(option.attribute).and.to.contain(`from ${option.min} to ${option.max}`);
        }
      });
    } else {
      it(`accepts only the listed values for ${name}`, () => {
        for (const value of option.values) expect(parseOption(name, value)).to.deep.equal({ ok: true, value });
        for (const bad of ['PING-PONG', 'clone', '', 3, null]) expect(parseOption(name, bad).ok).to.equal(false);
      });
    }
  }

  it('splits a partial configuration into the valid fields and the reasons for the rest', () => {
    const check = checkPartialConfig({ poolSize: 8, batchSize: 7, colour: 'red', transport: 'allocate' });
    expect(check.config).to.deep.equal({ poolSize: 8, transport: 'allocate' });
    expect(check.errors).to.have.length(2);
    expect(check.errors.join()).to.contain('batch-size').and.to.contain('"colour"');
  });

  it('refuses an unresolved "auto" transport on the worklet side, keeping the other fields', () => {
    const check = checkWorkletConfig({ poolSize: 8, transport: 'auto' });
    expect(check.config).to.deep.equal({ poolSize: 8 });
    expect(check.errors.join()).to.contain('auto');
    expect(checkWorkletConfig({ transport: 'shared' })).to.deep.equal({ config: { transport: 'shared' }, errors: [] });
  });

  it('resolves transports on a page that is not cross-origin isolated: auto and shared become copy', () => {
    expect(window.crossOriginIsolated).to.equal(false);
    expect(resolveTransport('auto')).to.deep.equal({ transport: 'copy', unavailable: null });
    const shared = resolveTransport('shared');
    expect(shared.transport).to.equal('copy');
    expect(shared.unavailable).to.contain('Cross-Origin-Embedder-Policy');
    for (const transport of ['copy', 'ping-pong', 'allocate'] as const)
      expect(resolveTransport(transport)).to.deep.equal({ transport, unavailable: null });
  });

  it('refuses a configuration that is not an object', () => {
    for (const bad of [null, 3, 'x', [1]]) expect(checkPartialConfig(bad).errors).to.have.length(1);
  });
});
