// The functions' thread of the local service (see ./functions.ts): once its environment is in place,
// runs the invocations posted to it, loading each function's handler module at its first, as Lambda
// runs a function's init at its first invocation. In the package, this module and every handler are
// one bundle (bin/bundle-functions.ts).

import { AsyncLocalStorage } from 'node:async_hooks';
import { writeSync } from 'node:fs';
import type { MessagePort } from 'node:worker_threads';
import { parentPort, workerData } from 'node:worker_threads';
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { newClientCertificateId } from '../../../lambda/domain/client-certificate.js';
import { useKeyPairsGeneratedAhead } from '../../../lambda/domain/pem.js';
import { sendStoreRequestsBy } from '../../../lambda/store/client.js';
import type { ClientCertificateStores } from '../../../lambda/store/client-certificate-store.js';
import type { Operation } from '../../operations.js';
import { operations } from '../../operations.js';
import { seededClientCertificateId } from '../base/seeded-id.js';
import { keyPairsFrom } from './key-pool.js';
import type { LambdaHandler } from './lambda-runtime.js';
import { lambdaContext } from './lambda-runtime.js';
import { storePortTransport, unsignedInProcess } from './store-transport.js';

/** An invocation posted to the functions' thread: the Lambda context travels as its facts. */
export interface Invocation {
  readonly id: number;
  /** The operation's name, as in lib/operations.ts. */
  readonly operation: string;
  readonly event: APIGatewayProxyEventV2;
  readonly awsRequestId: string;
  /** When the invocation times out, in epoch milliseconds. */
  readonly deadline: number;
  /** The function invoked: the stand-in names the caller's region's. */
  readonly invokedFunctionArn: string;
  /** What the invocation's namespace set through the control plane. @default the real clock, random ids */
  readonly conditions?: InvocationConditions;
}

/** A namespace's test clock and id sequence (lib/local/control), as an invocation carries them. */
export interface InvocationConditions {
  /** The namespace's clock, in epoch milliseconds: Generate dates its certificate from it. @default the real clock */
  readonly now?: number;
  /**
   * The namespace's id sequence: its seed, and how many ids were drawn from it, in memory the main
   * thread shares (a SharedArrayBuffer), so the count survives this thread and only the ids drawn count.
   * @default random ids
   */
  readonly ids?: { readonly seed: string; readonly drawn: Int32Array };
}

/** What the functions' thread posts back for an invocation. */
export type InvocationResult = { readonly id: number; readonly result: unknown } | { readonly id: number; readonly failed: true };

/** Something to sleep on for a millisecond; nothing ever wakes it. */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

// Lambda's runtime writes what a function logs straight to its log destination, in order. A worker
// thread's stdout would instead post each line to the main thread, to be written whenever it gets
// there: after the answer it was logged for, perhaps, or never, if the process is killed between.
for (const [stream, fd] of [
  [process.stdout, 1],
  [process.stderr, 2],
] as const) {
  stream.write = ((chunk: string | Uint8Array, encoding?: unknown, callback?: unknown): boolean => {
    writeAll(fd, typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    const written = typeof encoding === 'function' ? encoding : callback;
    if (typeof written === 'function') written();
    return true;
  }) as typeof stream.write;
}

/** Writes all of `bytes` to `fd`; when it is a pipe whose reader is behind, waits for room. */
function writeAll(fd: number, bytes: Uint8Array): void {
  let rest = bytes;
  while (rest.length > 0) {
    try {
      rest = rest.subarray(writeSync(fd, rest));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(PAUSE, 0, 0, 1);
    }
  }
}

/** Makes a function's handler as its module makes the deployed one, with a clock and an id source of the runtime's. */
type HandlerFactory = (stores: ClientCertificateStores, now: () => number, newId: () => string) => LambdaHandler;

/** Loads the handler module named `module` in lib/operations.ts. */
export type HandlerModules = (module: string) => Promise<{ createHandler: HandlerFactory }>;

/** Loads the stores the deployed handlers use (lambda/handlers/deployed-stores.ts), once the environment is in place. */
export type StoresModule = () => Promise<{ deployedStores: ClientCertificateStores }>;

const sourceModules: HandlerModules = (module) => import(new URL(`../../../lambda/handlers/${module}.js`, import.meta.url).href);
const sourceStores: StoresModule = () => import(new URL('../../../lambda/handlers/deployed-stores.js', import.meta.url).href);

/** The conditions of the invocation under way, for the handlers' clock and ids below. */
const conditions = new AsyncLocalStorage<InvocationConditions>();

/** The invocation's clock: its namespace's, or the real one. */
const now = (): number => conditions.getStore()?.now ?? Date.now();

/**
 * The invocation's next certificate id: its namespace's sequence drawn one further, atomically since
 * the namespace's invocations run together, or a random id as deployed.
 */
const newId = (): string => {
  const ids = conditions.getStore()?.ids;
  return ids === undefined ? newClientCertificateId() : seededClientCertificateId(ids.seed, Atomics.add(ids.drawn, 0, 1));
};

/**
 * Runs the invocations posted to this thread; called once its environment, which the handler
 * modules read at import, is in place. `load` and `loadStores` give the bundle's modules, in the package.
 */
export const serve = async (load: HandlerModules = sourceModules, loadStores: StoresModule = sourceStores): Promise<void> => {
  // Without a context per invocation, per-invocation state such as Powertools' log keys is shared by
  // invocations under way together, and a log line names another request or none. First thing: the
  // AWS SDK fixes the kind of store for the thread on its first call.
  const invocations = await InvokeStore.getInstanceAsync(true);
  const { keyPort, storePort } = workerData as { keyPort?: MessagePort; storePort?: MessagePort };
  if (keyPort !== undefined) useKeyPairsGeneratedAhead(keyPairsFrom(keyPort).take);
  // Before any handler module makes its client.
  if (storePort !== undefined) sendStoreRequestsBy(storePortTransport(storePort), unsignedInProcess);
  const byName = new Map(operations.map((operation) => [operation.name, operation]));
  // Each function's init (its module's import) runs at its first invocation, as on Lambda; one that
  // fails fails every invocation of that function, as the function errors it is.
  const handlers = new Map<string, Promise<LambdaHandler>>();
  const handlerOf = ({ name, module }: Operation): Promise<LambdaHandler> => {
    let handler = handlers.get(name);
    if (handler === undefined) {
      handler = Promise.all([load(module), loadStores()]).then(([loaded, { deployedStores }]) =>
        loaded.createHandler(deployedStores, now, newId),
      );
      handlers.set(name, handler);
    }
    return handler;
  };
  const port = parentPort!;

  port.on('message', async ({ id, operation, event, awsRequestId, deadline, invokedFunctionArn, conditions: set = {} }: Invocation) => {
    const found = byName.get(operation)!;
    const [, , , region, account] = invokedFunctionArn.split(':');
    const context = lambdaContext(found, region!, awsRequestId, deadline, account);
    let answer: InvocationResult;
    try {
      const handler = await handlerOf(found);
      const result = await conditions.run(set, () =>
        invocations.run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: awsRequestId }, () => handler(event, context)),
      );
      answer = { id, result };
    } catch (error) {
      console.error(`${operation} failed:`, error);
      answer = { id, failed: true };
    }
    try {
      port.postMessage(answer);
    } catch {
      port.postMessage({ id, failed: true }); // a result that cannot be copied is a failed invocation
    }
  });
  port.postMessage('ready');
};
