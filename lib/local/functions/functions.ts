import { once } from 'node:events';
import { createRequire } from 'node:module';
import type { MessagePort } from 'node:worker_threads';
import { Worker } from 'node:worker_threads';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { Operation } from '../../operations.js';
import { FUNCTION_DEFAULTS, operations } from '../../operations.js';
import { accountOf } from '../base/account.js';
import { compileCacheDir } from '../base/compile-cache.js';
import { forwardOutput } from '../base/output.js';
import type { Invocation, InvocationConditions, InvocationResult } from './function-worker.js';
import type { KeyPool } from './key-pool.js';

export interface FunctionSettings {
  /**
   * Invocations of one function that may run at once in one namespace (account and region), as a
   * function's reserved concurrency does on Lambda, where each account runs its own. Enough to keep the handlers' thread busy on a small machine, few enough that even
   * Generate's CPU-bound key generation finishes well inside the timeout for all of them at once.
   * @default 10
   */
  readonly concurrency?: number;
  /** How long an invocation may run, from its start. @default the deployed functions' timeout, 10 s */
  readonly timeoutMs?: number;
  /**
   * How long an invocation may wait for one of the function's `concurrency` to come free. Lambda
   * refuses at once; waiting a little while the request can still be answered within HTTP API's
   * 30-second integration timeout serves bursts instead. @default 30 s less the timeout
   */
  readonly maxWaitMs?: number;
  /**
   * How many invocations of one function may wait at once; past it an invocation is refused at
   * once, as Lambda refuses past its concurrency, so one client with a flood of requests in flight
   * cannot hold everyone else's in a long queue. @default twenty times `concurrency`
   */
  readonly maxWaiting?: number;
}

/** Invocations the functions' thread runs at once, in all namespaces (its AWS_LAMBDA_MAX_CONCURRENCY). */
export const MAX_INVOCATIONS_AT_ONCE = 1_000;

/**
 * The invocations under way, held to `max` in all namespaces and to `perAccount` for each account in
 * all its regions. A key signing for region after region has a namespace, so each function's
 * concurrency, in each: without the second bound one key's Generates in 110 regions took all 1 000,
 * and every other worker's request was refused `500` at once.
 */
export const invocationShares = (max: number, perAccount: number) => {
  const byAccount = new Map<string, number>();
  let running = 0;
  return {
    /** Counts an invocation of `account` in; or says why it may not start. */
    take(account: string): string | undefined {
      const held = byAccount.get(account) ?? 0;
      if (running >= max) return `${max} invocations are under way in the functions' thread`;
      if (held >= perAccount) return `account ${account} has ${held} invocations under way, in all its regions`;
      running++;
      byAccount.set(account, held + 1);
      return undefined;
    },
    /** Counts a taken invocation of `account` out. */
    give(account: string): void {
      running--;
      const held = byAccount.get(account)! - 1;
      if (held === 0) byAccount.delete(account);
      else byAccount.set(account, held);
    },
  };
};

/**
 * What one account may run at once in all its regions, at least: a tenth of the thread. More than one
 * namespace needs at the default concurrency (10 for each of 8 functions), and already more than two
 * cores serve promptly (100 Generates at once: seconds each, key generation being CPU-bound).
 */
const ACCOUNT_SHARE = MAX_INVOCATIONS_AT_ONCE / 10;

/** HTTP API gives up on an integration after this long. */
export const INTEGRATION_TIMEOUT_MS = 30_000;

/** Lambda refused to run the invocation: the function's concurrency was in use throughout `maxWaitMs`. */
export class FunctionThrottled extends Error {
  override readonly name = 'FunctionThrottled';
}

/** The invocation did not answer within its timeout; Lambda stops such an invocation there. */
export class FunctionTimedOut extends Error {
  override readonly name = 'FunctionTimedOut';
}

export interface LocalFunctions {
  /**
   * Runs `operation`'s handler on `event`: resolves with what it returned; rejects with
   * FunctionThrottled, FunctionTimedOut, or an error if it failed. The context gives the request id;
   * the deadline starts when the invocation does, after any wait for concurrency. `conditions` are the
   * namespace's clock and ids.
   */
  invoke(
    operation: Operation,
    event: APIGatewayProxyEventV2,
    context: Context,
    namespace?: string,
    conditions?: InvocationConditions,
  ): Promise<unknown>;
  /** Stops the functions' thread; invocations under way fail. */
  close(): Promise<void>;
}

/**
 * Starts loading at once: from the sources, what the handlers import (below), then tsx and the
 * worker module; in the package, the one bundle of the worker and every handler. The environment
 * arrives meanwhile; then the worker serves. The thread starts without the parent's loaders (under
 * jest the parent's are not tsx).
 */
