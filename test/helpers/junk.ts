import { batchBufferBytes } from '../../src/protocol.js';
import { writeHeader } from './batches.js';
import { randomInt } from './random.js';

/** Junk of every shape a port can carry, from a seeded generator. */
export function junkMessage(random: () => number, depth = 0): unknown {
  const pick = randomInt(random, 16);
  const number = [Number.NaN, Number.POSITIVE_INFINITY, -1, 0, 2 ** 53, 1e308, -0, 3.5, 256, 257][randomInt(random, 10)];
  switch (pick) {
    case 0:
      return number;
    case 1:
      return ['', 'stop', 'configure', 'return-buffer', 'x'.repeat(randomInt(random, 5000))][randomInt(random, 5)];
    case 2:
      return null;
    case 3:
      return undefined;
    case 4:
      return new ArrayBuffer(randomInt(random, 3) === 0 ? 0 : randomInt(random, 9000));
    case 5: {
      // A forged batch header: our magic, a random id, a plausible size.
      const buffer = new ArrayBuffer(batchBufferBytes(128, 1));
      writeHeader(new Float32Array(buffer), { bufferId: randomInt(random, 100000) });
      return buffer;
    }
    case 6:
      return new Float32Array(randomInt(random, 300));
    case 7:
      return depth > 2 ? {} : [junkMessage(random, depth + 1), junkMessage(random, depth + 1)];
    case 8:
      return {
        type: 'configure',
        config: {
          [['poolSize', 'batchSize', 'timeout', 'channels', 'transport', 'statsInterval', 'bogus'][randomInt(random, 7)] as string]:
            depth > 2 ? number : junkMessage(random, depth + 1),
        },
      };
    case 9:
      return { type: 'return-buffer', buffers: depth > 2 ? number : junkMessage(random, depth + 1) };
    case 10:
      return randomInt(random, 2) === 0
        ? { type: 'report-processing', bufferIds: [number, randomInt(random, 5000)] }
        : { type: 'acknowledge', sequence: randomInt(random, 2) === 0 ? number : randomInt(random, 5000) };
    case 11:
      return { type: ['request-stats', 'reset-stats', 'nope', 42][randomInt(random, 4)] };
    case 12:
      return { type: 'configure', config: junkMessage(random, depth + 1) };
    case 13:
      return depth > 2 ? [] : { nested: { deeper: [junkMessage(random, depth + 1)] } };
    case 14:
      return new Map([[1, 2]]);
    default:
      return { type: 'return-buffer', buffers: [new ArrayBuffer(randomInt(random, 600))] };
  }
}
