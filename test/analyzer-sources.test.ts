import { expect, fixture, html } from '@open-wc/testing';
import '../src/index.js';
import type { AudioPoolAnalyzer } from '../src/audio-pool-analyzer.js';
import { TEST_TONE } from '../src/audio-sources.js';
import { frameWithSignal, medianLevel, running, stopAnalyzersAndCleanup, toneAnalyzer } from './helpers/analyzer.js';
import { collectEvents, nextEvent } from './helpers/events.js';
import { ABSENT, replaceProperty } from './helpers/globals.js';
import { replaceGetUserMedia } from './helpers/media-devices.js';
import { sineWavUrl } from './helpers/signals.js';
import { skipBecause } from './helpers/skip.js';

const TONE_RMS = TEST_TONE.amplitude / Math.SQRT2;

/** A looping 440 Hz sine (amplitude 0.25) in an `<audio id="player">`, playing, beside an analyzer with `source`. */
async function playingBeside(source: string): Promise<{ url: string; player: HTMLAudioElement; analyzer: AudioPoolAnalyzer }> {
  const url = sineWavUrl(440, 0.25, 10);
  const container = await fixture<HTMLDivElement>(html`<div>
    <audio id="player" src=${url} loop></audio>
    <audio-pool-analyzer source=${source} batch-size="1024"></audio-pool-analyzer>
  </div>`);
  const player = container.querySelector('audio') as HTMLAudioElement;
  await player.play();
  return { url, player, analyzer: container.querySelector('audio-pool-analyzer') as AudioPoolAnalyzer };
}

