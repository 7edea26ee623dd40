import { getPriority } from 'node:os';
import type { KeyPairs, KeyPool } from '../../../../lib/local/functions/key-pool.js';
import { keyPairsFrom, MAX_RESTARTS, startKeyPool } from '../../../../lib/local/functions/key-pool.js';
import { until } from '../../../support/wait.js';
import { alive, generatingThreadPriority } from './processes.js';

const spki = (pair: { publicKey: { export(options: { type: 'spki'; format: 'der' }): Buffer } }) =>
  pair.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

/** Generating one pair at nice 19 can take seconds while the machine's cores are busy. */
const REFILL_MS = 60_000;

describe('startKeyPool', () => {
  let pool: KeyPool;
  let pairs: KeyPairs;
  const start = (size: number) => {
    pool = startKeyPool(size);
    pairs = keyPairsFrom(pool.connect());
  };
  afterEach(async () => {
    await pool?.close();
  });

  test("fills its thread to its size from a child process generating at the lowest priority, whose main thread keeps this one's; the child gone once the pool closes", async () => {
    start(2);
    const pid = pool.pid()!;

    // The pool counts a pair ready when the thread says it has it: a message after the pair's own.
    await until('two pairs, and the pool told of both', () => pairs.ready() === 2 && pool.ready() === 2, REFILL_MS);
    const priorities = { generating: generatingThreadPriority(pid), main: getPriority(pid) };
    await pool.close();

    expect({ priorities, ready: pool.ready(), alive: alive(pid) }).toEqual({
      priorities: { generating: 19, main: getPriority() },
      ready: 2,
      alive: false,
    });
  });

  test('hands out each pair once, across a refill and a child killed and replaced: every pair taken is another key', async () => {
    start(2);
    await until('two pairs', () => pairs.ready() === 2, REFILL_MS);

    const taken = [pairs.take(), pairs.take()];
    const afterEmptied = pairs.take();
    const first = pool.pid()!;
    process.kill(first, 'SIGKILL'); // with the refill asked of it
    await until('a new child', () => pool.pid() !== undefined && pool.pid() !== first);
    await until('the pool refilled by the new child', () => pairs.ready() === 2, REFILL_MS);
    taken.push(pairs.take(), pairs.take());
    await until('refilled again', () => pairs.ready() === 2, REFILL_MS);
    taken.push(pairs.take(), pairs.take());

    expect(afterEmptied).toBeUndefined();
    expect(taken.map((pair) => pair?.privateKey.asymmetricKeyDetails?.modulusLength)).toEqual([2048, 2048, 2048, 2048, 2048, 2048]);
    expect(new Set(taken.map((pair) => spki(pair!))).size).toBe(6);
  });

  test('counts each take that found no pair: a Generate that made its own in the request path', async () => {
    start(1);
    await until('a pair', () => pairs.ready() === 1, REFILL_MS);

    pairs.take();
    pairs.take();
    pairs.take();

    await until('two misses counted', () => pool.generatedInPlace() === 2);
    expect(pool.generatedInPlace()).toBe(2);
  });

  test(`replaces a child that dies, up to ${MAX_RESTARTS} in a row without a pair; then stays empty`, async () => {
    start(1);
    const killed: number[] = [];
    for (let death = 0; death <= MAX_RESTARTS; death++) {
      const pid = pool.pid()!;
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
      await until('the child replaced, or given up', () => pool.pid() !== pid);
    }

    expect(new Set(killed).size).toBe(MAX_RESTARTS + 1);
    expect(pool.pid()).toBeUndefined();
    expect(pairs.take()).toBeUndefined();
  });

  test("fills anew a thread connected in place of the last, as when the functions' thread is replaced: the last one's pairs end with it", async () => {
    start(1);
    await until('a pair', () => pairs.ready() === 1, REFILL_MS);

    pairs = keyPairsFrom(pool.connect());

    await until('a pair for the new thread', () => pairs.ready() === 1, REFILL_MS);
  });

  test('of size 0 starts no process and never has a pair', async () => {
    start(0);

    expect(pool.pid()).toBeUndefined();
    expect(pairs.take()).toBeUndefined();
  });
});
