import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Operation } from '../operations.js';
import type { Invocation, InvocationResult } from './function-worker.js';

export interface LocalFunctions {
  /** Runs `operation`'s handler on `event`: resolves with what it returned, rejects if it failed. */
  invoke(operation: Operation, event: APIGatewayProxyEventV2, context: Context): Promise<unknown>;
  /** Stops the functions' thread; invocations under way fail. */
  close(): Promise<void>;
}

/**
 * Loads tsx, then the worker module: the handlers are TypeScript, and the thread starts without the
 * parent's loaders (under jest the parent's are not tsx).
 */
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
import(workerData.tsx).then(() => import(workerData.module));
`;

/**
 * The functions, in a worker thread of their own, as on AWS a function runs apart from HTTP API:
 * the stand-in keeps the main thread, the handlers get an event loop and module state of their own,
 * and the two run on two cores. Each invocation is posted to the thread and its result posted back.
 * A thread that dies fails the invocations it was running, and the next invocation starts a new one,
 * as Lambda replaces an execution environment that failed.
 */
export const startFunctions = async (): Promise<LocalFunctions> => {
  let thread = await startThread();
  let replacing: Promise<FunctionThread> | undefined;
  let next = 0;
  return {
    invoke: async (operation, event, context) => {
      if (!thread.running()) thread = await (replacing ??= startThread().finally(() => (replacing = undefined)));
      return thread.run({
        id: next++,
        operation: operation.name,
        event,
        awsRequestId: context.awsRequestId,
        deadline: Date.now() + context.getRemainingTimeInMillis(),
      });
    },
    close: async () => {
      await thread.worker.terminate();
    },
  };
};

type FunctionThread = Awaited<ReturnType<typeof startThread>>;

const startThread = async () => {
  const worker = new Worker(BOOTSTRAP, {
    eval: true,
    env: { ...process.env }, // this module's (under jest, the test file's own), as it is now
    // Not the parent's loaders (above); its CPU profiling, if any (`npm run bench` can ask for it).
    execArgv: process.execArgv.filter((option) => option.startsWith('--cpu-prof')),
    workerData: {
      tsx: createRequire(import.meta.url).resolve('tsx'),
      module: new URL('./function-worker.ts', import.meta.url).href,
    },
  });
  worker.unref(); // the service's own handles decide when the process may end
  const [ready] = (await Promise.race([once(worker, 'message'), once(worker, 'error').then(([error]) => Promise.reject(error))])) as [unknown];
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