describe('<audio-pool-analyzer>: sources', () => {
  afterEach(stopAnalyzersAndCleanup);

  it('captures the (fake) microphone', async () => {
    const analyzer = await fixture<AudioPoolAnalyzer>(
      html`<audio-pool-analyzer source="microphone" batch-size="1024"></audio-pool-analyzer>`,
    );
    await running(analyzer);
    const { detail, samples } = await frameWithSignal(analyzer);
    expect(samples[0]).to.have.length(1024);
    expect(detail.peak[0]).to.be.greaterThan(0.01);
  });

  it('stays starting until its source is connected, however long the microphone takes', async () => {
    const analyzer = await fixture<AudioPoolAnalyzer>(html`<audio-pool-analyzer source="microphone"></audio-pool-analyzer>`);
    let grant = () => {};
    let restore = () => {};
    const asked = new Promise<void>((resolveAsked) => {
      restore = replaceGetUserMedia(
        (original) => (constraints) =>
          new Promise((resolve) => {
            grant = () => resolve(original(constraints));
            resolveAsked();
          }),
      );
    });
    try {
      const started = running(analyzer);
      await asked;
      // The context runs while the page is still waiting for the microphone (as behind a prompt).
      const context = analyzer.context as AudioContext;
      if (context.state !== 'running') {
        const changed = new Promise((resolve) => context.addEventListener('statechange', resolve, { once: true }));
        await context.resume();
        await changed;
      }
      expect(analyzer.state).to.equal('starting');
      grant();
      await started;
      expect(analyzer.state).to.equal('running');
    } finally {
      restore();
    }
  });

  it('stops the microphone tracks when it stops', async () => {
    const analyzer = await fixture<AudioPoolAnalyzer>(html`<audio-pool-analyzer source="microphone"></audio-pool-analyzer>`);
    const streams: MediaStream[] = [];
    const restore = replaceGetUserMedia((original) => async (constraints) => {
      const stream = await original(constraints);
      streams.push(stream);
      return stream;
    });
    try {
      await running(analyzer);
      expect(streams, 'getUserMedia calls').to.have.length(1);
      expect(streams[0]?.getAudioTracks().map((track) => track.readyState)).to.deep.equal(['live']);
      await analyzer.stop();
      expect(streams[0]?.getTracks().every((track) => track.readyState === 'ended')).to.equal(true);
    } finally {
      restore();
    }
  });

  it('reports a denied microphone as permission-denied and can start again', async () => {
    const analyzer = await fixture<AudioPoolAnalyzer>(html`<audio-pool-analyzer source="microphone"></audio-pool-analyzer>`);
    const restore = replaceGetUserMedia(() => () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError')));
    try {
      const error = nextEvent(analyzer, 'analyzer-error');
      await analyzer.start();
      expect((await error).detail.code).to.equal('permission-denied');
      expect(analyzer.state).to.equal('error');
      expect(analyzer.context).to.equal(null);
    } finally {
      restore();
    }
    await running(analyzer);
  });

  it('captures a media element that keeps playing', async () => {
    const { url, player, analyzer } = await playingBeside('#player');
    await running(analyzer);
    expect(await medianLevel(analyzer)).to.be.closeTo(0.25 / Math.SQRT2, 0.02);
    expect(player.paused).to.equal(false);
    await analyzer.stop();
    if ('captureStream' in HTMLMediaElement.prototype || 'mozCaptureStream' in HTMLMediaElement.prototype) {
      await running(analyzer);
      expect(await medianLevel(analyzer)).to.be.closeTo(0.25 / Math.SQRT2, 0.02);
    } else {
      // WebKit has no captureStream(): createMediaElementSource() binds the element to the first
      // context for good, so a restart (a new context) is refused, and says why.
      const refused = nextEvent(analyzer, 'analyzer-error');
      await analyzer.start();
      const { detail } = await refused;
      expect(detail.code).to.equal('invalid-source');
      expect(detail.message).to.contain('once per element');
    }
    player.pause();
    URL.revokeObjectURL(url);
  });

  it('hears a media element loaded before start() and played after it, round after round', async function () {
    // A user's page heard silence in 3 of 28 such rounds in Chromium while the analyzer followed
    // only the first track of the element's captured stream, when playing added two tracks. On
    // this machine's Chromium, playing replaced the one track in each of 40 instrumented rounds,
    // so this sequence passes with either binding here; the next test adds the tracks itself.
    // 30 rounds, each of which must hear the tone.
    if (!('captureStream' in HTMLMediaElement.prototype || 'mozCaptureStream' in HTMLMediaElement.prototype)) {
      skipBecause(
        this,
        "no captureStream(): the element is bound by createMediaElementSource(), which has no tracks to follow; and 30 contexts bound to media elements in a row crashed WebKitGTK 2.50's web process in 2 of 10 runs",
      );
    }
    this.timeout(180000);
    const url = sineWavUrl(440, 0.25, 3);
    const silentRounds: string[] = [];
    try {
      for (let round = 1; round <= 30; round++) {
        const container = await fixture<HTMLDivElement>(html`<div>
          <audio id="player" src=${url}></audio>
          <audio-pool-analyzer source="#player" batch-size="1024"></audio-pool-analyzer>
        </div>`);
        const player = container.querySelector('audio') as HTMLAudioElement;
        const analyzer = container.querySelector('audio-pool-analyzer') as AudioPoolAnalyzer;
        if (player.readyState < HTMLMediaElement.HAVE_METADATA)
          await new Promise((loaded) => player.addEventListener('loadedmetadata', loaded, { once: true }));
        await analyzer.start();
        expect(analyzer.state, `round ${round}`).to.equal('running');
        await player.play();
        await frameWithSignal(analyzer, { within: 100 }).catch((error: Error) => silentRounds.push(`round ${round}: ${error.message}`));
        player.pause();
        await analyzer.stop();
        container.remove();
      }
    } finally {
      URL.revokeObjectURL(url);
    }
    expect(silentRounds).to.deep.equal([]);
  });

  it('follows a stream to the newest live track the browser adds', async function () {
    if (!('captureStream' in HTMLMediaElement.prototype || 'mozCaptureStream' in HTMLMediaElement.prototype)) {
      skipBecause(
        this,
        'no captureStream(), so no captured element adds tracks here; and WebKitGTK 2.50 renders a stream source moved to a track added later as silence in 7 of 9 tries (docs/troubleshooting.md)',
      );
    }
    const analyzer = await fixture<AudioPoolAnalyzer>(html`<audio-pool-analyzer batch-size="1024"></audio-pool-analyzer>`);
    await running(analyzer);
    // A silent track, as a captured element's first track can stay, and the (fake) microphone's,
    // which carries a signal. (Not a clone of the microphone's track, disabled: WebKitGTK then
    // delivered nothing from either now and then; nor a MediaStreamAudioDestinationNode's track
    // for the signal: WebKitGTK's carried nothing in 2 of 6 tries. Silent, it does no harm.)
    const silent = new MediaStreamAudioDestinationNode(analyzer.context as AudioContext);
    const microphone = await navigator.mediaDevices.getUserMedia({ audio: true });
    const [live] = microphone.getAudioTracks() as [MediaStreamTrack];
    const stream = new MediaStream(silent.stream.getAudioTracks());
    try {
      await analyzer.connectSource(stream);
      const { detail: before } = await nextEvent(analyzer, 'analysis-frame');
      expect(before.peak[0], 'the silent track alone').to.equal(0);
      // As a media element's captured stream does when it plays. Tracks a script adds fire no
      // event, so the test fires what the browser would.
      stream.addTrack(live);
      stream.dispatchEvent(new MediaStreamTrackEvent('addtrack', { track: live }));
      const { detail } = await frameWithSignal(analyzer);
      expect(detail.peak[0]).to.be.greaterThan(0.01);
    } finally {
      live.stop();
    }
  });

  it('reports a source selector that matches nothing, or no media element', async () => {
    const analyzer = await fixture<AudioPoolAnalyzer>(html`<audio-pool-analyzer source="#nowhere"></audio-pool-analyzer>`);
    for (const source of ['#nowhere', 'audio-pool-analyzer', '[[bad']) {
      analyzer.source = source;
      await analyzer.updateComplete;
      const error = nextEvent(analyzer, 'analyzer-error');
      await analyzer.start();
      expect((await error).detail.code, source).to.equal('source-not-found');
      expect(analyzer.state).to.equal('error');
    }
    analyzer.source = 'test-tone';
    await running(analyzer);
  });

  it('takes an OscillatorNode through connectSource()', async () => {
    const analyzer = await fixture<AudioPoolAnalyzer>(html`<audio-pool-analyzer batch-size="1024"></audio-pool-analyzer>`);
    await running(analyzer);
    const context = analyzer.context as AudioContext;
    const oscillator = new OscillatorNode(context, { frequency: 1000 });
    const gain = new GainNode(context, { gain: 0.2 });
    oscillator.connect(gain);
    oscillator.start();
    await analyzer.connectSource(gain);
    // The source joins mid-batch: the first frame with signal may be partly silent.
    const { detail } = await frameWithSignal(analyzer, { nth: 3 });
    expect(detail.rms[0]).to.be.closeTo(0.2 / Math.SQRT2, 0.01);
    oscillator.stop();
  });

  it('keeps a stream connected before the element was first rendered', async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const analyzer = document.createElement('audio-pool-analyzer');
    analyzer.connectSource(stream);
    document.body.append(analyzer);
    try {
      await running(analyzer);
      const { detail } = await frameWithSignal(analyzer);
      expect(detail.peak[0]).to.be.greaterThan(0.01);
    } finally {
      analyzer.remove();
      for (const track of stream.getTracks()) track.stop();
    }
  });

  it('refuses a node from another context as invalid-source', async () => {
    const analyzer = await fixture<AudioPoolAnalyzer>(html`<audio-pool-analyzer></audio-pool-analyzer>`);
    await running(analyzer);
    const other = new AudioContext();
    const error = nextEvent(analyzer, 'analyzer-error');
    analyzer.connectSource(new OscillatorNode(other));
    expect((await error).detail.code).to.equal('invalid-source');
    expect(analyzer.state).to.equal('running');
    await other.close();
  });

  it('reports a browser without getUserMedia as unsupported, and a microphone that fails otherwise than by permission as source-not-found', async () => {
    const analyzer = await fixture<AudioPoolAnalyzer>(html`<audio-pool-analyzer source="microphone"></audio-pool-analyzer>`);
    for (const [replacement, code] of [
      [ABSENT, 'unsupported'],
      [() => Promise.reject(new DOMException('Requested device not found', 'NotFoundError')), 'source-not-found'],
      [() => Promise.reject(new DOMException('Could not start audio source', 'NotReadableError')), 'source-not-found'],
    ] as const) {
      const restore = replaceProperty(MediaDevices.prototype, 'getUserMedia', replacement);
      try {
        const error = nextEvent(analyzer, 'analyzer-error');
        await analyzer.start();
        const { detail } = await error;
        expect([detail.code, analyzer.state, analyzer.context]).to.deep.equal([code, 'error', null]);
        expect(detail.message).to.match(code === 'unsupported' ? /getUserMedia/ : /no usable microphone/);
      } finally {
        restore();
      }
    }
    await running(analyzer);
  });

  it('refuses what connectSource() cannot take as invalid-source, keeping the source it has', async () => {
    const analyzer = await toneAnalyzer();
    await running(analyzer);
    const context = analyzer.context as AudioContext;
    const errors = collectEvents(analyzer, 'analyzer-error');
    for (const input of ['not a source', null, context.destination, new MediaStreamAudioDestinationNode(context)]) {
      await analyzer.connectSource(input as unknown as AudioNode);
    }
    errors.stop();
    expect(errors.events.map((event) => event.detail.code)).to.deep.equal(Array(4).fill('invalid-source'));
    expect(errors.events.map((event) => event.detail.message)).to.deep.equal([
      'connectSource() takes an AudioNode, a MediaStream or an HTMLMediaElement',
      'connectSource() takes an AudioNode, a MediaStream or an HTMLMediaElement',
      'the AudioNode has no output',
      'the AudioNode has no output',
    ]);
    expect([analyzer.state, analyzer.context]).to.deep.equal(['running', context]);
    // Refused before anything was let go: the tone still plays.
    expect(await medianLevel(analyzer)).to.be.closeTo(TONE_RMS, 0.01);
  });

  it('takes a media element through connectSource(), and follows the source attribute when it changes while running', async () => {
    const { url, player, analyzer } = await playingBeside('test-tone');
    await running(analyzer);
    const context = analyzer.context;
    expect(await medianLevel(analyzer)).to.be.closeTo(TONE_RMS, 0.01);
    await analyzer.connectSource(player);
    expect(await medianLevel(analyzer)).to.be.closeTo(0.25 / Math.SQRT2, 0.02);
    // The attribute takes over from connectSource() when it changes.
    analyzer.source = '#nowhere';
    await analyzer.updateComplete;
    analyzer.source = 'test-tone';
    await analyzer.updateComplete;
    expect(await medianLevel(analyzer, { threshold: 0.3 })).to.be.closeTo(TONE_RMS, 0.01);
    expect([analyzer.state, analyzer.context]).to.deep.equal(['running', context]);
    player.pause();
    URL.revokeObjectURL(url);
  });
});
