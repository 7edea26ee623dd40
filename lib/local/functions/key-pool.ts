import type { KeyPairKeyObjectResult } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/**
 * RSA-2048 key pairs generated ahead, for the local service's Generate: a key generation takes some
 * 50 ms of CPU, most of a Generate's time, and a harness waits for it on every certificate. Lambda
 * has nothing like it; the deployed function generates each pair when asked (lambda/domain/pem.ts).
 */
export interface KeyPool {
  /** A pair no one was given before, removed from the pool; `undefined` when none is ready. */
  take(): KeyPairKeyObjectResult | undefined;
  /** Pairs ready now. */
  ready(): number;
  /** Stops the thread that generates them and drops the pairs not taken. */
  close(): Promise<void>;
}

/**
 * The generating thread: one pair at a time, only as many as asked for. On Linux it first lowers its
 * own scheduling priority to the lowest (a thread's nice value is its own there, so the rest of the
 * process keeps its priority): with both cores busy, requests run first and the pool waits.
 * It generates synchronously, on its own thread, not on libuv's pool that the handlers' I/O shares.
 */
const WORKER = `
const { parentPort } = require('node:worker_threads');
const { generateKeyPairSync } = require('node:crypto');
if (process.platform === 'linux') {
  try { require('node:os').setPriority(0, 19); } catch {}
}
let wanted = 0;
const next = () => {
  if (wanted === 0) return;
  wanted--;
  parentPort.postMessage(generateKeyPairSync('rsa', { modulusLength: 2048 }));
  setImmediate(next); // reads any message posted meanwhile before the next pair
};
parentPort.on('message', (more) => {
  const idle = wanted === 0;
  wanted += more;
  if (idle) setImmediate(next);
});
`;

/**
 * A pool of up to `size` pairs, refilled in the background as they are taken; `size` 0 starts no
 * thread and never has one ready. A pair is handed out once, by `take`, and forgotten by the pool;
 * the thread keeps none after posting it.
 */
export const startKeyPool = (size: number): KeyPool => {
  if (size === 0) return { take: () => undefined, ready: () => 0, close: async () => undefined };
  const pairs: KeyPairKeyObjectResult[] = [];
  const worker = new Worker(WORKER, { eval: true, env: {}, execArgv: [] });
  worker.unref(); // never what keeps the process alive
  worker.on('message', (pair: KeyPairKeyObjectResult) => {
    pairs.push(pair);
  });
  worker.on('error', () => undefined); // a pool that failed is an empty one: Generate makes its own pairs
  worker.postMessage(size);
  return {
    take: () => {
      const pair = pairs.shift();
      if (pair !== undefined) {
        worker.postMessage(1);
      }
      return pair;
    },
    ready: () => pairs.length,
    close: async () => {
      pairs.length = 0;
      await worker.terminate();
    },
  };
};
