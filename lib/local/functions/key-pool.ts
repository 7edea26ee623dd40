import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import type { KeyPairKeyObjectResult } from 'node:crypto';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { once } from 'node:events';
import type { MessagePort } from 'node:worker_threads';
import { MessageChannel } from 'node:worker_threads';

/**
 * RSA-2048 key pairs generated ahead, for the local service's Generate: a key generation takes some
 * 50 ms of CPU, most of a Generate's time, and a harness waits for it on every certificate. Lambda
 * has nothing like it; the deployed function generates each pair when asked (lambda/domain/pem.ts).
 *
 * The pairs are made in a child process of the lowest priority, not in a thread: a thread busy in a
 * key generation holds its process's exit until the generation ends, seconds on busy cores, and a
 * service must stop within moments of its starter's death. A process holds nothing of its parent's.
 */
export interface KeyPool {
  /**
   * A port for a functions' thread to take pairs from (`keyPairsFrom`); the pool fills it up to its
   * size. A new port replaces the last: the pairs sent to a thread that ended are dropped, never given.
   */
  connect(): MessagePort;
  /** Pairs the connected thread holds, ready to take. */
  ready(): number;
  /** Generates that took a pair. */
  taken(): number;
  /** Generates that found no pair ready and generated their own, in the request's path. */
  generatedInPlace(): number;
  /** The generating process's id while one runs. */
  pid(): number | undefined;
  /** Kills the generating process and drops the pairs not taken. */
  close(): Promise<void>;
}

/**
 * Pairs kept ready unless told otherwise: more than a test's burst of Generates usually asks for, and
 * few enough that a pool emptied refills within a second of one idle core (docs/performance.md).
 */
export const DEFAULT_KEY_POOL_SIZE = 8;

/** The children that may die in a row, none having sent a pair, before the pool gives up and stays empty. */
export const MAX_RESTARTS = 3;

/** How often the child checks that its parent still lives, should the IPC channel somehow outlast it. */
const PARENT_CHECK_MS = 500;

/**
 * The generating process: one pair at a time, only as many as asked for, each sent once and kept by
 * no one. It generates on libuv's one thread (UV_THREADPOOL_SIZE=1), which it first puts at the
 * lowest priority, and on Linux only that thread (a thread's nice value is its own there): its main
 * thread, idle but for a message now and then, keeps the normal priority, so that on saturated cores
 * it still sees its parent go at once and dies at once, not after a turn at nice 19, which can take
 * seconds. It generates asynchronously so that the main thread stays free for that; and it kills
 * itself rather than exit, for an exit would wait on the generation under way (libuv joins its threads).
 */
const CHILD = `
const { generateKeyPair, randomBytes } = require('node:crypto');
const { readdirSync, readFileSync } = require('node:fs');
const { setPriority } = require('node:os');
const parent = process.ppid;
const die = () => process.kill(process.pid, 'SIGKILL');
process.on('disconnect', die);
setInterval(() => { if (process.ppid !== parent) die(); }, ${PARENT_CHECK_MS}).unref();
// A first job starts libuv's thread; then it, by its name, goes to nice 19; elsewhere, the whole process.
const lowered = new Promise((done) => randomBytes(1, () => {
  try {
    const threads = readdirSync('/proc/self/task').filter((id) => readFileSync('/proc/self/task/' + id + '/comm', 'utf8').trim() === 'libuv-worker');
    if (threads.length === 0) throw new Error('no libuv thread by that name');
    for (const id of threads) setPriority(Number(id), 19);
  } catch {
    try { setPriority(19); } catch {}
  }
  done();
}));
const encoding = { publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'der' } };
let wanted = 0;
let generating = false;
const next = () => {
  if (wanted === 0 || !process.connected) return;
  wanted--;
  generating = true;
  generateKeyPair('rsa', { modulusLength: 2048, ...encoding }, (error, publicKey, privateKey) => {
    generating = false;
    if (error) throw error;
    if (process.connected) process.send({ publicKey: publicKey.toString('base64'), privateKey: privateKey.toString('base64') });
    next();
  });
};
process.on('message', (more) => lowered.then(() => {
  wanted += more;
  if (!generating) next();
}));
`;

/** A pair as the child sends it: DER, in base64. */
interface SentPair {
  readonly publicKey: string;
  readonly privateKey: string;
}

/** What a functions' thread tells the pool: a pair arrived, a Generate took one, or one found none. */
type Report = 'received' | 'taken' | 'missed';

const NO_POOL: KeyPool = {
  connect: () => {
    const { port1, port2 } = new MessageChannel();
    port1.close();
    return port2;
  },
  ready: () => 0,
  taken: () => 0,
  generatedInPlace: () => 0,
  pid: () => undefined,
  close: async () => undefined,
};

