import type { KeyPool } from '../../../../lib/local/functions/key-pool.js';
import { startKeyPool } from '../../../../lib/local/functions/key-pool.js';
import { lowestPriorityThreads, until } from '../../../support/threads.js';

const spki = (pair: { publicKey: { export(options: { type: 'spki'; format: 'der' }): Buffer } }) =>
  pair.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

describe('startKeyPool', () => {
  let pool: KeyPool;
  afterEach(async () => {
    await pool?.close();
  });

  test('fills to its size in the background, and no further', async () => {
    pool = startKeyPool(2);

    await until(() => pool.ready() === 2);
    await new Promise((pause) => setTimeout(pause, 300)); // time for a third pair, were one coming

    expect(pool.ready()).toBe(2);
  });

  test('hands out each pair once: every pair taken is another key, and an emptied pool gives none', async () => {
    pool = startKeyPool(2);
    await until(() => pool.ready() === 2);

    const taken = [pool.take(), pool.take()];
    const afterEmptied = pool.take();
    await until(() => pool.ready() === 2); // refilled
    taken.push(pool.take(), pool.take());

    expect(afterEmptied).toBeUndefined();
    expect(taken.map((pair) => pair?.privateKey.asymmetricKeyDetails?.modulusLength)).toEqual([2048, 2048, 2048, 2048]);
    expect(new Set(taken.map((pair) => spki(pair!))).size).toBe(4);
  });

  test('generates in a thread of the lowest priority, which ends when the pool closes', async () => {
    const before = lowestPriorityThreads();
    pool = startKeyPool(1);
    await until(() => pool.ready() === 1);
    const whileOpen = lowestPriorityThreads();

    await pool.close();
    await until(() => lowestPriorityThreads().length === before.length);

    expect(whileOpen.length).toBe(before.length + 1);
    expect(pool.take()).toBeUndefined();
  });

  test('of size 0 starts no thread and never has a pair', async () => {
    const before = lowestPriorityThreads();
    pool = startKeyPool(0);
    await new Promise((pause) => setTimeout(pause, 300));

    expect(lowestPriorityThreads()).toEqual(before);
    expect(pool.take()).toBeUndefined();
  });
});
