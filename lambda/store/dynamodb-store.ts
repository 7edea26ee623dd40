import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { isDeepStrictEqual } from 'node:util';
import { requiredEnv } from '../config.js';
import type { ClientCertificate, Versioned } from '../domain/client-certificate.js';
import {
  ApiError,
  conflict,
  invalidDescription,
  limitExceeded,
  notFound,
  serviceUnavailable,
  StoreRejected,
  tooManyRequests,
} from '../domain/errors.js';
import type { PageRequest } from '../domain/pagination.js';
import type { ClientCertificateStore, Page } from './client-certificate-store.js';
import { environmentCredentials } from './credentials.js';
import { DeadlineBoundHttpHandler, DeadlineExceededError, remainingMs } from './deadline.js';
import { DEFAULT_QUOTA, PARTITION_KEY } from './table.js';

/** How long one DynamoDB call may take before the request is answered 503, well inside the Lambda timeout. */
export const STORE_TIMEOUTS = { connectionTimeout: 1_000, requestTimeout: 2_000, maxAttempts: 3 } as const;

/** The longest one write attempt can take: a write is sent only while this much time is left. */
export const WRITE_ATTEMPT_MS = STORE_TIMEOUTS.connectionTimeout + STORE_TIMEOUTS.requestTimeout;

/**
 * A quota slot claimed longer ago than this by a certificate that does not hold it is left over
 * from a request that died half-way; it may be reclaimed. Far longer than any request can run.
 */
export const STALE_SLOT_MS = 60_000;

/** DynamoDB's hard item limit; only a huge description can reach it. */
const MAX_ITEM_BYTES = 400 * 1024;

const THROTTLED = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded']);

// Attributes the store keeps next to the resource's fields; they never leave the store.
const VERSION = 'version';
const SLOT = 'quotaSlot';
// Quota slots live in the same table under keys no certificate id can take (ids are [a-z0-9]{6}).
const SLOT_KEY_PREFIX = 'quota#';
const OWNER = 'owner';
const CLAIMED_AT = 'claimedAt';
const BATCH_GET_MAX = 100;

/** The DynamoDB client as this design configures it: bounded timeouts, few retries, credentials from the environment. */
export const dynamoDbClient = ({ endpoint }: { endpoint?: string | undefined }): DynamoDBClient =>
  new DynamoDBClient({
    ...(endpoint === undefined ? {} : { endpoint }),
    credentials: environmentCredentials(),
    maxAttempts: STORE_TIMEOUTS.maxAttempts,
    requestHandler: new DeadlineBoundHttpHandler(STORE_TIMEOUTS),
  });

export const documentClient = (options: { endpoint?: string | undefined }): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(dynamoDbClient(options), { marshallOptions: { removeUndefinedValues: true } });

type Item = Record<string, unknown>;

interface Slot {
  readonly index: number;
  readonly owner?: string;
  readonly claimedAt?: number;
}

/**
 * Certificates in one DynamoDB table, one item each, with a version attribute for optimistic
 * concurrency. The quota is kept exact without transactions by slot items: a certificate exists
 * only while it holds one of `quota` slots, claimed by a conditional write before it is stored
 * and released after it is deleted. A slot whose holder died half-way is reclaimed once stale.
 */
