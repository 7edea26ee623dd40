import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { ApiError, serviceUnavailable, tooManyRequests } from '../domain/errors.js';
import { DeadlineExceededError } from './deadline.js';

/**
 * DynamoDB refused, with a 4xx that is not a failed condition, a request this service built:
 * access denied, a validation error. The caller did nothing wrong and nothing was written, but
 * a retry will not help either: it is answered 503 like an outage, and counted apart so the team
 * that deployed it can alarm on it.
 */
export class StoreRejected extends ApiError {
  constructor(cause: unknown) {
    const { type, message } = serviceUnavailable();
    super(type, message, { cause });
  }
}

const THROTTLED = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded']);

/**
 * Whether any attempt of a failed call was sent. A DeadlineExceededError refuses an attempt before
 * it is sent, but when it refuses a retry, the SDK's earlier attempts of the same call were sent.
 */
export const sent = (error: unknown): boolean =>
  !(error instanceof DeadlineExceededError) || ((error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1) > 1;

/**
 * True when a failed write certainly changed nothing: it was never sent, or the store answered it
 * with a refusal. A timeout, a dropped connection or a 5xx leave its outcome unknown.
 */
export const notApplied = (error: unknown): boolean => {
  if (error instanceof DeadlineExceededError) return !sent(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status !== undefined && status >= 400 && status < 500;
};

/** Throttling is the client's to retry (429); anything else that is not a request we got wrong is an outage (503). */
export const asStoreError = (error: unknown): unknown => {
  if (error instanceof ApiError || error instanceof ConditionalCheckFailedException) return error;
  if (error instanceof DeadlineExceededError) return serviceUnavailable(error);
  const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (name !== undefined && THROTTLED.has(name)) return tooManyRequests(error);
  const status = $metadata?.httpStatusCode;
  if (status !== undefined && status >= 400 && status < 500) return new StoreRejected(error);
  return serviceUnavailable(error);
};