/** Every pool's child, killed should this process end without closing its pool: one listener for all. */
const children = new Set<ChildProcess>();
const killChildren = () => {
  for (const child of children) child.kill('SIGKILL');
};

/**
 * A pool of up to `size` pairs, refilled in the background as they are taken; `size` 0 starts no
 * process and never has one ready. The child starts at the first `connect`, so no pair is made with
 * nowhere to go. A child that dies is replaced, up to MAX_RESTARTS in a row without a pair between;
 * meanwhile, and after, Generate makes its own pairs, as on Lambda.
 */
export const startKeyPool = (size: number): KeyPool => {
  if (size === 0) return NO_POOL;
  let child: ChildProcess | undefined;
  let port: MessagePort | undefined;
  let sent = 0; // to the connected thread and not taken: at most `size`
  let received = 0; // of those, what the thread has
  let taken = 0;
  let inPlace = 0;
  let deathsInARow = 0;
  let closed = false;

  /** Asks the child for `more` pairs; one whose channel is closed is dying, and its 'exit' replaces it. */
  const ask = (more: number) => {
    if (more > 0 && child?.connected) child.send(more);
  };
  const start = () => {
    const started = spawn(process.execPath, ['-e', CHILD], {
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      env: { UV_THREADPOOL_SIZE: '1' },
    });
    // Never what keeps this process alive, and never what it waits for.
    started.unref();
    started.channel?.unref();
    if (children.size === 0) process.on('exit', killChildren);
    children.add(started);
    started.on('error', () => undefined); // 'exit' follows, or it never started: an empty pool, Generate makes its own
    started.on('message', (pair: SentPair) => {
      deathsInARow = 0;
      // A pair from a child that died is still one never given; past the size, one too many is dropped.
      if (port === undefined || sent >= size) return;
      sent++;
      port.postMessage(pair);
    });
    started.once('exit', () => {
      children.delete(started);
      if (children.size === 0) process.off('exit', killChildren);
      if (child !== started) return;
      child = undefined;
      if (!closed && ++deathsInARow <= MAX_RESTARTS) start();
    });
    child = started;
    ask(size - sent);
  };

  return {
    connect: () => {
      port?.close();
      const lost = sent; // the last thread's pairs end with it
      sent = 0;
      received = 0;
      const { port1, port2 } = new MessageChannel();
      const connected = port1;
      connected.unref();
      connected.on('message', (report: Report) => {
        if (connected !== port) return;
        if (report === 'received') received++;
        else if (report === 'missed') inPlace++;
        else {
          sent--;
          received--;
          taken++;
          ask(1);
        }
      });
      port = connected;
      if (child === undefined && !closed && deathsInARow === 0) start();
      else ask(lost);
      return port2;
    },
    ready: () => received,
    taken: () => taken,
    generatedInPlace: () => inPlace,
    pid: () => child?.pid,
    close: async () => {
      closed = true;
      port?.close();
      port = undefined;
      const last = child;
      if (last === undefined || last.exitCode !== null || last.signalCode !== null) return;
      const exited = once(last, 'exit');
      // Waited for with the child held: unref'd, its exit would not keep the event loop alive, and a
      // script whose last step is `await service.close()` would end with that await never settled.
      last.ref();
      last.kill('SIGKILL');
      await exited;
    },
  };
};

/** The pairs a functions' thread holds, taken one at a time. */
export interface KeyPairs {
  /** A pair no one was given before, removed as it is given; `undefined` when none is ready. */
  take(): KeyPairKeyObjectResult | undefined;
  /** Pairs here now. */
  ready(): number;
}

/**
 * The functions' thread's side of `port` (KeyPool.connect): what lambda/domain/pem.ts takes its pairs
 * from. It tells the pool of each pair it receives and of each take: whether it found a pair, so that
 * the pool makes another, or none, which the pool counts.
 */
export const keyPairsFrom = (port: MessagePort): KeyPairs => {
  const pairs: KeyPairKeyObjectResult[] = [];
  port.on('message', ({ publicKey, privateKey }: SentPair) => {
    pairs.push({
      publicKey: createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' }),
      privateKey: createPrivateKey({ key: Buffer.from(privateKey, 'base64'), format: 'der', type: 'pkcs8' }),
    });
    port.postMessage('received' satisfies Report);
  });
  port.unref();
  return {
    take: () => {
      const pair = pairs.shift();
      port.postMessage((pair === undefined ? 'missed' : 'taken') satisfies Report);
      return pair;
    },
    ready: () => pairs.length,
  };
};
