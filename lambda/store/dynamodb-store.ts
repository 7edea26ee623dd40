import { isDeepStrictEqual } from 'node:util';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ClientCertificate, Versioned } from '../domain/client-certificate.js';
import { conflict, notFound, serviceUnavailable } from '../domain/errors.js';
import type { Namespace } from '../domain/namespace.js';
import type { PageRequest } from '../domain/pagination.js';
import { MAX_PEM_LENGTH } from '../domain/pem.js';
import type { ClientCertificateStore, ClientCertificateStores, NewClientCertificate, Page } from './client-certificate-store.js';
import { asStoreError, notApplied, sent } from './errors.js';
import type { Item } from './item.js';
import { checkSize, FIRST_ID, fromItem, keyOf, LAST_ID, partitionOf, SLOT, toItem, VERSION, versionedUpdate } from './item.js';
import { QuotaSlots } from './quota-slots.js';
import { DEFAULT_QUOTA, PARTITION_KEY, SORT_KEY } from './table.js';

export { documentClient, dynamoDbClient, STORE_TIMEOUTS, WRITE_ATTEMPT_MS } from './client.js';
export { STALE_SLOT_MS } from './quota-slots.js';

/** Where a store built without one works: the local service's default account, in its default region. */
export const DEFAULT_NAMESPACE: Namespace = { account: '000000000000', region: 'us-east-1' };

/**
 * One namespace's certificates in the shared DynamoDB table, one item each under the namespace's
 * partition, with a version attribute for optimistic concurrency. The quota is kept exact without
 * transactions by the namespace's quota slots (./quota-slots.ts): a certificate exists only while
 * it holds one, claimed before it is stored and released after it is deleted.
 */
