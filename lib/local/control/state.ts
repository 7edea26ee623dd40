import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { ClientCertificate } from '../../../lambda/domain/client-certificate.js';
import { ApiError } from '../../../lambda/domain/errors.js';
import type { Namespace } from '../../../lambda/domain/namespace.js';
import type { Item } from '../../../lambda/store/item.js';
import { CLAIMED_AT, fromItem, keyOf, OWNER, partitionOf, SLOT, slotKey, toItem, VERSION } from '../../../lambda/store/item.js';
import { PARTITION_KEY, SORT_KEY } from '../../../lambda/store/table.js';
import type { LocalDynamoDb } from '../store/dynalite.js';
import { pendingUndos, readUndo, writeUndo } from './import-undo.js';
import type { CertificateState, QuotaSlotState, StateDocument } from './state-document.js';
import { namespaceOf } from './state-document.js';

const BATCH_WRITE_MAX = 25;

/** Tries of a batch's unprocessed writes, and of a failed import's restore, before giving up. */
const ATTEMPTS = 3;
const RETRY_PAUSE_MS = 100;

/** What every quota slot's sort key starts with, and no certificate id does. */
const SLOT_PREFIX = slotKey(0).slice(0, -1);

/** The control plane's client of the store: the table seen whole, and whether the store answers. */
export interface StoreClient {
  readonly state: StoreState;
  /** Resolves once the store has described the table, rejects if it could not within `signal`. */
  describeTable(signal: AbortSignal): Promise<unknown>;
  close(): void;
}

/**
 * A client of the store at `endpoint`, whose table is `tableName`, signing with `credentials`; an
 * import keeps what it replaces in `undoDirectory` while it writes (./import-undo.ts), none for a
 * store in memory.
 */
export const storeClient = (
  endpoint: string,
  tableName: string,
  { credentials, undoDirectory }: { credentials: LocalDynamoDb['credentials']; undoDirectory?: string | undefined },
): StoreClient => {
  const dynamodb = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    // A write given up on could still land after the import had put back what was there: every call
    // waits for the store's own answer (past 10 s it is only logged), so an import's outcome is known.
    requestHandler: new NodeHttpHandler({ connectionTimeout: 1_000, requestTimeout: 10_000 }),
  });
  return {
    state: new StoreState(
      DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
      tableName,
      undoDirectory,
    ),
    describeTable: (signal) => dynamodb.send(new DescribeTableCommand({ TableName: tableName }), { abortSignal: signal }),
    close: () => dynamodb.destroy(),
  };
};

