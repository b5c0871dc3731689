import { expect, fixture, html } from '@open-wc/testing';
import '../src/index.js';
import type { AudioPoolAnalyzer } from '../src/audio-pool-analyzer.js';
import type { AnalysisFrame } from '../src/events.js';
import { running, stopAnalyzersAndCleanup } from './helpers/analyzer.js';
import { collectEvents, nextEvent } from './helpers/events.js';

const RATE = 48000;
const BATCH = 1024;

/** What a frame's features said, copied during its dispatch. */
interface Features {
  sequence: number;
  pitch: number | null;
  clarity: number | null;
  zcr: number | null;
  rmsDb: number[] | null;
  peakDb: number[] | null;
  clippedSamples: number[] | null;
  spectrum: Float32Array | null;
}

function copyFeatures(frame: AnalysisFrame): Features {
  return {
    sequence: frame.sequence,
    pitch: frame.pitch,
    clarity: frame.clarity,
    zcr: frame.zcr,
    rmsDb: frame.rmsDb && [...frame.rmsDb],
    peakDb: frame.peakDb && [...frame.peakDb],
    clippedSamples: frame.clippedSamples && [...frame.clippedSamples],
    spectrum: frame.spectrum?.slice() ?? null,
  };
}

async function analyzerWith(attributes: string): Promise<AudioPoolAnalyzer> {
  const analyzer = await fixture<AudioPoolAnalyzer>(
    html`<audio-pool-analyzer sample-rate=${RATE} batch-size=${BATCH}></audio-pool-analyzer>`,
  );
  analyzer.setAttribute('features', attributes);
  await running(analyzer);
  expect(analyzer.context?.sampleRate, 'the engine runs 48 kHz').to.equal(RATE);
  return analyzer;
}

/**
 * Connects `source` (made in the analyzer's context, started here), lets `settle` frames go by so
 * that no window holds the previous source, and returns the features of the next `count`.
 */
async function featuresOf(
  analyzer: AudioPoolAnalyzer,
  make: (context: AudioContext) => AudioScheduledSourceNode | { output: AudioNode; sources: AudioScheduledSourceNode[] },
  count: number,
  settle = 4,
): Promise<Features[]> {
  const context = analyzer.context as AudioContext;
  const made = make(context);
  const { output, sources } = 'output' in made ? made : { output: made, sources: [made] };
  for (const source of sources) source.start();
  await analyzer.connectSource(output);
  const seen: Features[] = [];
  await nextEvent(analyzer, 'analysis-frame', ({ detail }) => {
    seen.push(copyFeatures(detail));
    return seen.length === settle + count;
  });
  for (const source of sources) source.stop();
  return seen.slice(settle);
}

function sine(frequency: number, amplitude: number) {
  return (context: AudioContext) => {
    const oscillator = new OscillatorNode(context, { frequency });
    const gain = new GainNode(context, { gain: amplitude });
    oscillator.connect(gain);
    return { output: gain, sources: [oscillator] };
  };
}

/** The bins of the `count` highest local maxima, highest first. */
function highestPeaks(spectrum: Float32Array, count: number): number[] {
  const peaks: number[] = [];
  for (let k = 1; k < spectrum.length - 1; k++) {
    if ((spectrum[k] as number) > (spectrum[k - 1] as number) && (spectrum[k] as number) >= (spectrum[k + 1] as number)) peaks.push(k);
  }
  return peaks.sort((a, b) => (spectrum[b] as number) - (spectrum[a] as number)).slice(0, count);
}

const cents = (frequency: number, reference: number) => 1200 * Math.log2(frequency / reference);