export class DynamoDbClientCertificateStore implements ClientCertificateStore {
  private readonly slots: QuotaSlots;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly quota: number = DEFAULT_QUOTA,
    now: () => number = Date.now,
    private readonly namespace: Namespace = DEFAULT_NAMESPACE,
  ) {
    this.slots = new QuotaSlots(client, tableName, namespace, quota, now);
  }

  async create(certificate: NewClientCertificate): Promise<boolean> {
    const id = certificate.clientCertificateId;
    const { pemEncodedCertificate: pem } = certificate;
    // Before claiming, so that a doomed request holds no slot; a PEM on its way counts at its longest.
    const sized = { ...certificate, pemEncodedCertificate: typeof pem === 'string' ? pem : 'x'.repeat(MAX_PEM_LENGTH) };
    checkSize({ ...toItem(this.namespace, sized), [VERSION]: 1, [SLOT]: this.quota });
    return this.call(async () => {
      const slot = await this.slots.claim(id);
      const pemEncodedCertificate = await Promise.resolve(pem).catch(async (error: unknown) => {
        await this.slots.release(slot, id); // nothing was written but the claim
        throw error;
      });
      const stored = { ...toItem(this.namespace, { ...certificate, pemEncodedCertificate }), [VERSION]: 1, [SLOT]: slot };
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: stored,
            ConditionExpression: 'attribute_not_exists(#id)',
            ExpressionAttributeNames: { '#id': SORT_KEY },
          }),
        );
        return true;
      } catch (error) {
        // An earlier attempt of this very Put may have landed, with only its answer lost: then it is ours.
        if (sent(error) && isDeepStrictEqual(await this.getItem(id), stored)) return true;
        // Whether a Put whose answer never came will land is unknown: its slot stays claimed, so the
        // quota stays exact either way (a slot whose certificate never lands is reclaimed once stale).
        if (!notApplied(error)) throw error;
        await this.slots.release(slot, id);
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
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keyOf(this.namespace, id), ConsistentRead: true }),
    );
    return Item;
  }

  async saveIfVersion(certificate: ClientCertificate, expectedVersion: number): Promise<number> {
    const id = certificate.clientCertificateId;
    const whole: Item = { ...toItem(this.namespace, certificate), [VERSION]: expectedVersion + 1 };
    checkSize({ ...whole, [SLOT]: this.quota });
    const { [PARTITION_KEY]: _namespace, [SORT_KEY]: _id, ...fields } = whole;
    try {
      await this.client.send(
        new UpdateCommand({ TableName: this.tableName, Key: keyOf(this.namespace, id), ...versionedUpdate(fields, expectedVersion) }),
      );
      return expectedVersion + 1;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException) && notApplied(error)) throw asStoreError(error);
      // `=` on a missing attribute is false, so a deleted item fails too; the store does not say
      // which it was (dynalite returns no old item), so ask. Ask too when no answer came at all.
      const current = await this.load(id);
      // An earlier attempt of this very call was applied and only its answer was lost (the SDK then
      // retried): that is this write's success, not somebody else's conflict.
      if (current !== undefined && current.version === expectedVersion + 1 && isDeepStrictEqual(current.value, certificate))
        return current.version;
      if (!(error instanceof ConditionalCheckFailedException)) throw asStoreError(error);
      if (current === undefined) throw notFound();
      // After a retry, an earlier attempt whose answer never came may have landed, and another writer
      // written on top of it: a 409 would promise nothing was written, so the outcome is unknown (503).
      if ((error.$metadata.attempts ?? 1) > 1) throw serviceUnavailable(error);
      throw conflict(id);
    }
  }

  async delete(id: string): Promise<boolean> {
    return this.call(async () => {
      try {
        const { Attributes } = await this.client.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: keyOf(this.namespace, id),
            ConditionExpression: 'attribute_exists(#id)',
            ExpressionAttributeNames: { '#id': SORT_KEY },
            ReturnValues: 'ALL_OLD',
          }),
        );
        if (typeof Attributes?.[SLOT] === 'number') await this.slots.release(Attributes[SLOT], id);
        return true;
      } catch (error) {
        // After a retry, the earlier attempt may be what deleted it, with only its answer lost: the
        // certificate is gone as asked, and a 404 or a 503 would tell the client nothing was done. Its
        // slot, whose number went with that lost answer, is reclaimed once stale.
        if (error instanceof ConditionalCheckFailedException) return (error.$metadata.attempts ?? 1) > 1;
        if (!notApplied(error) && (await this.getItem(id)) === undefined) return true;
        throw error;
      }
    });
  }

  /**
   * One page of the namespace in id order: a Query of its partition, never a Scan of the table, so
   * its cost does not grow with other namespaces. It resumes after the id of the last item returned,
   * so a certificate that exists throughout a walk over all pages is listed exactly once.
   */
  async list({ limit, after }: PageRequest): Promise<Page> {
    return this.call(async () => {
      const found: Item[] = [];
      let start: Item | undefined = after === undefined ? undefined : keyOf(this.namespace, after);
      // One past the page tells whether there is a next one.
      while (found.length <= limit) {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            ConsistentRead: true,
            Limit: limit + 1 - found.length,
            KeyConditionExpression: '#namespace = :namespace AND #id BETWEEN :first AND :last',
            ExpressionAttributeNames: { '#namespace': PARTITION_KEY, '#id': SORT_KEY },
            ExpressionAttributeValues: { ':namespace': partitionOf(this.namespace), ':first': FIRST_ID, ':last': LAST_ID },
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

  /** Runs a store operation, turning DynamoDB's failures into the API's errors. */
  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw asStoreError(error);
    }
  }
}

/** The store of every namespace in one table, all through one client. */
export const dynamoDbStores =
  (
    client: DynamoDBDocumentClient,
    tableName: string,
    quota: number = DEFAULT_QUOTA,
    now: () => number = Date.now,
  ): ClientCertificateStores =>
  (namespace) =>
    new DynamoDbClientCertificateStore(client, tableName, quota, now, namespace);