const BOOTSTRAP = `
const { parentPort, workerData } = require('node:worker_threads');
const { once } = require('node:events');
if (workerData.compileCache !== undefined) require('node:module').enableCompileCache(workerData.compileCache);
const environment = once(parentPort, 'message').then(([env]) => Object.assign(process.env, env));
workerData.preload
  .reduce((before, url) => before.then(() => import(url)), Promise.resolve())
  .then(() => (workerData.tsx ? import(workerData.tsx) : undefined))
  .then(() => import(workerData.module))
  .then((thread) => environment.then(() => thread.serve()));
`;

/**
 * What the handler modules import that takes longest to load: loaded by the thread while the store
 * is still starting, so that no function's first invocation waits for them.
 */
const PRELOAD = [
  '@aws-sdk/client-dynamodb',
  '@aws-sdk/lib-dynamodb',
  '@middy/core',
  '@aws-lambda-powertools/logger',
  '@aws-lambda-powertools/metrics',
];

/**
 * The SDK's ES module build imports `node:http` at its first request to an http:// endpoint, and
 * Node's ES module view of `node:http` loads undici, with http2 and zlib: some 30 ms of the first
 * answer, unless loaded here, meanwhile.
 */
const BUNDLE_PRELOAD = ['node:http'];

/** This module's own extension: `.ts` from the sources, `.js` once compiled. */
const compiled = import.meta.url.endsWith('.js');

/** The bundle bin/bundle-functions.ts makes of ./function-worker.ts and every handler, for the package. */
const WORKER_BUNDLE = '../../../functions/local/function-worker.mjs';

/**
 * The functions, in a worker thread of their own, as on AWS a function runs apart from HTTP API:
 * the stand-in keeps the main thread, the handlers get an event loop and module state of their own,
 * and the two run on two cores. Each invocation is posted to the thread and its result posted back.
 * A thread that dies fails the invocations it was running, and the next invocation starts a new one,
 * as Lambda replaces an execution environment that failed.
 */
export const startFunctions = async (
  {
    concurrency = 10,
    timeoutMs = FUNCTION_DEFAULTS.timeoutSeconds * 1000,
    maxWaitMs = INTEGRATION_TIMEOUT_MS - timeoutMs,
    maxWaiting = 20 * concurrency,
  }: FunctionSettings = {},
  env: Environment | Promise<Environment> = { ...process.env },
  runtime: LocalRuntime = {},
): Promise<LocalFunctions> => {
  const startThread = () => startFunctionThread(env, runtime);
  let thread = await startThread();
  let replacing: Promise<FunctionThread> | undefined;
  let next = 0;
  // A limit per function and namespace, made when first needed and dropped when idle: one worker's
  // flood waits in its own line, never in front of another's calls. All of them together are held
  // to what the thread runs at once.
  const limits = new Map<string, ConcurrencyLimit>();
  // Never less than one namespace's whole concurrency, which a concurrency setting asks for.
  const shares = invocationShares(MAX_INVOCATIONS_AT_ONCE, Math.max(ACCOUNT_SHARE, concurrency * operations.length));
  return {
    invoke: async (operation, event, context, namespace = '', conditions) => {
      const key = `${operation.name} ${namespace}`;
      const limit = limits.get(key) ?? concurrencyLimit(concurrency, maxWaiting);
      limits.set(key, limit);
      const dropIfIdle = () => (limit.idle() ? limits.delete(key) : undefined);
      let release: () => void;
      try {
        release = await limit.acquire(maxWaitMs);
      } catch (error) {
        dropIfIdle();
        throw error;
      }
      const account = accountOf(namespace);
      const refused = shares.take(account);
      if (refused !== undefined) {
        release();
        dropIfIdle();
        throw new FunctionThrottled(refused);
      }
      try {
        if (!thread.running()) {
          // One replacement for every invocation that finds the thread gone.
          replacing ??= startThread().finally(() => {
            replacing = undefined;
          });
          thread = await replacing;
        }
        const deadline = Date.now() + timeoutMs;
        return await withTimeout(
          thread.run({
            id: next++,
            operation: operation.name,
            event,
            awsRequestId: context.awsRequestId,
            deadline,
            invokedFunctionArn: context.invokedFunctionArn,
            ...(conditions === undefined ? {} : { conditions }),
          }),
          timeoutMs,
        );
      } finally {
        shares.give(account);
        release();
        dropIfIdle();
      }
    },
    close: async () => {
      await thread.worker.terminate();
    },
  };
};

type FunctionThread = Awaited<ReturnType<typeof startFunctionThread>>;

