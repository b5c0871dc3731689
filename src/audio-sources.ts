import type { AnalyzerErrorCode } from './events.js';

/** The built-in test signal: a sine, analysed but never sent to the speakers. */
export const TEST_TONE = { frequency: 440, amplitude: 0.5 } as const;

/** A source wired into the capture node; `dispose()` undoes exactly what was wired. */
export interface ConnectedSource {
  readonly description: string;
  dispose(): void;
}

/** A source that could not be connected, with the `analyzer-error` code that describes why. */
export class SourceError extends Error {
  readonly code: AnalyzerErrorCode;

  constructor(code: AnalyzerErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** What users may pass to `connectSource()`. */
export type SourceInput = AudioNode | MediaStream | HTMLMediaElement;

export function connectTestTone(context: BaseAudioContext, target: AudioNode): ConnectedSource {
  const oscillator = new OscillatorNode(context, { frequency: TEST_TONE.frequency });
  const gain = new GainNode(context, { gain: TEST_TONE.amplitude });
  oscillator.connect(gain).connect(target);
  oscillator.start();
  return {
    description: 'test-tone',
    dispose() {
      oscillator.stop();
      oscillator.disconnect();
      gain.disconnect();
    },
  };
}

/** Asks for the microphone, unprocessed (no echo cancellation, gain control or noise suppression). */
export async function connectMicrophone(context: AudioContext, target: AudioNode, channels: number): Promise<ConnectedSource> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new SourceError('unsupported', 'this browser offers no microphone access (navigator.mediaDevices.getUserMedia)');
  }
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: channels, echoCancellation: false, autoGainControl: false, noiseSuppression: false },
    });
  } catch (error) {
    const name = error instanceof DOMException ? error.name : '';
    if (name === 'NotAllowedError' || name === 'SecurityError') {
      throw new SourceError('permission-denied', `microphone access was denied (${name})`);
    }
    throw new SourceError('source-not-found', `no usable microphone: ${String(error)}`);
  }
  const connected = connectStream(context, target, stream, 'microphone');
  return {
    description: connected.description,
    dispose() {
      connected.dispose();
      for (const track of stream.getTracks()) track.stop();
    },
  };
}

/**
 * A stream's audio, following its tracks: it listens to the newest live audio track, and moves
 * to another when the browser adds one, removes one or ends one. A captured media element gets
 * its tracks when it plays, and may add new ones while an older one stays, silent: Chromium did
 * so in 3 of 28 rounds of a user's page, and a node bound to the first track heard nothing.
 */
export function connectStream(
  context: AudioContext,
  target: AudioNode,
  stream: MediaStream,
  description = 'media-stream',
): ConnectedSource {
  const junction = new GainNode(context);
  junction.connect(target);
  let bound: { track: MediaStreamTrack; node: MediaStreamAudioSourceNode } | null = null;
  const unbind = () => {
    if (bound === null) return;
    bound.track.removeEventListener('ended', follow);
    bound.node.disconnect();
    bound = null;
  };
  function follow(): void {
    const newest = stream
      .getAudioTracks()
      .filter((track) => track.readyState === 'live')
      .at(-1);
    if (newest === bound?.track) return;
    unbind();
    if (newest === undefined) return;
    // A stream of its own for the track: a node made from the whole stream picks its track once and never changes it.
    const node = new MediaStreamAudioSourceNode(context, { mediaStream: new MediaStream([newest]) });
    node.connect(junction);
    newest.addEventListener('ended', follow);
    bound = { track: newest, node };
  }
  follow();
  stream.addEventListener('addtrack', follow);
  stream.addEventListener('removetrack', follow);
  return {
    description,
    dispose() {
      stream.removeEventListener('addtrack', follow);
      stream.removeEventListener('removetrack', follow);
      unbind();
      junction.disconnect();
    },
  };
}

type CapturableMedia = HTMLMediaElement & { captureStream?: () => MediaStream; mozCaptureStream?: () => MediaStream };

