import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ClientCertificate, Versioned } from '../domain/client-certificate.js';
import {
  ApiError,
  conflict,
  invalidDescription,
  notFound,
  serviceUnavailable,
  tooManyRequests,
} from '../domain/errors.js';
import type { ClientCertificateStore } from './client-certificate-store.js';
import { environmentCredentials } from './credentials.js';
import { PARTITION_KEY } from './table.js';

/** How long one DynamoDB call may take before the request is answered 503, well inside the Lambda timeout. */
export const STORE_TIMEOUTS = { connectionTimeout: 1_000, requestTimeout: 2_000, maxAttempts: 3 } as const;

/** DynamoDB's hard item limit; only a huge description can reach it. */
const MAX_ITEM_BYTES = 400 * 1024;

const THROTTLED = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded']);

/** The attribute the store keeps the optimistic-concurrency version in, next to the resource fields. */
const VERSION = 'version';

export interface DynamoDbStoreOptions {
  readonly tableName: string;
  /** A DynamoDB-compatible endpoint, for the local service. @default the AWS regional endpoint */
  readonly endpoint?: string;
}

export const documentClient = ({ endpoint }: Pick<DynamoDbStoreOptions, 'endpoint'>): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(
    new DynamoDBClient({
      ...(endpoint === undefined ? {} : { endpoint }),
      credentials: environmentCredentials(),
      maxAttempts: STORE_TIMEOUTS.maxAttempts,
      requestHandler: {
        connectionTimeout: STORE_TIMEOUTS.connectionTimeout,
        requestTimeout: STORE_TIMEOUTS.requestTimeout,
        // Without this the SDK only logs a warning when the request timeout passes, and waits on.
        throwOnRequestTimeout: true,
      },
    }),
    { marshallOptions: { removeUndefinedValues: true } },
  );

export class DynamoDbClientCertificateStore implements ClientCertificateStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(certificate: ClientCertificate): Promise<boolean> {
    try {
      await this.put(certificate, 1, idIsFree);
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw asStoreError(error);
    }
  }

  async load(id: string): Promise<Versioned<ClientCertificate> | undefined> {
    try {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { [PARTITION_KEY]: id }, ConsistentRead: true }),
      );
      return Item === undefined ? undefined : fromItem(Item);
    } catch (error) {
      throw asStoreError(error);
    }
  }

  async saveIfVersion(certificate: ClientCertificate, expectedVersion: number): Promise<number> {
    try {
      await this.put(certificate, expectedVersion + 1, stillAtVersion(expectedVersion));
      return expectedVersion + 1;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw asStoreError(error);
      // The store does not say why the condition failed (dynalite returns no old item): ask.
      const current = await this.load(certificate.clientCertificateId);
      throw current === undefined ? notFound() : conflict(certificate.clientCertificateId);
    }
  }

  private async put(certificate: ClientCertificate, version: number, condition: Condition): Promise<void> {
    const item = { ...certificate, [VERSION]: version };
    if (itemBytes(item) > MAX_ITEM_BYTES) throw invalidDescription();
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: item, ...condition }));
  }
}

interface Condition {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

const idIsFree: Condition = {
  ConditionExpression: 'attribute_not_exists(#id)',
  ExpressionAttributeNames: { '#id': PARTITION_KEY },
};

// `=` on a missing attribute is false, so this also fails when the item is gone.
const stillAtVersion = (version: number): Condition => ({
  ConditionExpression: '#version = :expected',
  ExpressionAttributeNames: { '#version': VERSION },
  ExpressionAttributeValues: { ':expected': version },
});

const fromItem = (item: Record<string, unknown>): Versioned<ClientCertificate> => {
  const { [VERSION]: version, ...certificate } = item;
  return { value: { tags: {}, ...certificate } as unknown as ClientCertificate, version: Number(version) };
};

/** DynamoDB's item-size arithmetic (names and values in UTF-8), rounding numbers up to their maximum. */
const itemBytes = (value: unknown): number => {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') return 21;
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).reduce((sum, [name, v]) => sum + Buffer.byteLength(name) + itemBytes(v) + 1, 3);
  }
  return 1;
};

/** Throttling is the client's to retry (429); anything else that is not a request we got wrong is an outage (503). */
const asStoreError = (error: unknown): unknown => {
  if (error instanceof ApiError) return error;
  const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (name !== undefined && THROTTLED.has(name)) return tooManyRequests(error);
  const status = $metadata?.httpStatusCode;
  if (status !== undefined && status >= 400 && status < 500) return error;
  return serviceUnavailable(error);
};

let shared: ClientCertificateStore | undefined;

/**
 * The store the deployed handlers use, configured once from the environment at start-up:
 * `TABLE_NAME` (required) and, for the local service, `DYNAMODB_ENDPOINT`.
 */
export const storeFromEnvironment = (): ClientCertificateStore => {
  const tableName = process.env.TABLE_NAME;
  if (!tableName) throw new Error('Missing required environment variable TABLE_NAME');
  shared ??= new DynamoDbClientCertificateStore(documentClient({ endpoint: process.env.DYNAMODB_ENDPOINT }), tableName);
  return shared;
};
