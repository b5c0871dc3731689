import { replaceProperty } from './globals.js';

type GetUserMedia = (constraints?: MediaStreamConstraints) => Promise<MediaStream>;

/**
 * Replaces `getUserMedia` for the page with what `make` builds around the original, until the
 * returned function restores it. It patches the prototype: WebKitGTK can collect the
 * `navigator.mediaDevices` wrapper between two reads, and a property set on the instance goes with
 * it (seen as a stub silently not called, 1 time in 16).
 */
export function replaceGetUserMedia(make: (original: GetUserMedia) => GetUserMedia): () => void {
  const original = MediaDevices.prototype.getUserMedia;
  return replaceProperty(
    MediaDevices.prototype,
    'getUserMedia',
    make((constraints) => original.call(navigator.mediaDevices, constraints)),
  );
}