/** The certificate table seen whole, for the control plane: export, import and reset. */
export class StoreState {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Where an import keeps what it replaces while it writes, so a process killed mid-import can put it back. @default none */
    private readonly undoDirectory?: string,
  ) {}

  /** The namespaces that hold anything, read key by key (only the partition key of each item). */
  async namespaces(): Promise<Namespace[]> {
    const keys = new Set<string>();
    let start: Item | undefined;
    do {
      const page: { Items?: Item[]; LastEvaluatedKey?: Item } = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          ConsistentRead: true,
          ExclusiveStartKey: start,
          ProjectionExpression: '#ns',
          ExpressionAttributeNames: { '#ns': PARTITION_KEY },
        }),
      );
      for (const item of page.Items ?? []) keys.add(item[PARTITION_KEY] as string);
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return [...keys].sort().map(namespaceOf);
  }

  /** Every namespace's state, or only the ones named; a namespace without items is left out. */
  async export(namespaces?: readonly Namespace[]): Promise<StateDocument> {
    const byNamespace = new Map<string, { certificates: CertificateState[]; quotaSlots: QuotaSlotState[] }>();
    for (const item of namespaces === undefined ? await this.items() : await this.itemsOf(namespaces)) {
      const key = item[PARTITION_KEY] as string;
      const entry = byNamespace.get(key) ?? { certificates: [], quotaSlots: [] };
      byNamespace.set(key, entry);
      const sortKey = item[SORT_KEY] as string;
      if (sortKey.startsWith(SLOT_PREFIX)) {
        entry.quotaSlots.push({
          index: Number(sortKey.slice(SLOT_PREFIX.length)),
          owner: item[OWNER] as string,
          claimedAt: item[CLAIMED_AT] as number,
        });
      } else {
        const { value, version } = fromItem(item);
        entry.certificates.push({ ...ordered(value), version, quotaSlot: item[SLOT] as number });
      }
    }
    const sorted = [...byNamespace.keys()].sort().map((key) => {
      const { certificates, quotaSlots } = byNamespace.get(key)!;
      certificates.sort((a, b) => (a.clientCertificateId < b.clientCertificateId ? -1 : 1));
      quotaSlots.sort((a, b) => a.index - b.index);
      return [key, { certificates, quotaSlots }] as const;
    });
    return { namespaces: Object.fromEntries(sorted) };
  }

  /**
   * Replaces the namespaces `document` names, which `parseStateDocument` has checked, with its
   * content; every other namespace is left as it is. All or nothing: if a write fails, what was
   * there before is put back and the error says so (ServiceUnavailableException); if the process dies
   * under way, the next start puts it back (`undoUnfinishedImports`).
   */
  async import(document: StateDocument): Promise<void> {
    const named = Object.keys(document.namespaces);
    const wanted = itemsIn(document);
    let before: Item[];
    try {
      before = await this.itemsOf(named.map(namespaceOf));
    } catch (error) {
      throw importFailed('nothing changed', error);
    }
    let undone: (() => Promise<void>) | undefined;
    try {
      undone = this.undoDirectory === undefined ? undefined : await writeUndo(this.undoDirectory, named, before);
    } catch (error) {
      throw importFailed('nothing changed', error);
    }
    try {
      await this.replace(before, wanted);
    } catch (error) {
      for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
        // Whatever part of the import landed, this makes the namespaces what they were.
        const restored = await this.replace(wanted, before).then(
          () => true,
          () => false,
        );
        if (restored) throw importFailed('nothing changed', error);
        await sleep(RETRY_PAUSE_MS * attempt);
      }
      throw importFailed(
        `putting back the state from before it failed too (${ATTEMPTS} tries): the ${named.length} namespaces it names may hold part of the document; reset them, or import again`,
        error,
      );
    } finally {
      // Ended in this process, whichever way: what a later start would put back is no longer wanted.
      await undone?.();
    }
  }

  /**
   * Puts back what the namespaces of each import a killed process left under way held before it,
   * oldest first, and then forgets it; run at start, before anything is served. Run again after a
   * failure, it ends the same. Returns how many imports were undone.
   */
  async undoUnfinishedImports(): Promise<number> {
    const undos = this.undoDirectory === undefined ? [] : pendingUndos(this.undoDirectory);
    for (const path of undos) {
      const { namespaces, items } = await readUndo(path);
      await this.replace(await this.itemsOf(namespaces.map(namespaceOf)), items);
      await rm(path);
    }
    return undos.length;
  }

  /** Removes every item: certificates, tags and quota slots; of one namespace only, given one. */
  async reset(namespace?: Namespace): Promise<number> {
    const items = await this.items(namespace);
    await this.write(items.map((item) => ({ DeleteRequest: { Key: keyOnly(item) } })));
    return items.length;
  }

  /**
   * Makes the items `current` may have left into exactly `target`: puts every target item, deletes
   * the rest. Run again with the same arguments, it ends the same, whatever part of it landed before.
   */
  private async replace(current: readonly Item[], target: readonly Item[]): Promise<void> {
    const kept = new Set(target.map(keyText));
    const gone = current.filter((item) => !kept.has(keyText(item)));
    await this.write([
      ...target.map((Item) => ({ PutRequest: { Item } })),
      ...gone.map((item) => ({ DeleteRequest: { Key: keyOnly(item) } })),
    ]);
  }

  /** The items of every one of `namespaces`, once each. */
  private async itemsOf(namespaces: readonly Namespace[]): Promise<Item[]> {
    const distinct = new Map(namespaces.map((namespace) => [partitionOf(namespace), namespace]));
    const items: Item[] = [];
    for (const namespace of distinct.values()) items.push(...(await this.items(namespace)));
    return items;
  }

  /** Every item, or one namespace's, read consistently. */
  private async items(namespace?: Namespace): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page: { Items?: Item[]; LastEvaluatedKey?: Item } = await this.client.send(
        namespace === undefined
          ? new ScanCommand({ TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: start })
          : new QueryCommand({
              TableName: this.tableName,
              ConsistentRead: true,
              ExclusiveStartKey: start,
              KeyConditionExpression: '#ns = :ns',
              ExpressionAttributeNames: { '#ns': PARTITION_KEY },
              ExpressionAttributeValues: { ':ns': partitionOf(namespace) },
            }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return items;
  }

  /** Sends `requests` in batches; a batch the store keeps leaving unprocessed is an error, not a loop without end. */
  private async write(requests: Record<string, unknown>[]): Promise<void> {
    for (let i = 0; i < requests.length; i += BATCH_WRITE_MAX) {
      let pending: Record<string, unknown>[] | undefined = requests.slice(i, i + BATCH_WRITE_MAX);
      for (let attempt = 1; pending !== undefined && pending.length > 0; attempt++) {
        if (attempt > ATTEMPTS) throw new Error(`the store left ${pending.length} writes unprocessed ${ATTEMPTS} times`);
        if (attempt > 1) await sleep(RETRY_PAUSE_MS * (attempt - 1));
        const { UnprocessedItems }: { UnprocessedItems?: Record<string, Record<string, unknown>[]> } = await this.client.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: pending as never } }),
        );
        pending = UnprocessedItems?.[this.tableName];
      }
    }
  }
}

/** The store's items for everything `document` holds. */
const itemsIn = (document: StateDocument): Item[] =>
  Object.entries(document.namespaces).flatMap(([key, { certificates, quotaSlots }]) => {
    const namespace = namespaceOf(key);
    return [
      ...certificates.map(({ version, quotaSlot, ...certificate }) => ({
        ...toItem(namespace, certificate),
        [VERSION]: version,
        [SLOT]: quotaSlot,
      })),
      ...quotaSlots.map(({ index, owner, claimedAt }) => ({
        ...keyOf(namespace, slotKey(index)),
        [OWNER]: owner,
        [CLAIMED_AT]: claimedAt,
      })),
    ];
  });

const keyOnly = (item: Item): Item => ({ [PARTITION_KEY]: item[PARTITION_KEY], [SORT_KEY]: item[SORT_KEY] });

const keyText = (item: Item): string => `${item[PARTITION_KEY]}\n${item[SORT_KEY]}`;

const importFailed = (outcome: string, cause: unknown): ApiError =>
  new ApiError('ServiceUnavailableException', `The state import failed and ${outcome} (${(cause as Error).message ?? cause})`, {
    cause,
  });

/** The resource's members in the order the API returns them, so that an export's bytes depend on nothing else. */
const ordered = ({
  clientCertificateId,
  description,
  pemEncodedCertificate,
  createdDate,
  expirationDate,
  tags,
}: ClientCertificate): ClientCertificate => ({
  clientCertificateId,
  ...(description === undefined ? {} : { description }),
  pemEncodedCertificate,
  createdDate,
  expirationDate,
  tags,
});