export class DynamoDbClientCertificateStore implements ClientCertificateStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly quota: number = DEFAULT_QUOTA,
    private readonly now: () => number = Date.now,
  ) {}

  async create(certificate: ClientCertificate): Promise<boolean> {
    const id = certificate.clientCertificateId;
    const item = { ...toItem(certificate), [VERSION]: 1 };
    checkSize({ ...item, [SLOT]: this.quota }); // before claiming: a doomed request must not hold a slot
    return this.call(async () => {
      const slot = await this.claimSlot(id);
      const stored = { ...item, [SLOT]: slot };
      try {
        await this.client.send(new PutCommand({ TableName: this.tableName, Item: stored, ...idIsFree }));
        return true;
      } catch (error) {
        // An earlier attempt of this very Put may have landed, with only its answer lost: then it is ours.
        if (!(error instanceof DeadlineExceededError) && isDeepStrictEqual(await this.getItem(id), stored)) return true;
        // Whether a Put whose answer never came will land is unknown: its slot stays claimed, so the
        // quota stays exact either way (a slot whose certificate never lands is reclaimed once stale).
        if (!notApplied(error)) throw error;
        await this.releaseSlot(slot, id);
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    });
  }

  async load(id: string): Promise<Versioned<ClientCertificate> | undefined> {
    return this.call(async () => {
      const item = await this.getItem(id);
      return item === undefined ? undefined : fromItem(item);
    });
  }

  /** The item under `id` as stored, read consistently. */
  private async getItem(id: string): Promise<Item | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { [PARTITION_KEY]: id }, ConsistentRead: true }));
    return Item;
  }

  async saveIfVersion(certificate: ClientCertificate, expectedVersion: number): Promise<number> {
    const id = certificate.clientCertificateId;
    const { [PARTITION_KEY]: _key, ...fields }: Item = { ...toItem(certificate), [VERSION]: expectedVersion + 1 };
    checkSize({ ...fields, [PARTITION_KEY]: id, [SLOT]: this.quota });
    const names = Object.keys(fields);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [PARTITION_KEY]: id },
          UpdateExpression: `SET ${names.map((_, i) => `#f${i} = :f${i}`).join(', ')}`,
          ConditionExpression: '#expected = :expected',
          ExpressionAttributeNames: {
            ...Object.fromEntries(names.map((name, i) => [`#f${i}`, name])),
            '#expected': VERSION,
          },
          ExpressionAttributeValues: {
            ...Object.fromEntries(names.map((name, i) => [`:f${i}`, fields[name]])),
            ':expected': expectedVersion,
          },
        }),
      );
      return expectedVersion + 1;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException) && notApplied(error)) throw asStoreError(error);
      // `=` on a missing attribute is false, so a deleted item fails too; the store does not say
      // which it was (dynalite returns no old item), so ask. Ask too when no answer came at all.
      const current = await this.load(certificate.clientCertificateId);
      // An earlier attempt of this very call was applied and only its answer was lost (the SDK then
      // retried): that is this write's success, not somebody else's conflict.
      if (current !== undefined && current.version === expectedVersion + 1 && isDeepStrictEqual(current.value, certificate)) return current.version;
      if (!(error instanceof ConditionalCheckFailedException)) throw asStoreError(error);
      if (current === undefined) throw notFound();
      throw conflict(certificate.clientCertificateId);
    }
  }

  async delete(id: string): Promise<boolean> {
    return this.call(async () => {
      try {
        const { Attributes } = await this.client.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: { [PARTITION_KEY]: id },
            ConditionExpression: 'attribute_exists(#id)',
            ExpressionAttributeNames: { '#id': PARTITION_KEY },
            ReturnValues: 'ALL_OLD',
          }),
        );
        if (typeof Attributes?.[SLOT] === 'number') await this.releaseSlot(Attributes[SLOT], id);
        return true;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // After a retry, the earlier attempt may be what deleted it, with only its answer lost: the
        // certificate is gone as asked, and a 404 would tell the client nothing was done. Its slot,
        // whose number went with that lost answer, is reclaimed once stale.
        return (error.$metadata.attempts ?? 1) > 1;
      }
    });
  }

  /**
   * One page in the table's own (hash) order, resuming after the id of the last item returned, so
   * a certificate that exists throughout a walk over all pages is listed exactly once.
   */
  async list({ limit, after }: PageRequest): Promise<Page> {
    return this.call(async () => {
      const found: Item[] = [];
      let start: Item | undefined = after === undefined ? undefined : { [PARTITION_KEY]: after };
      // One past the page tells whether there is a next one.
      while (found.length <= limit) {
        const page = await this.client.send(
          new ScanCommand({
            TableName: this.tableName,
            ConsistentRead: true,
            Limit: limit + 1 - found.length,
            FilterExpression: 'attribute_exists(#version) AND attribute_exists(#slot)',
            ExpressionAttributeNames: { '#version': VERSION, '#slot': SLOT },
            ...(start === undefined ? {} : { ExclusiveStartKey: start }),
          }),
        );
        found.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
        if (start === undefined) break;
      }
      return { items: found.slice(0, limit).map((item) => fromItem(item).value), more: found.length > limit };
    });
  }

  /** A free slot, or failing that a stale one, claimed for `owner`; none left is LimitExceededException. */
  private async claimSlot(owner: string): Promise<number> {
    const slots = await this.readSlots();
    for (const slot of shuffled(slots.filter((s) => s.owner === undefined))) {
      if (await this.tryClaim(slot, owner)) return slot.index;
    }
    for (const slot of await this.staleSlots(slots)) {
      if (await this.tryClaim(slot, owner)) return slot.index;
    }
    throw limitExceeded(this.quota);
  }

  /**
   * Claims `slot` if it is still as it was read (free, or held by the same stale claim), or if this
   * very claim got there already: a retried attempt whose first answer was lost.
   */
  private async tryClaim(slot: Slot, owner: string): Promise<boolean> {
    // The slot and then the certificate are two writes: claim none without time for both.
    if (remainingMs() < 2 * WRITE_ATTEMPT_MS) throw new DeadlineExceededError('no time left to claim a slot and store a certificate');
    const unchanged: Condition =
      slot.owner === undefined
        ? {
            ConditionExpression: 'attribute_not_exists(#owner) OR #owner = :me',
            ExpressionAttributeNames: { '#owner': OWNER },
            ExpressionAttributeValues: { ':me': owner },
          }
        : {
            ConditionExpression: '(#owner = :owner AND #claimedAt = :claimedAt) OR #owner = :me',
            ExpressionAttributeNames: { '#owner': OWNER, '#claimedAt': CLAIMED_AT },
            ExpressionAttributeValues: { ':owner': slot.owner, ':claimedAt': slot.claimedAt, ':me': owner },
          };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { [PARTITION_KEY]: slotKey(slot.index), [OWNER]: owner, [CLAIMED_AT]: this.now() },
          ...unchanged,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Frees `owner`'s slot, if it still holds it. Best effort: the certificate is already gone or was
   * never stored, and a slot left behind by a failure here is reclaimed once stale.
   */
  private async releaseSlot(index: number, owner: string): Promise<void> {
    await this.client
      .send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { [PARTITION_KEY]: slotKey(index) },
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': OWNER },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      )
      .catch(() => undefined);
  }

  private async readSlots(): Promise<Slot[]> {
    const keys = Array.from({ length: this.quota }, (_, i) => slotKey(i));
    const items = await this.batchGet(keys);
    return keys.map((key, index) => {
      const item = items.get(key);
      return item === undefined
        ? { index }
        : { index, owner: item[OWNER] as string, claimedAt: item[CLAIMED_AT] as number };
    });
  }

  /** Claimed slots old enough that their claim cannot be in flight, whose owner does not hold them. */
  private async staleSlots(slots: readonly Slot[]): Promise<Slot[]> {
    const old = slots.filter((s) => s.owner !== undefined && (s.claimedAt ?? 0) < this.now() - STALE_SLOT_MS);
    if (old.length === 0) return [];
    const owners = await this.batchGet(old.map((s) => s.owner!));
    return old.filter((s) => owners.get(s.owner!)?.[SLOT] !== s.index);
  }

  /** Consistent reads of the items under `keys`, by key, in as few calls as DynamoDB allows. */
  private async batchGet(keys: readonly string[]): Promise<Map<string, Item>> {
    const found = new Map<string, Item>();
    for (let i = 0; i < keys.length; i += BATCH_GET_MAX) {
      let pending: Item[] | undefined = keys.slice(i, i + BATCH_GET_MAX).map((key) => ({ [PARTITION_KEY]: key }));
      while (pending !== undefined && pending.length > 0) {
        const { Responses, UnprocessedKeys }: { Responses?: Record<string, Item[]>; UnprocessedKeys?: Record<string, { Keys?: Item[] }> } =
          await this.client.send(
            new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }),
          );
        for (const item of Responses?.[this.tableName] ?? []) found.set(item[PARTITION_KEY] as string, item);
        pending = UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return found;
  }

  /** Runs a store operation, turning DynamoDB's failures into the API's errors. */
  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw asStoreError(error);
    }
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

