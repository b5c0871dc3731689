import { expect } from '@open-wc/testing';
import { DEFAULT_ANALYSIS } from '../src/config.js';
import { DispatchedFrame } from '../src/dispatched-frame.js';
import { FrameAnalysis } from '../src/frame-analysis.js';
import type { BatchHeader } from '../src/protocol.js';

const RATE = 48000;
const FRAMES = 1024;

function header(sequence: number): BatchHeader {
  return {
    sequence,
    frame: sequence * FRAMES,
    skippedFrames: 0,
    gapFrames: 0,
    channels: 1,
    frames: FRAMES,
    bufferId: 0,
    transport: 'copy',
  };
}

/** Opens `frame` for batch `sequence` of a 440 Hz sine, as a source does before dispatch. */
function openSine(frame: DispatchedFrame, sequence: number): void {
  const samples = Float32Array.from({ length: FRAMES }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * (sequence * FRAMES + i)) / RATE));
  DispatchedFrame.open(frame, header(sequence), [samples], RATE, null, null);
}

describe('DispatchedFrame', () => {
  const analysis = new FrameAnalysis();
  analysis.configure({ ...DEFAULT_ANALYSIS, features: ['pitch', 'zcr'] });

  it('reads null for the one-number features until the analysis writes them, and again at the next batch', () => {
    const frame = new DispatchedFrame(1);
    openSine(frame, 0);
    expect([frame.pitch, frame.clarity, frame.zcr]).to.deep.equal([null, null, null]);
    for (let sequence = 0; sequence < 4; sequence++) {
      openSine(frame, sequence);
      analysis.analyze(frame);
    }
    expect(frame.pitch).to.be.closeTo(440, 1);
    expect(frame.clarity).to.be.within(0.9, 1);
    expect(frame.zcr).to.be.closeTo(880, 50);
    openSine(frame, 4);
    expect([frame.pitch, frame.clarity, frame.zcr]).to.deep.equal([null, null, null]);
  });

  it('carries them as data in spreads, JSON and structured clones, each frame its own', () => {
    const frame = new DispatchedFrame(1);
    const other = new DispatchedFrame(1);
    openSine(frame, 0);
    openSine(other, 0);
    frame.pitch = 261.5;
    frame.clarity = 0.75;
    other.zcr = 12;
    const expected = { pitch: 261.5, clarity: 0.75, zcr: null };
    const { pitch, clarity, zcr } = { ...frame };
    expect({ pitch, clarity, zcr }).to.deep.equal(expected);
    expect(JSON.parse(JSON.stringify(frame))).to.include(expected);
    expect(structuredClone(frame)).to.include(expected);
    expect(Object.keys(frame)).to.include.members(['pitch', 'clarity', 'zcr']);
    expect([other.pitch, other.clarity, other.zcr]).to.deep.equal([null, null, 12]);
    frame.pitch = null;
    expect(frame.pitch).to.equal(null);
    expect(frame.clarity).to.equal(0.75);
  });
});
