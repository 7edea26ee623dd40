import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { HttpAuthScheme } from '@smithy/types';
import { environmentCredentials } from './credentials.js';
import type { SendStoreRequest } from './deadline.js';
import { DeadlineBoundHttpHandler } from './deadline.js';

/** How long one DynamoDB call may take before the request is answered 503, well inside the Lambda timeout. */
export const STORE_TIMEOUTS = { connectionTimeout: 1_000, requestTimeout: 2_000, maxAttempts: 3 } as const;

/** The longest one write attempt can take: a write is sent only while this much time is left. */
export const WRITE_ATTEMPT_MS = STORE_TIMEOUTS.connectionTimeout + STORE_TIMEOUTS.requestTimeout;

/** How requests travel when they do not go over HTTP: set by the local service's runtime only. */
let inProcess: { readonly send: SendStoreRequest; readonly authScheme: HttpAuthScheme } | undefined;

/**
 * Clients made from now on in this process carry their requests by `send` in place of HTTP, held to
 * the same deadlines, and authenticate them by `authScheme` in place of SigV4's. Only the local
 * service's runtime calls it (lib/local/functions/store-transport.ts).
 */
export const sendStoreRequestsBy = (send: SendStoreRequest, authScheme: HttpAuthScheme): void => {
  inProcess = { send, authScheme };
};

/** Where a client is pointed and, where not from the environment (a local store's own key), what it signs with. */
export interface StoreClientOptions {
  readonly endpoint?: string | undefined;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
}

/** The DynamoDB client as this design configures it: bounded timeouts, few retries, credentials from the environment. */
export const dynamoDbClient = ({ endpoint, credentials }: StoreClientOptions): DynamoDBClient =>
  new DynamoDBClient({
    ...(endpoint === undefined ? {} : { endpoint }),
    credentials: credentials ?? environmentCredentials(),
    maxAttempts: STORE_TIMEOUTS.maxAttempts,
    requestHandler: new DeadlineBoundHttpHandler(STORE_TIMEOUTS, inProcess?.send),
    ...(inProcess === undefined ? {} : { httpAuthSchemes: [inProcess.authScheme] }),
  });

export const documentClient = (options: StoreClientOptions): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(dynamoDbClient(options), { marshallOptions: { removeUndefinedValues: true } });

/** Sends a conditional write: `true` once applied, `false` when its condition did not hold. */
export const applied = async (write: Promise<unknown>): Promise<boolean> => {
  try {
    await write;
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
};