interface ConcurrencyLimit {
  /** Resolves, with the slot's release, once one of the slots is free; rejects FunctionThrottled after `maxWaitMs`. */
  acquire(maxWaitMs: number): Promise<() => void>;
  /** Nothing runs or waits. */
  idle(): boolean;
}

/** `slots` invocations at once; at most `maxWaiting` more wait in arrival order, each only for as long as it may. */
const concurrencyLimit = (slots: number, maxWaiting: number): ConcurrencyLimit => {
  let running = 0;
  const waiting = new Set<() => void>();
  const release = () => {
    const [first] = waiting;
    if (first === undefined) running--;
    else {
      waiting.delete(first);
      first(); // the slot passes straight to the next in line
    }
  };
  return {
    idle: () => running === 0 && waiting.size === 0,
    acquire: (maxWaitMs) => {
      if (running < slots) {
        running++;
        return Promise.resolve(release);
      }
      if (waiting.size >= maxWaiting) {
        return Promise.reject(new FunctionThrottled(`the function's ${slots} concurrent invocations are busy and ${maxWaiting} more wait`));
      }
      return new Promise((resolve, reject) => {
        const start = () => {
          clearTimeout(timer);
          resolve(release);
        };
        const timer = setTimeout(() => {
          waiting.delete(start);
          reject(new FunctionThrottled(`the function's ${slots} concurrent invocations stayed busy for ${maxWaitMs} ms`));
        }, maxWaitMs);
        waiting.add(start);
      });
    },
  };
};

/** `work`'s outcome, or FunctionTimedOut once `ms` pass first. */
const withTimeout = <T>(work: Promise<T>, ms: number): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FunctionTimedOut(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timedOut]).finally(() => clearTimeout(timer));
};

/** What the local service's functions' thread has that Lambda's do not, for speed. */
export interface LocalRuntime {
  /** Key pairs generated ahead for Generate (./key-pool.ts); each thread started connects to it. @default none */
  readonly keyPool?: KeyPool;
  /** A new port to the store for each thread, carrying the handlers' requests without HTTP (./store-transport.ts). @default none: over HTTP */
  readonly storePort?: () => MessagePort;
}

/** `env` is the handlers' whole environment, as a function's configuration is on Lambda. */
type Environment = Readonly<Record<string, string | undefined>>;

/** A functions' thread; it starts loading at once, and serves once `env` is known. */
const startFunctionThread = async (env: Environment | Promise<Environment>, { keyPool, storePort }: LocalRuntime) => {
  const port = storePort?.();
  const keyPort = keyPool?.connect();
  const worker = new Worker(BOOTSTRAP, {
    eval: true,
    stdout: true,
    stderr: true,
    env: {},
    // Not the parent's loaders (above); its CPU profiling, if any (`npm run bench` can ask for it).
    execArgv: process.execArgv.filter((option) => option.startsWith('--cpu-prof')),
    workerData: {
      tsx: compiled ? undefined : createRequire(import.meta.url).resolve('tsx'),
      module: new URL(compiled ? WORKER_BUNDLE : './function-worker.ts', import.meta.url).href,
      preload: compiled ? BUNDLE_PRELOAD : PRELOAD.map((specifier) => import.meta.resolve(specifier)),
      compileCache: compileCacheDir(),
      keyPort,
      storePort: port,
    },
    transferList: [port, keyPort].filter((each) => each !== undefined),
  });
  forwardOutput(worker);
  worker.unref(); // the service's own handles decide when the process may end
  const started = Promise.race([once(worker, 'message'), once(worker, 'error').then(([error]) => Promise.reject(error))]);
  started.catch(() => undefined); // awaited below, once the environment is known
  try {
    worker.postMessage({ ...(await env) });
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  const [ready] = (await started) as [unknown];
  if (ready !== 'ready') throw new Error(`the functions' thread did not start: ${String(ready)}`);

  const pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  let exited = false;
  worker.on('message', (message: InvocationResult) => {
    const waiting = pending.get(message.id);
    pending.delete(message.id);
    if ('failed' in message) waiting?.reject(new Error('the function failed'));
    else waiting?.resolve(message.result);
  });
  worker.on('error', () => undefined); // 'exit' follows, and fails what was under way
  worker.on('exit', (code) => {
    exited = true;
    for (const { reject } of pending.values()) reject(new Error(`the functions' thread exited with ${code}`));
    pending.clear();
  });
  return {
    worker,
    running: () => !exited,
    run: (invocation: Invocation) =>
      new Promise<unknown>((resolve, reject) => {
        pending.set(invocation.id, { resolve, reject });
        worker.postMessage(invocation);
      }),
  };
};
