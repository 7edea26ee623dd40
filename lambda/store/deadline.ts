import { AsyncLocalStorage } from 'node:async_hooks';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpHandlerOptions } from '@smithy/types';

/**
 * When the answer to the request under way is due, in epoch milliseconds. Every store call made
 * inside `withDeadline` is held to it by the HTTP handler below, so a store call added tomorrow is
 * held to it too, without anyone having to remember.
 */
const answerDue = new AsyncLocalStorage<number>();

/** Runs `work` with its store calls bound to settle by `due` (epoch milliseconds). */
export const withDeadline = <T>(due: number, work: () => Promise<T>): Promise<T> => answerDue.run(due, work);

/** Writes made inside `harmlessIfLate`: see there. */
const lateIsHarmless = new AsyncLocalStorage<true>();

/**
 * Runs `work` with its writes held to the deadline as reads are (sent while any time is left, cut
 * short when the answer is due), for writes whose landing after the answer changes nothing the
 * answer said: giving back a quota slot that no certificate holds.
 */
export const harmlessIfLate = <T>(work: () => Promise<T>): Promise<T> => lateIsHarmless.run(true, work);

/** Milliseconds left until the answer is due; `Infinity` outside `withDeadline` (tests, scripts). */
export const remainingMs = (): number => {
  const due = answerDue.getStore();
  return due === undefined || due === Infinity ? Infinity : due - Date.now();
};

/** A store call refused because it could not settle before the answer is due; nothing was sent. */
export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
}

/** Sends one attempt and resolves with its answer, as NodeHttpHandler's `handle` does. */
export type SendStoreRequest = (
  request: Parameters<NodeHttpHandler['handle']>[0],
  options: HttpHandlerOptions,
) => ReturnType<NodeHttpHandler['handle']>;

// DynamoDB's JSON protocol names the operation in this header; these change the table.
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

export interface AttemptTimeouts {
  /** How long connecting may take. */
  readonly connectionTimeout: number;
  /** How long an attempt may wait for its answer once sent. */
  readonly requestTimeout: number;
}

/**
 * The DynamoDB client's HTTP handler, sending each attempt (the SDK's retries included) only if it
 * can settle before the answer is due:
 * - a read is cut short at the due time: it changes nothing, so abandoning it is harmless;
 * - a write is sent only when its whole attempt (connecting, then the request timeout) fits before
 *   the due time, and is never cut short: an abandoned write may still land after the client was
 *   told that it failed, and an error answer must mean that nothing was written.
 * A refused attempt fails with DeadlineExceededError before anything is sent; the SDK does not retry it.
 */
export class DeadlineBoundHttpHandler extends NodeHttpHandler {
  private readonly writeAttemptMs: number;

  /** `send`, when given, carries each attempt in place of HTTP (the local service's store, in-process). */
  constructor(
    private readonly timeouts: AttemptTimeouts,
    private readonly send: SendStoreRequest = (request, options) => super.handle(request, options),
  ) {
    super({ ...timeouts, throwOnRequestTimeout: true });
    this.writeAttemptMs = timeouts.connectionTimeout + timeouts.requestTimeout;
  }

  override handle(request: Parameters<NodeHttpHandler['handle']>[0], options: HttpHandlerOptions = {}) {
    const left = remainingMs();
    if (left === Infinity) return this.send(request, options);
    const operation = String(request.headers['x-amz-target'] ?? '')
      .split('.')
      .pop();
    if (WRITES.has(operation ?? '') && lateIsHarmless.getStore() === undefined) {
      if (left < this.writeAttemptMs)
        return Promise.reject(new DeadlineExceededError(`${operation} needs ${this.writeAttemptMs} ms, ${Math.max(0, left)} ms left`));
      return this.send(request, options);
    }
    if (left <= 0) return Promise.reject(new DeadlineExceededError(`${operation}: the answer is due`));
    return this.send(request, { ...options, requestTimeout: Math.min(this.timeouts.requestTimeout, left) });
  }
}