const slotKey = (index: number): string => `${SLOT_KEY_PREFIX}${index}`;

/**
 * Tags are stored as a list of `[key, value]` pairs, not a map: the SDK's marshalling assigns map
 * keys onto plain objects, so tag keys such as `__proto__` or `constructor` (both valid tag keys)
 * would be lost or break the write.
 */
const toItem = (certificate: ClientCertificate): Item => ({ ...certificate, tags: Object.entries(certificate.tags) });

const fromItem = (item: Item): Versioned<ClientCertificate> => {
  const { [VERSION]: version, [SLOT]: _slot, tags, ...certificate } = item;
  const value = { ...certificate, tags: Object.fromEntries((tags as [string, string][] | undefined) ?? []) };
  return { value: value as unknown as ClientCertificate, version: Number(version) };
};

const checkSize = (item: Item): void => {
  if (itemBytes(item) > MAX_ITEM_BYTES) throw invalidDescription();
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

const shuffled = <T>(items: readonly T[]): T[] => {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
};

/**
 * True when a failed write certainly changed nothing: it was never sent, or the store answered it
 * with a refusal. A timeout, a dropped connection or a 5xx leave its outcome unknown.
 */
const notApplied = (error: unknown): boolean => {
  if (error instanceof DeadlineExceededError) return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status !== undefined && status >= 400 && status < 500;
};

/** Throttling is the client's to retry (429); a refusal of a request we built is counted apart (StoreRejected); anything else is an outage (503). */
const asStoreError = (error: unknown): unknown => {
  if (error instanceof ApiError || error instanceof ConditionalCheckFailedException) return error;
  if (error instanceof DeadlineExceededError) return serviceUnavailable(error);
  const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (name !== undefined && THROTTLED.has(name)) return tooManyRequests(error);
  const status = $metadata?.httpStatusCode;
  if (status !== undefined && status >= 400 && status < 500) return new StoreRejected(error);
  return serviceUnavailable(error);
};

let shared: ClientCertificateStore | undefined;

/**
 * The store the deployed handlers use, configured once from the environment at start-up:
 * `TABLE_NAME` (required), `CLIENT_CERTIFICATE_QUOTA` and, for the local service, `DYNAMODB_ENDPOINT`.
 */
export const storeFromEnvironment = (): ClientCertificateStore => {
  const tableName = requiredEnv('TABLE_NAME');
  const quota = Number(process.env.CLIENT_CERTIFICATE_QUOTA ?? DEFAULT_QUOTA);
  if (!Number.isInteger(quota) || quota < 1) throw new Error('CLIENT_CERTIFICATE_QUOTA must be a positive integer');
  shared ??= new DynamoDbClientCertificateStore(documentClient({ endpoint: process.env.DYNAMODB_ENDPOINT }), tableName, quota);
  return shared;
};
