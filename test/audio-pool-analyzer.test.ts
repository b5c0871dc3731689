import { expect, fixture, html } from '@open-wc/testing';
import '../src/index.js';
import type { AudioPoolAnalyzer } from '../src/audio-pool-analyzer.js';
import { TEST_TONE } from '../src/audio-sources.js';
import { DEFAULT_CONFIG } from '../src/config.js';
import { copyWindow } from '../src/protocol.js';
import { exhaustAndRecover, running, statsWhere, stopAnalyzersAndCleanup, switchTransportsLive } from './helpers/analyzer.js';
import { collectEvents, nextEvent } from './helpers/events.js';
import { replaceGetUserMedia } from './helpers/media-devices.js';
import { sineWavUrl } from './helpers/signals.js';
import { skipBecause } from './helpers/skip.js';

const TONE_RMS = TEST_TONE.amplitude / Math.SQRT2;

describe('<audio-pool-analyzer>', () => {
  afterEach(stopAnalyzersAndCleanup);

  describe('configuration', () => {
    it('has the documented defaults and is idle', async () => {
      const analyzer = await fixture<AudioPoolAnalyzer>(html`<audio-pool-analyzer></audio-pool-analyzer>`);
      expect(analyzer).to.be.instanceOf(customElements.get('audio-pool-analyzer') as CustomElementConstructor);
      expect({
        poolSize: analyzer.poolSize,
        batchSize: analyzer.batchSize,
        timeout: analyzer.timeout,
        channels: analyzer.channels,
        transport: analyzer.transport,
        statsInterval: analyzer.statsInterval,
      }).to.deep.equal(DEFAULT_CONFIG);
      expect([analyzer.source, analyzer.autostart, analyzer.workletUrl]).to.deep.equal([null, false, null]);
      expect(analyzer.state).to.equal('idle');
      expect(analyzer.getAttribute('state')).to.equal('idle');
      expect([analyzer.context, analyzer.node, analyzer.stats]).to.deep.equal([null, null, null]);
    });

    it('reads every option from its kebab-case attribute', async () => {
      const analyzer = await fixture<AudioPoolAnalyzer>(
        html`<audio-pool-analyzer pool-size="4" batch-size="1000" timeout="50" channels="2" transport="allocate" stats-interval="60" source="test-tone" worklet-url="/x.js"></audio-pool-analyzer>`,
      );
      expect([
        analyzer.poolSize,
        analyzer.batchSize,
        analyzer.timeout,
        analyzer.channels,
        analyzer.transport,
        analyzer.statsInterval,
      ]).to.deep.equal([4, 1000, 50, 2, 'allocate', 60]);
      expect([analyzer.source, analyzer.workletUrl]).to.deep.equal(['test-tone', '/x.js']);
    });

    const badValues: [string, string][] = [
      ['pool-size', 'lots'],
      ['pool-size', '1'],
      ['pool-size', '257'],
      ['batch-size', '127'],
      ['batch-size', '16385'],
      ['batch-size', '512.5'],
      ['timeout', '9'],
      ['timeout', ''],
      ['channels', '0'],
      ['channels', '9'],
      ['transport', 'carrier-pigeon'],
      ['stats-interval', '49'],
      ['stats-interval', 'Infinity'],
    ];
    for (const [attribute, value] of badValues) {
      it(`refuses ${attribute}="${value}", keeps the last valid value and says why`, async () => {
        const analyzer = await fixture<AudioPoolAnalyzer>(html`<audio-pool-analyzer></audio-pool-analyzer>`);
        const before = analyzer.getAttribute(attribute);
        const property = { 'pool-size': 'poolSize', 'batch-size': 'batchSize', 'stats-interval': 'statsInterval' }[attribute] ?? attribute;
        const valid = (analyzer as unknown as Record<string, unknown>)[property];
        const error = nextEvent(analyzer, 'analyzer-error');
        analyzer.setAttribute(attribute, value);
        const { detail } = await error;
        expect(detail.code).to.equal('invalid-attribute');
        expect(detail.attribute).to.equal(attribute);
        expect(detail.message).to.contain(attribute);
        expect((analyzer as unknown as Record<string, unknown>)[property]).to.equal(valid);
        expect(before).to.equal(null);
      });
    }

    it('refuses bad property values the same way, without throwing', async () => {
      const analyzer = await fixture<AudioPoolAnalyzer>(html`<audio-pool-analyzer pool-size="8"></audio-pool-analyzer>`);
      const errors = collectEvents(analyzer, 'analyzer-error');
      analyzer.poolSize = Number.NaN;
      analyzer.batchSize = -5;
      // Plain JavaScript can pass anything; TypeScript refuses this one (test/types/consumer.ts).
      (analyzer as { transport: unknown }).transport = 'PING-PONG';
      errors.stop();
      expect(errors.events.map((event) => event.detail.attribute)).to.deep.equal(['pool-size', 'batch-size', 'transport']);
      expect([analyzer.poolSize, analyzer.batchSize, analyzer.transport]).to.deep.equal([8, 1024, 'auto']);
    });

    it('reports bad attributes written in the markup once connected', async () => {
      const container = document.createElement('div');
      container.innerHTML = '<audio-pool-analyzer channels="twelve"></audio-pool-analyzer>';
      const error = nextEvent(container, 'analyzer-error');
      document.body.append(container);
      expect((await error).detail.attribute).to.equal('channels');
      container.remove();
    });

    it('goes back to the default when an attribute is removed', async () => {
      const analyzer = await fixture<AudioPoolAnalyzer>(html`<audio-pool-analyzer batch-size="256"></audio-pool-analyzer>`);
      analyzer.removeAttribute('batch-size');
      expect(analyzer.batchSize).to.equal(1024);
    });
  });

  describe('capturing', () => {
    it('analyses the test tone: rms 0.3536, peak 0.5, frames in sequence, events that bubble out of shadow roots', async () => {
      const analyzer = await fixture<AudioPoolAnalyzer>(
        html`<audio-pool-analyzer source="test-tone" batch-size="256"></audio-pool-analyzer>`,
      );
      const frames = collectEvents(document, 'analysis-frame');
      const states = collectEvents(analyzer, 'state-change');
      await running(analyzer);
      const audible = () => frames.events.filter((event) => (event.detail.peak[0] ?? 0) > 0).length;
      await nextEvent(analyzer, 'analysis-frame', () => audible() >= 40);
      frames.stop();
      states.stop();
      expect(states.events.map((event) => [event.detail.previous, event.detail.state])).to.deep.equal([
        ['idle', 'starting'],
        ['starting', 'running'],
      ]);
      // The node renders from the moment it exists; the tone joins a little later (how much later
      // depends on the browser and the load), and may start mid-batch.
      const all = frames.events.map((event) => event.detail);
      const details = all.slice(all.findIndex((detail) => (detail.peak[0] ?? 0) > 0) + 1);
      expect(details).to.have.length.at.least(39);
      for (const detail of details) {
        expect(detail.rms[0]).to.be.closeTo(TONE_RMS, 0.01);
        expect(detail.peak[0]).to.be.closeTo(TEST_TONE.amplitude, 0.01);
        expect(detail.sampleRate).to.equal(analyzer.context?.sampleRate);
        expect(detail.time).to.equal(detail.frame / detail.sampleRate);
      }
      for (let i = 1; i < details.length; i++) {
        const [previous, current] = [details[i - 1], details[i]];
        expect(current?.sequence).to.equal((previous?.sequence ?? 0) + 1);
        expect(current?.frame).to.equal((previous?.frame ?? 0) + 256 + (current?.skippedFrames ?? 0));
      }
      expect(frames.events[0]?.bubbles && frames.events[0]?.composed).to.equal(true);
    });

    it("carries the browser's own output-underrun count in its stats, or null where the browser keeps none", async () => {
      const analyzer = await fixture<AudioPoolAnalyzer>(html`<audio-pool-analyzer source="test-tone"></audio-pool-analyzer>`);
      await running(analyzer);
      const { detail } = await statsWhere(analyzer);
      // Chromium has AudioContext.playbackStats; Firefox ESR 153 and WebKitGTK 2.50 do not.
      if ('playbackStats' in AudioContext.prototype) {
        expect(Number.isInteger(detail.outputUnderruns?.events)).to.equal(true);
        expect(detail.outputUnderruns?.durationMs).to.be.at.least(0);
      } else {
        expect(detail.outputUnderruns).to.equal(null);
      }
    });

    it('captures several channels: a mono tone is up-mixed to each of them', async () => {
      const analyzer = await fixture<AudioPoolAnalyzer>(
        html`<audio-pool-analyzer source="test-tone" channels="2" batch-size="512"></audio-pool-analyzer>`,
      );
      await running(analyzer);
      expect(analyzer.node?.channelCount).to.equal(2);
      // The batch the tone starts in is partly silent: check the one after it.
      const first = await nextEvent(analyzer, 'analysis-frame', (event) => (event.detail.rms[1] ?? 0) > 0);
      const { detail } = await nextEvent(analyzer, 'analysis-frame', (event) => event.detail.sequence > first.detail.sequence);
      expect(detail.channelData).to.have.length(2);
      expect(detail.rms[0]).to.be.closeTo(TONE_RMS, 0.01);
      expect(detail.rms[1]).to.be.closeTo(TONE_RMS, 0.01);
      const stats = await statsWhere(analyzer, (next) => next.channels === 2);
      expect(stats.detail.bufferBytes).to.equal(64 + 512 * 2 * 4);
    });

    it('reflects the stats as read-only attributes at every stats update', async () => {
      const analyzer = await fixture<AudioPoolAnalyzer>(
        html`<audio-pool-analyzer source="test-tone" batch-size="128" stats-interval="50"></audio-pool-analyzer>`,
      );
      await running(analyzer);
      const { detail } = await statsWhere(analyzer, (stats) => stats.deliveredBatches > 20);
      await analyzer.updateComplete;
      expect(analyzer.getAttribute('state')).to.equal('running');
      expect(Number(analyzer.getAttribute('hit-rate'))).to.be.closeTo(detail.hitRate, 0.0001);
      for (const [attribute, value] of [
        ['available', detail.available],
        ['in-flight', detail.inFlight],
        ['processing', detail.processing],
        ['dropped', detail.skippedBatches],
        ['reclaimed', detail.reclaims],
        ['allocations', detail.allocations],
      ] as const) {
        expect(analyzer.getAttribute(attribute), attribute).to.equal(String(value));
      }
      expect([analyzer.available, analyzer.allocations, analyzer.hitRate]).to.deep.equal([
        detail.available,
        detail.allocations,
        detail.hitRate,
      ]);
      expect(analyzer.stats).to.deep.equal(detail);
    });

    it('returns every buffer even with no listener: allocations stay at the pool size', async () => {
      const analyzer = await fixture<AudioPoolAnalyzer>(
        html`<audio-pool-analyzer source="test-tone" transport="ping-pong" batch-size="128" pool-size="64"></audio-pool-analyzer>`,
      );
      await running(analyzer);
      // Without returns the pool would be dry after 64 batches. How many batches are skipped on the
      // way depends on how often the main thread is busy, so that is for the bench, not asserted here.
      const { detail } = await statsWhere(analyzer, (stats) => stats.deliveredBatches > 300);
      expect(detail.allocations).to.equal(64);
      expect(detail.buffersReturned).to.be.at.least(detail.deliveredBatches - 64);
    });

    it('stops: closes its context, drops the node, keeps the last stats', async () => {
      const analyzer = await fixture<AudioPoolAnalyzer>(
        html`<audio-pool-analyzer source="test-tone" batch-size="128"></audio-pool-analyzer>`,
      );
      await running(analyzer);
      const context = analyzer.context as AudioContext;
      await nextEvent(analyzer, 'pool-stats');
      const stopped = nextEvent(analyzer, 'state-change', (event) => event.detail.state === 'stopped');
      await analyzer.stop();
      await stopped;
      expect(context.state).to.equal('closed');
      expect([analyzer.context, analyzer.node]).to.deep.equal([null, null]);
      expect(analyzer.stats?.deliveredBatches).to.be.greaterThan(0);
      await analyzer.updateComplete;
      expect(analyzer.getAttribute('state')).to.equal('stopped');
    });

    it('resets its counters on resetStats()', async () => {
      const analyzer = await fixture<AudioPoolAnalyzer>(
        html`<audio-pool-analyzer source="test-tone" batch-size="128"></audio-pool-analyzer>`,
      );
      await running(analyzer);
      await statsWhere(analyzer, (stats) => stats.deliveredBatches > 50);
      const reset = statsWhere(analyzer, (stats) => stats.deliveredBatches < 20);
      analyzer.resetStats();
      expect((await reset).detail.allocations).to.equal(0);
    });
  });

  describe('buffers', () => {
    it('keeps a retained buffer in state processing until it is released', async () => {
      // A long timeout: however late a snapshot comes (WebKit once took seconds), no reclaim takes the buffer first.
      const analyzer = await fixture<AudioPoolAnalyzer>(
        html`<audio-pool-analyzer source="test-tone" transport="ping-pong" batch-size="128" stats-interval="50" timeout="60000"></audio-pool-analyzer>`,
      );
      let release: (() => void) | undefined;
      let kept: Float32Array | undefined;
      analyzer.addEventListener('analysis-frame', (event) => {
        if (release || (event.detail.peak[0] ?? 0) < 0.1) return;
        release = event.detail.retain();
        kept = event.detail.channelData[0];
      });
      await running(analyzer);
      await statsWhere(analyzer, (stats) => stats.processing === 1 && stats.retained === 1);
      expect(kept?.length).to.equal(128);
      expect(kept?.some((sample) => sample !== 0)).to.equal(true);
      release?.();
      release?.();
      const { detail } = await statsWhere(analyzer, (stats) => stats.processing === 0 && stats.retained === 0);
      expect(kept?.length, 'the view is detached once the buffer went back').to.equal(0);
      expect(detail.invalidReturns.duplicate).to.equal(0);
    });

    it('reclaims a buffer retained past the timeout and fires buffer-reclaimed', async () => {
      const analyzer = await fixture<AudioPoolAnalyzer>(
        html`<audio-pool-analyzer source="test-tone" transport="ping-pong" batch-size="128" timeout="50"></audio-pool-analyzer>`,
      );
      let retainedId: number | undefined;
      analyzer.addEventListener('analysis-frame', (event) => {
        if (retainedId !== undefined) return;
        event.detail.retain();
        retainedId = event.detail.bufferId;
      });
      // A 50 ms timeout may also catch a return that a browser hiccup delayed (WebKitGTK has them):
      // wait for the retained buffer's reclaim, whatever else is reclaimed.
      const reclaimed = nextEvent(analyzer, 'buffer-reclaimed', (event) => event.detail.bufferId === retainedId);
      await running(analyzer);
      const { detail } = await reclaimed;
      expect(detail.ageMs).to.be.at.least(50);
      const stats = await statsWhere(analyzer, (next) => next.reclaims >= 1);
      expect(stats.detail.buffers).to.equal(16);
      expect(stats.detail.allocationsAfterStart).to.equal(stats.detail.reclaims);
    });

    it('exhausts the pool while the main thread is blocked, reports each episode once, then recovers', async () => {
      // 4 buffers of 512 frames: 43 ms of slack, far more than ordinary hiccups, far less than the stall.
      // A long timeout keeps reclaims out of it (with the default 1 s, WebKitGTK once reclaimed all
      // four buffers after the 500 ms stall).
      const analyzer = await fixture<AudioPoolAnalyzer>(
        html`<audio-pool-analyzer source="test-tone" transport="ping-pong" batch-size="512" pool-size="4" timeout="10000"></audio-pool-analyzer>`,
      );
      await running(analyzer);
      const stats = await exhaustAndRecover(analyzer);
      expect(stats.skippedBatches).to.be.greaterThan(stats.exhaustions * 4);
      expect(Number(analyzer.getAttribute('dropped'))).to.be.greaterThan(0);
      expect(stats.allocations).to.equal(4);
    });

    for (const transport of ['ping-pong', 'copy'] as const) {
      it(`reconfigures pool size and batch size live, without restarting the context (${transport})`, async () => {
        const analyzer = await fixture<AudioPoolAnalyzer>(
          html`<audio-pool-analyzer source="test-tone" transport=${transport} batch-size="256" pool-size="4"></audio-pool-analyzer>`,
        );
        await running(analyzer);
        const context = analyzer.context;
        await nextEvent(analyzer, 'analysis-frame');
        const resized = nextEvent(analyzer, 'analysis-frame', (event) => event.detail.channelData[0]?.length === 512);
        analyzer.poolSize = 6;
        analyzer.setAttribute('batch-size', '512');
        await resized;
        const slots = transport === 'copy' ? copyWindow(6) : 6;
        const { detail } = await statsWhere(analyzer, (stats) => stats.buffers === slots && stats.batchSize === 512);
        expect(detail.available + detail.inFlight + detail.processing).to.equal(slots);
        expect(detail.transport).to.equal(transport);
        expect(analyzer.context).to.equal(context);
      });
    }

    it('switches transport live: same context, every frame accounted for, transport-active follows', async () => {
      const analyzer = await fixture<AudioPoolAnalyzer>(
        html`<audio-pool-analyzer source="test-tone" batch-size="128" stats-interval="50"></audio-pool-analyzer>`,
      );
      await running(analyzer);
      // This page is not cross-origin isolated: auto runs copy.
      expect([analyzer.transport, analyzer.transportActive]).to.deep.equal(['auto', 'copy']);
      await switchTransportsLive(analyzer, ['allocate', 'ping-pong', 'copy']);
    });

    it('falls back to copy, and says why, when shared is asked for on a page that is not cross-origin isolated', async () => {
      const analyzer = await fixture<AudioPoolAnalyzer>(
        html`<audio-pool-analyzer source="test-tone" transport="shared"></audio-pool-analyzer>`,
      );
      const error = nextEvent(analyzer, 'analyzer-error');
      await running(analyzer);
      const { detail } = await error;
      expect(detail.code).to.equal('transport-unavailable');
      expect(detail.message).to.contain('cross-origin isolated');
      expect(analyzer.transportActive).to.equal('copy');
      const stats = await statsWhere(analyzer, (next) => next.deliveredBatches > 5);
      expect(stats.detail.transport).to.equal('copy');
    });
  });

  describe('sources', () => {
    it('captures the (fake) microphone', async () => {
      const analyzer = await fixture<AudioPoolAnalyzer>(
        html`<audio-pool-analyzer source="microphone" batch-size="1024"></audio-pool-analyzer>`,
      );
      await running(analyzer);
      let framesInBatch = 0;
      await nextEvent(analyzer, 'analysis-frame', (event) => {
        // channelData is only valid during dispatch: read it here, not after the await.
        framesInBatch = event.detail.channelData[0]?.length ?? 0;
        return (event.detail.peak[0] ?? 0) > 0.01;
      });
      expect(framesInBatch).to.equal(1024);
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
      const url = sineWavUrl(440, 0.25, 10);
      const container = await fixture<HTMLDivElement>(html`<div>
        <audio id="player" src=${url} loop></audio>
        <audio-pool-analyzer source="#player" batch-size="1024"></audio-pool-analyzer>
      </div>`);
      const player = container.querySelector('audio') as HTMLAudioElement;
      const analyzer = container.querySelector('audio-pool-analyzer') as AudioPoolAnalyzer;
      await player.play();
      await running(analyzer);
      // The median of several frames: the captured track starts mid-batch and may stutter.
      const levels: number[] = [];
      await nextEvent(
        analyzer,
        'analysis-frame',
        (event) => (event.detail.rms[0] ?? 0) > 0.05 && levels.push(event.detail.rms[0] ?? 0) >= 9,
      );
      const median = levels.sort((a, b) => a - b)[4] as number;
      expect(median).to.be.closeTo(0.25 / Math.SQRT2, 0.02);
      expect(player.paused).to.equal(false);
      await analyzer.stop();
      if ('captureStream' in HTMLMediaElement.prototype || 'mozCaptureStream' in HTMLMediaElement.prototype) {
        await running(analyzer);
        await nextEvent(analyzer, 'analysis-frame', (event) => (event.detail.rms[0] ?? 0) > 0.1);
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
        // As a media element's captured stream does when it plays. Tracks a script adds fire no
        // event, so the test fires what the browser would.
        stream.addTrack(live);
        stream.dispatchEvent(new MediaStreamTrackEvent('addtrack', { track: live }));
        await nextEvent(analyzer, 'analysis-frame', (event) => (event.detail.peak[0] ?? 0) > 0.01);
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
      analyzer.connectSource(gain);
      // The source joins mid-batch: the first frames with signal are partly silent.
      let withSignal = 0;
      const { detail } = await nextEvent(analyzer, 'analysis-frame', (event) => (event.detail.rms[0] ?? 0) > 0.05 && ++withSignal === 3);
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
        await nextEvent(analyzer, 'analysis-frame', (event) => (event.detail.peak[0] ?? 0) > 0.01);
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
  });

  describe('lifecycle', () => {
    it('reports a worklet URL that 404s and starts once it is fixed', async () => {
      const analyzer = await fixture<AudioPoolAnalyzer>(
        html`<audio-pool-analyzer worklet-url="/nowhere/worklet.js" source="test-tone"></audio-pool-analyzer>`,
      );
      const error = nextEvent(analyzer, 'analyzer-error');
      await analyzer.start();
      const { detail } = await error;
      expect(detail.code).to.equal('worklet-load-failed');
      expect(detail.message).to.contain('/nowhere/worklet.js');
      expect(analyzer.state).to.equal('error');
      analyzer.workletUrl = null;
      await running(analyzer);
    });

    it('stops when removed from the document and starts again when re-inserted with autostart', async () => {
      const analyzer = await fixture<AudioPoolAnalyzer>(html`<audio-pool-analyzer autostart source="test-tone"></audio-pool-analyzer>`);
      await nextEvent(analyzer, 'state-change', (event) => event.detail.state === 'running');
      const context = analyzer.context as AudioContext;
      const parent = analyzer.parentElement as HTMLElement;
      const stopped = nextEvent(analyzer, 'state-change', (event) => event.detail.state === 'stopped');
      analyzer.remove();
      await stopped;
      expect(context.state).to.equal('closed');
      const restarted = nextEvent(analyzer, 'state-change', (event) => event.detail.state === 'running');
      parent.append(analyzer);
      await restarted;
      expect(analyzer.context).to.not.equal(context);
      await nextEvent(analyzer, 'analysis-frame');
    });

    it('survives stop() during start()', async () => {
      const analyzer = await fixture<AudioPoolAnalyzer>(html`<audio-pool-analyzer source="test-tone"></audio-pool-analyzer>`);
      const starting = analyzer.start();
      await analyzer.stop();
      await starting;
      expect(analyzer.state).to.equal('stopped');
      expect(analyzer.context).to.equal(null);
      await running(analyzer);
    });

    it('follows a context suspended underneath it, and start() resumes it', async () => {
      const analyzer = await fixture<AudioPoolAnalyzer>(html`<audio-pool-analyzer source="test-tone"></audio-pool-analyzer>`);
      await running(analyzer);
      const suspended = nextEvent(analyzer, 'state-change', (event) => event.detail.state === 'suspended');
      await analyzer.context?.suspend();
      await suspended;
      await running(analyzer);
      await nextEvent(analyzer, 'analysis-frame');
    });

    it('requestStats() answers with a snapshot taken now; stopped, with the last one; null before the first start', async () => {
      const analyzer = await fixture<AudioPoolAnalyzer>(
        html`<audio-pool-analyzer source="test-tone" batch-size="128" stats-interval="10000"></audio-pool-analyzer>`,
      );
      expect(await analyzer.requestStats()).to.equal(null);
      await running(analyzer);
      // The periodic snapshot comes at the first quantum and then not for 10 s: only a fresh one counts these batches.
      await nextEvent(analyzer, 'analysis-frame', (event) => event.detail.sequence >= 20);
      const event = nextEvent(analyzer, 'pool-stats');
      const stats = await analyzer.requestStats();
      expect(stats?.deliveredBatches).to.be.at.least(21);
      expect((await event).detail).to.equal(stats);
      await analyzer.stop();
      const last = analyzer.stats;
      expect(await analyzer.requestStats()).to.equal(last);
    });

    it('is not displayed, nor its children, while hidden', async () => {
      const analyzer = await fixture<AudioPoolAnalyzer>(html`<audio-pool-analyzer hidden><span>child</span></audio-pool-analyzer>`);
      const child = analyzer.querySelector('span') as HTMLSpanElement;
      expect(getComputedStyle(analyzer).display).to.equal('none');
      expect(child.getClientRects().length).to.equal(0);
      analyzer.hidden = false;
      expect(getComputedStyle(analyzer).display).to.equal('contents');
      expect(child.getClientRects().length).to.be.greaterThan(0);
    });

    it('runs two analyzers independently', async () => {
      const container = await fixture<HTMLDivElement>(html`<div>
        <audio-pool-analyzer source="test-tone" transport="ping-pong" batch-size="128" pool-size="4"></audio-pool-analyzer>
        <audio-pool-analyzer source="test-tone" transport="ping-pong" batch-size="512" pool-size="8"></audio-pool-analyzer>
      </div>`);
      const [first, second] = [...container.querySelectorAll('audio-pool-analyzer')] as AudioPoolAnalyzer[];
      if (!first || !second) throw new Error('fixture incomplete');
      await Promise.all([running(first), running(second)]);
      expect(first.context).to.not.equal(second.context);
      const [a, b] = await Promise.all([
        statsWhere(first, (s) => s.deliveredBatches > 20),
        statsWhere(second, (s) => s.deliveredBatches > 5),
      ]);
      expect([a.detail.batchSize, a.detail.allocations]).to.deep.equal([128, 4]);
      expect([b.detail.batchSize, b.detail.allocations]).to.deep.equal([512, 8]);
      await first.stop();
      await nextEvent(second, 'analysis-frame');
    });

    it('reports a browser without AudioWorklet as unsupported', async () => {
      const analyzer = await fixture<AudioPoolAnalyzer>(html`<audio-pool-analyzer></audio-pool-analyzer>`);
      const descriptor = Object.getOwnPropertyDescriptor(window, 'AudioWorkletNode') as PropertyDescriptor;
      Reflect.deleteProperty(window, 'AudioWorkletNode');
      try {
        const error = nextEvent(analyzer, 'analyzer-error');
        await analyzer.start();
        expect((await error).detail.code).to.equal('unsupported');
        expect(analyzer.state).to.equal('error');
      } finally {
        Object.defineProperty(window, 'AudioWorkletNode', descriptor);
      }
    });

    it('reports an insecure context', async () => {
      const analyzer = await fixture<AudioPoolAnalyzer>(html`<audio-pool-analyzer></audio-pool-analyzer>`);
      const descriptor = Object.getOwnPropertyDescriptor(window, 'isSecureContext') as PropertyDescriptor;
      Object.defineProperty(window, 'isSecureContext', { value: false, configurable: true });
      try {
        const error = nextEvent(analyzer, 'analyzer-error');
        await analyzer.start();
        expect((await error).detail.code).to.equal('insecure-context');
        expect(analyzer.state).to.equal('error');
      } finally {
        Object.defineProperty(window, 'isSecureContext', descriptor);
      }
      expect(window.isSecureContext).to.equal(true);
    });
  });
});