/** Element sources made with createMediaElementSource, which browsers allow once per element. */
const elementSources = new WeakMap<HTMLMediaElement, MediaElementAudioSourceNode>();

/**
 * A media element's audio. `captureStream()` leaves the element playing to the speakers as it
 * did and can be repeated after a restart. Where it is missing or refused (cross-origin media),
 * `createMediaElementSource()` reroutes the element into the context, so it is routed on to the
 * speakers too; browsers allow that only once per element and context.
 */
export function connectMediaElement(context: AudioContext, target: AudioNode, element: HTMLMediaElement): ConnectedSource {
  const media = element as CapturableMedia;
  const capture = media.captureStream ?? media.mozCaptureStream;
  if (capture) {
    try {
      const stream = capture.call(media);
      const connected = connectStream(context, target, stream, describeElement(element));
      return {
        description: connected.description,
        dispose() {
          connected.dispose();
          for (const track of stream.getTracks()) track.stop();
        },
      };
    } catch {
      // Cross-origin media cannot be captured; the element source below still can play it.
    }
  }
  let source = elementSources.get(element);
  if (source && source.context !== context) {
    throw new SourceError(
      'invalid-source',
      `${describeElement(element)} was bound to an earlier AudioContext, which browsers allow once per element`,
    );
  }
  if (!source) {
    source = context.createMediaElementSource(element);
    elementSources.set(element, source);
  }
  source.connect(target);
  source.connect(context.destination);
  const elementSource = source;
  return {
    description: describeElement(element),
    dispose() {
      elementSource.disconnect(target);
    },
  };
}

/**
 * Throws the SourceError that says why `connectSource()` cannot take `input` (checked against
 * `context` where there is one yet), before anything already connected is let go.
 */
export function checkInput(input: unknown, context: BaseAudioContext | null): asserts input is SourceInput {
  if (input instanceof AudioNode) {
    if (context !== null && input.context !== context) {
      throw new SourceError(
        'invalid-source',
        'the AudioNode belongs to another AudioContext; create it from the analyzer.context after start()',
      );
    }
    if (input.numberOfOutputs === 0) throw new SourceError('invalid-source', 'the AudioNode has no output');
  } else if (!(input instanceof MediaStream || input instanceof HTMLMediaElement)) {
    throw new SourceError('invalid-source', 'connectSource() takes an AudioNode, a MediaStream or an HTMLMediaElement');
  }
}

function connectNode(target: AudioNode, node: AudioNode): ConnectedSource {
  node.connect(target);
  return {
    description: node.constructor.name,
    dispose() {
      node.disconnect(target);
    },
  };
}

/** Connects anything `connectSource()` accepts. */
export function connectInput(context: AudioContext, target: AudioNode, input: SourceInput): ConnectedSource {
  checkInput(input, context);
  if (input instanceof AudioNode) return connectNode(target, input);
  if (input instanceof MediaStream) return connectStream(context, target, input);
  return connectMediaElement(context, target, input);
}

/**
 * Finds the media element a `source` selector names, in the analyzer's own root first (like
 * `<label for>`), then in the document.
 */
export function findMediaElement(selector: string, from: Node): HTMLMediaElement {
  const root = from.getRootNode() as Document | ShadowRoot;
  let found: Element | null;
  try {
    found = root.querySelector(selector) ?? (root === document ? null : document.querySelector(selector));
  } catch {
    throw new SourceError(
      'source-not-found',
      `source ${JSON.stringify(selector)} is neither test-tone, microphone nor a valid CSS selector`,
    );
  }
  if (found === null) throw new SourceError('source-not-found', `no element matches source ${JSON.stringify(selector)}`);
  if (!(found instanceof HTMLMediaElement)) {
    throw new SourceError('source-not-found', `source ${JSON.stringify(selector)} is a <${found.localName}>, not an <audio> or <video>`);
  }
  return found;
}

function describeElement(element: HTMLMediaElement): string {
  return element.id ? `<${element.localName}#${element.id}>` : `<${element.localName}>`;
}
