/**
 * `npm run bench:pool`: the pool's own cost, in Node: one acquire and one release of a slot (what
 * the worklet does per batch, and the page's return, for every pooled transport), timed over
 * millions of pairs, and the same with a resize every 4096 pairs. It answers the plan's "buffer
 * acquisition time" with a number; the browsers' figures are in the full bench.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const PAIRS = 5_000_000;
const ROUNDS = 7;
const POOL_SIZE = 16;
const BUFFER_BYTES = 4096;

/** The worklet's SlotPool and Meters, bundled from their TypeScript sources. */
async function loadPool() {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const { outputFiles } = await build({
    stdin: {
      contents: "export { SlotPool } from './worklet/slot-pool.ts'; export { Meters } from './worklet/meters.ts';",
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    write: false,
    logLevel: 'error',
  });
  return import(`data:text/javascript;base64,${Buffer.from(outputFiles[0].text).toString('base64')}`);
}

/** ns per acquire + release pair, the median of ROUNDS rounds (the first warms the JIT and is left out). */
function timePairs(pool, resizeEvery) {
  const rounds = [];
  for (let round = 0; round <= ROUNDS; round++) {
    let frame = 0;
    let size = POOL_SIZE;
    const started = process.hrtime.bigint();
    for (let i = 1; i <= PAIRS; i++) {
      const slot = pool.acquire(frame);
      pool.release(pool.idAt(slot), BUFFER_BYTES, frame);
      frame += 128;
      if (resizeEvery > 0 && i % resizeEvery === 0) {
        size = size === POOL_SIZE ? POOL_SIZE + 1 : POOL_SIZE;
        pool.configure(size, BUFFER_BYTES);
      }
    }
    const ns = Number(process.hrtime.bigint() - started) / PAIRS;
    if (round > 0) rounds.push(ns);
  }
  rounds.sort((a, b) => a - b);
  return { median: rounds[Math.floor(rounds.length / 2)], min: rounds[0], max: rounds.at(-1) };
}

export async function measurePool() {
  const { SlotPool, Meters } = await loadPool();
  const make = () => {
    const pool = new SlotPool(new Meters('ping-pong', 48000));
    pool.configure(POOL_SIZE, BUFFER_BYTES);
    return pool;
  };
  return {
    node: process.version,
    pairs: PAIRS,
    rounds: ROUNDS,
    poolSize: POOL_SIZE,
    steady: timePairs(make(), 0),
    resizing: timePairs(make(), 4096),
  };
}

export function formatPool(result) {
  const row = (name, { median, min, max }) => `| ${name} | ${median.toFixed(1)} | ${min.toFixed(1)} / ${max.toFixed(1)} |`;
  return [
    `## The pool alone (Node ${result.node}, ${result.pairs} pairs per round, median of ${result.rounds} rounds, pool ${result.poolSize})`,
    '',
    '| acquire + release | ns per pair | fastest / slowest round |',
    '|---|---|---|',
    row('steady', result.steady),
    row('resized (16 ↔ 17 slots) every 4096 pairs', result.resizing),
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(formatPool(await measurePool()));