describe('<audio-pool-analyzer>: features', () => {
  afterEach(stopAnalyzersAndCleanup);

  it('finds the pitch of sines from 82.41 to 1760 Hz within 5 cents, with clarity of at least 0.9', async () => {
    const analyzer = await analyzerWith('pitch');
    for (const frequency of [82.41, 110, 220, 440, 880, 1760]) {
      const frames = await featuresOf(analyzer, sine(frequency, 0.5), 3);
      for (const { pitch, clarity } of frames) {
        expect(pitch, `${frequency} Hz`).to.be.a('number');
        expect(Math.abs(cents(pitch as number, frequency)), `${frequency} Hz: ${pitch} Hz`).to.be.at.most(5);
        expect(clarity, `${frequency} Hz`).to.be.at.least(0.9);
      }
    }
  });

  it('finds no pitch in white noise', async () => {
    const analyzer = await analyzerWith('pitch');
    const frames = await featuresOf(
      analyzer,
      (context) => {
        const buffer = context.createBuffer(1, RATE, RATE);
        const samples = buffer.getChannelData(0);
        for (let i = 0; i < samples.length; i++) samples[i] = Math.random() - 0.5;
        return new AudioBufferSourceNode(context, { buffer, loop: true });
      },
      10,
    );
    expect(frames.map((frame) => frame.pitch)).to.deep.equal(Array(10).fill(null));
    for (const { clarity } of frames) expect(clarity).to.be.below(0.9);
  });

  it("puts a two-note chord's notes at the spectrum's two highest peaks, within one bin", async () => {
    const analyzer = await analyzerWith('spectrum');
    const notes = [440, 659.26];
    const frames = await featuresOf(
      analyzer,
      (context) => {
        const sum = new GainNode(context);
        const oscillators = notes.map((frequency) => new OscillatorNode(context, { frequency }));
        for (const oscillator of oscillators) oscillator.connect(new GainNode(context, { gain: 0.3 })).connect(sum);
        return { output: sum, sources: oscillators };
      },
      3,
    );
    const binHz = RATE / BATCH;
    for (const { spectrum } of frames) {
      expect(spectrum).to.have.length(BATCH / 2);
      const peaks = highestPeaks(spectrum as Float32Array, 2).map((bin) => bin * binHz);
      for (const note of notes) expect(peaks.some((peak) => Math.abs(peak - note) <= binHz)).to.equal(true, `${note} Hz in ${peaks}`);
    }
  });

  it('measures a sine at -6 dBFS within 0.1 dB, with no clipped sample; counts the clipped samples of a square beyond full scale', async () => {
    const analyzer = await analyzerWith('levels');
    const amplitude = 10 ** (-6 / 20);
    for (const { peakDb, rmsDb, clippedSamples } of await featuresOf(analyzer, sine(440, amplitude), 3)) {
      expect(peakDb?.[0]).to.be.closeTo(-6, 0.1);
      expect(rmsDb?.[0]).to.be.closeTo(-6 - 10 * Math.log10(2), 0.1);
      expect(clippedSamples).to.deep.equal([0]);
    }
    const square = (context: AudioContext) => {
      const oscillator = new OscillatorNode(context, { type: 'square', frequency: 110 });
      const gain = new GainNode(context, { gain: 2 });
      oscillator.connect(gain);
      return { output: gain, sources: [oscillator] };
    };
    for (const { clippedSamples, peakDb } of await featuresOf(analyzer, square, 3)) {
      expect(clippedSamples?.[0]).to.be.greaterThan(BATCH / 4);
      expect(peakDb?.[0]).to.be.greaterThan(0);
    }
  });

  it('gives a 440 Hz sine at 48 kHz a zero-crossing rate of 880 per second', async () => {
    const analyzer = await analyzerWith('zcr');
    const frames = await featuresOf(analyzer, sine(440, 0.5), 20);
    const rates = frames.map((frame) => frame.zcr as number);
    // One frame holds 18.8 crossings, so each reads 844 or 891; together they carry every crossing.
    for (const rate of rates) expect(rate).to.be.closeTo(880, RATE / BATCH + 1);
    expect(rates.reduce((sum, rate) => sum + rate, 0) / rates.length).to.be.closeTo(880, 880 * 0.01);
  });

  it('finds the same peak with fft-size 4096 (windows overlapping across batches) as with fft-size 1024', async () => {
    // 468.75 Hz is the centre of bin 10 at 1024 and of bin 40 at 4096.
    const frequency = 468.75;
    const analyzer = await analyzerWith('spectrum');
    analyzer.fftSize = 1024;
    const [small] = await featuresOf(analyzer, sine(frequency, 0.5), 1);
    analyzer.fftSize = 4096;
    await analyzer.updateComplete;
    const large = await featuresOf(analyzer, sine(frequency, 0.5), 3);
    expect(small?.spectrum).to.have.length(512);
    expect(highestPeaks(small?.spectrum as Float32Array, 1).map((bin) => (bin * RATE) / 1024)).to.deep.equal([frequency]);
    for (const { spectrum } of large) {
      expect(spectrum).to.have.length(2048);
      expect(highestPeaks(spectrum as Float32Array, 1).map((bin) => (bin * RATE) / 4096)).to.deep.equal([frequency]);
    }
  });

  it('loses no frame when the features change while running, and follows the change from the next frame', async () => {
    const analyzer = await analyzerWith('levels');
    const frames = collectEvents(analyzer, 'analysis-frame');
    const seen: Features[] = [];
    const record = ({ detail }: HTMLElementEventMap['analysis-frame']) => seen.push(copyFeatures(detail));
    analyzer.addEventListener('analysis-frame', record);
    for (const features of ['levels spectrum pitch zcr', 'zcr', 'levels pitch', 'levels']) {
      const changedAt = seen.length;
      analyzer.setAttribute('features', features);
      await analyzer.updateComplete;
      await nextEvent(analyzer, 'analysis-frame');
      const after = seen.slice(changedAt);
      expect(after.length, features).to.be.at.least(1);
      for (const frame of after) {
        expect(frame.spectrum !== null, `${features}: spectrum`).to.equal(features.includes('spectrum'));
        expect(frame.clarity !== null, `${features}: pitch`).to.equal(features.includes('pitch'));
        expect(frame.zcr !== null, `${features}: zcr`).to.equal(features.includes('zcr'));
        expect(frame.rmsDb !== null, `${features}: levels`).to.equal(features.includes('levels'));
      }
    }
    analyzer.removeEventListener('analysis-frame', record);
    frames.stop();
    const sequences = frames.events.map((event) => event.detail.sequence);
    expect(sequences).to.deep.equal(sequences.map((_, i) => (sequences[0] as number) + i));
  });

  it('refuses unknown feature names as invalid-attribute and runs the rest', async () => {
    const analyzer = await fixture<AudioPoolAnalyzer>(
      html`<audio-pool-analyzer source="test-tone" batch-size=${BATCH}></audio-pool-analyzer>`,
    );
    const errors = collectEvents(analyzer, 'analyzer-error');
    analyzer.setAttribute('features', 'levels  spectra pitch loudness');
    expect(analyzer.features).to.deep.equal(['levels', 'pitch']);
    expect(errors.events.map((event) => event.detail.code)).to.deep.equal(['invalid-attribute']);
    expect(errors.events[0]?.detail.attribute).to.equal('features');
    expect(errors.events[0]?.detail.message).to.contain('"spectra", "loudness"');
    await running(analyzer);
    const { detail } = await nextEvent(analyzer, 'analysis-frame', (event) => event.detail.pitch !== null);
    expect(detail.pitch).to.be.closeTo(440, 2);
    expect(detail.rmsDb?.[0]).to.be.a('number');
    expect(detail.spectrum).to.equal(null);
    errors.stop();
  });

  it('refuses a decibel range out of order, and analyzes with the default range until it is fixed', async () => {
    const analyzer = await analyzerWith('spectrum');
    const errors = collectEvents(analyzer, 'analyzer-error');
    analyzer.minDecibels = -20;
    analyzer.maxDecibels = -40;
    await analyzer.updateComplete;
    expect(errors.events.map((event) => event.detail.code)).to.deep.equal(['invalid-attribute']);
    expect(errors.events[0]?.detail.message).to.match(/min-decibels \(-20\) must be below max-decibels \(-40\)/);
    const [outOfOrder] = (await featuresOf(analyzer, sine(440, 0.5), 1)) as [Features];
    expect(Math.max(...(outOfOrder.spectrum as Float32Array))).to.be.above(-40);
    analyzer.minDecibels = -60;
    await analyzer.updateComplete;
    const [fixed] = (await featuresOf(analyzer, sine(440, 0.5), 1)) as [Features];
    expect(Math.max(...(fixed.spectrum as Float32Array))).to.equal(-40);
    expect(Math.min(...(fixed.spectrum as Float32Array))).to.equal(-60);
    errors.stop();
  });

  it('gives a retained frame feature arrays of its own; the rest are reused for the next frame', async () => {
    const analyzer = await analyzerWith('levels spectrum');
    const kept: { retained: Float32Array; copy: Float32Array; shared: Float32Array; release: () => void } = await new Promise((resolve) => {
      let shared: Float32Array | null = null;
      const listener = ({ detail }: HTMLElementEventMap['analysis-frame']) => {
        if (shared === null) {
          shared = detail.spectrum as Float32Array;
          return;
        }
        expect(detail.spectrum, 'the next frame reuses the array').to.equal(shared);
        const release = detail.retain();
        analyzer.removeEventListener('analysis-frame', listener);
        resolve({ retained: detail.spectrum as Float32Array, copy: (detail.spectrum as Float32Array).slice(), shared, release });
      };
      analyzer.addEventListener('analysis-frame', listener);
    });
    expect(kept.retained).not.to.equal(kept.shared);
    await featuresOf(analyzer, sine(1000, 0.5), 2);
    expect([...kept.retained]).to.deep.equal([...kept.copy]);
    kept.release();
  });
});
