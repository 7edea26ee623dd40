import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchWriteCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { ClientCertificate } from '../../../lambda/domain/client-certificate.js';
import { isClientCertificateId, isValidDescription, VALIDITY_SECONDS } from '../../../lambda/domain/client-certificate.js';
import { ApiError } from '../../../lambda/domain/errors.js';
import type { Namespace } from '../../../lambda/domain/namespace.js';
import { MAX_PEM_LENGTH } from '../../../lambda/domain/pem.js';
import { validateTags } from '../../../lambda/domain/tag-rules.js';
import { LAST_RENDERABLE_DATE } from '../../../lambda/http/representations.js';
import type { Item } from '../../../lambda/store/item.js';
import {
  CLAIMED_AT,
  checkSize,
  fromItem,
  keyOf,
  MAX_VERSION,
  OWNER,
  partitionOf,
  SLOT,
  slotKey,
  toItem,
  VERSION,
} from '../../../lambda/store/item.js';
import { PARTITION_KEY, SORT_KEY } from '../../../lambda/store/table.js';
import { isRegion } from '../base/account.js';

/** The latest `createdDate` a certificate can have (epoch seconds): its expiration, 365 days on, is the last date the HAL form can write. */
export const LATEST_CREATED_DATE = LAST_RENDERABLE_DATE - VALIDITY_SECONDS;

/** A certificate as the state document holds it: the resource, its version and its quota slot. */
export interface CertificateState extends ClientCertificate {
  readonly version: number;
  readonly quotaSlot: number;
}

/** A claimed quota slot: one per certificate, and any claim left over from a request that died. */
export interface QuotaSlotState {
  readonly index: number;
  readonly owner: string;
  readonly claimedAt: number;
}

/**
 * Everything the store holds, by namespace (`<account>#<region>`): what `GET /_local/state` returns
 * and `PUT /_local/state` and SEED_FILE take. Namespaces, certificates and slots are in key order,
 * and each object's members in a fixed order, so the same state always gives the same bytes.
 */
export interface StateDocument {
  readonly namespaces: Readonly<
    Record<string, { readonly certificates: readonly CertificateState[]; readonly quotaSlots: readonly QuotaSlotState[] }>
  >;
}

/** A state document that cannot be loaded; the message names the member at fault. */
export class StateDocumentError extends Error {
  override readonly name = 'StateDocumentError';
}

const NAMESPACE_KEY = /^(\d{12})#([a-z0-9-]{1,64})$/;

/** `<12-digit account>#<region>`, with a region a signed request can name (./caller.ts): no namespace no caller can reach. */
export const isNamespaceKey = (key: string): boolean => {
  const region = NAMESPACE_KEY.exec(key)?.[2];
  return region !== undefined && isRegion(region);
};

export const namespaceOf = (key: string): Namespace => {
  const [, account = '', region = ''] = NAMESPACE_KEY.exec(key) ?? [];
  return { account, region };
};

const BATCH_WRITE_MAX = 25;

/**
 * The most items one document may hold: namespaces (each costs a read), certificates and quota
 * slots, all together. API requests wait while an import runs, and HTTP API gives up on them after
 * 30 s. Measured on the project's 2-core machine, shared and busy: the worst import of 2 500 (its
 * namespaces as full before, half its items new keys, a failure at its last batch, then the restore)
 * took 4.8 to 6.3 s, at 1 200 to 1 550 writes/s: a third of 30 s or less.
 */
export const MAX_IMPORT_ITEMS = 2_500;

/** Tries of a batch's unprocessed writes, and of a failed import's restore, before giving up. */
const ATTEMPTS = 3;
const RETRY_PAUSE_MS = 100;

/** What every quota slot's sort key starts with, and no certificate id does. */
const SLOT_PREFIX = slotKey(0).slice(0, -1);

/** The certificate table seen whole, for the control plane: export, import and reset. */
export class StoreState {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
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
   * there before is put back and the error says so (ServiceUnavailableException).
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
    }
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

const CERTIFICATE_MEMBERS = [
  'clientCertificateId',
  'description',
  'pemEncodedCertificate',
  'createdDate',
  'expirationDate',
  'tags',
  'version',
  'quotaSlot',
];

/**
 * Checks a state document from outside (any JSON value) against what the store can hold with
 * `quota` slots a namespace; throws a StateDocumentError naming the first member at fault.
 */
export const parseStateDocument = (value: unknown, quota: number): StateDocument => {
  const document = object(value, 'the document');
  members(document, 'the document', ['namespaces']);
  const namespaces = object(document.namespaces, 'namespaces');
  let count = 0;
  for (const [key, content] of Object.entries(namespaces)) {
    const at = `namespaces[${JSON.stringify(key)}]`;
    if (!isNamespaceKey(key)) fail(at, "is not a namespace: '<12-digit account>#<region>'");
    const entry = object(content, at);
    members(entry, at, ['certificates', 'quotaSlots']);
    const quotaSlots = list(entry.quotaSlots, `${at}.quotaSlots`);
    const certificates = list(entry.certificates, `${at}.certificates`);
    // Counted before anything is checked one by one, so a huge document costs no more than a small one.
    count += 1 + quotaSlots.length + certificates.length;
    if (count > MAX_IMPORT_ITEMS)
      fail('the document', `holds more than ${MAX_IMPORT_ITEMS} namespaces, certificates and quota slots, the most one import takes`);
    const slots = new Map<number, string>();
    const owners = new Set<string>();
    for (const [i, slot] of quotaSlots.entries()) {
      const where = `${at}.quotaSlots[${i}]`;
      const { index, owner, claimedAt } = object(slot, where);
      members(object(slot, where), where, ['index', 'owner', 'claimedAt']);
      whole(index, `${where}.index`, 0, quota - 1);
      if (slots.has(index as number)) fail(`${where}.index`, `repeats slot ${index}`);
      // Generate reads a slot's owner back by its id (a key, with DynamoDB's limits on keys) to tell a stale claim.
      if (typeof owner !== 'string' || !isClientCertificateId(owner))
        fail(`${where}.owner`, 'must be the id of the certificate that claimed it: 6 characters from a-z and 0-9');
      if (owners.has(owner as string)) fail(`${where}.owner`, `repeats ${owner}: a certificate claims one slot at a time`);
      whole(claimedAt, `${where}.claimedAt`, 0, Number.MAX_SAFE_INTEGER);
      slots.set(index as number, owner as string);
      owners.add(owner as string);
    }
    const ids = new Set<string>();
    for (const [i, raw] of certificates.entries()) {
      const where = `${at}.certificates[${i}]`;
      const certificate = object(raw, where);
      members(certificate, where, CERTIFICATE_MEMBERS);
      const {
        clientCertificateId: id,
        description,
        pemEncodedCertificate,
        createdDate,
        expirationDate,
        tags,
        version,
        quotaSlot,
      } = certificate;
      if (typeof id !== 'string' || !isClientCertificateId(id))
        fail(`${where}.clientCertificateId`, 'must be 6 characters from a-z and 0-9');
      if (ids.has(id as string)) fail(`${where}.clientCertificateId`, `repeats ${id}`);
      ids.add(id as string);
      if (description !== undefined && (typeof description !== 'string' || !isValidDescription(description)))
        fail(`${where}.description`, 'is not a valid description');
      if (typeof pemEncodedCertificate !== 'string' || pemEncodedCertificate.length > MAX_PEM_LENGTH || !PEM.test(pemEncodedCertificate))
        fail(
          `${where}.pemEncodedCertificate`,
          `must be a PEM certificate of at most ${MAX_PEM_LENGTH} characters: ${PEM_BEGIN}, lines of base64, ${PEM_END}`,
        );
      // The HAL form writes both dates in ISO-8601, and an expiration is a creation plus the validity.
      whole(createdDate, `${where}.createdDate`, 0, LATEST_CREATED_DATE);
      if (expirationDate !== (createdDate as number) + VALIDITY_SECONDS)
        fail(`${where}.expirationDate`, `must be createdDate + ${VALIDITY_SECONDS} (365 days), as every certificate's is`);
      const tagMap = object(tags, `${where}.tags`);
      if (Object.values(tagMap).some((v) => typeof v !== 'string')) fail(`${where}.tags`, 'must map tag keys to string values');
      whole(version, `${where}.version`, 1, MAX_VERSION);
      whole(quotaSlot, `${where}.quotaSlot`, 0, quota - 1);
      if (slots.get(quotaSlot as number) !== id)
        fail(`${where}.quotaSlot`, `slot ${quotaSlot} must be listed in quotaSlots with owner ${id}`);
      try {
        validateTags(tagMap as Record<string, string>);
        checkSize({ ...toItem(namespaceOf(key), certificate as unknown as ClientCertificate), [VERSION]: version, [SLOT]: quotaSlot });
      } catch (error) {
        if (error instanceof ApiError) fail(where, error.message);
        throw error;
      }
    }
  }
  return value as StateDocument;
};

const PEM_BEGIN = '-----BEGIN CERTIFICATE-----';
const PEM_END = '-----END CERTIFICATE-----';
/** RFC 7468's textual encoding, line breaks CRLF (as API Gateway sends them) or LF. */
const PEM = new RegExp(`^${PEM_BEGIN}(\\r?\\n[A-Za-z0-9+/=]+)+\\r?\\n${PEM_END}$`);

const fail = (at: string, problem: string): never => {
  throw new StateDocumentError(`${at} ${problem}`);
};

const object = (value: unknown, at: string): Record<string, unknown> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(at, 'must be a JSON object');
  return value as Record<string, unknown>;
};

const list = (value: unknown, at: string): unknown[] => {
  if (!Array.isArray(value)) fail(at, 'must be a list');
  return value as unknown[];
};

const whole = (value: unknown, at: string, min: number, max: number): void => {
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max)
    fail(at, `must be a whole number from ${min} to ${max}`);
};

const members = (value: Record<string, unknown>, at: string, known: readonly string[]): void => {
  const unknown = Object.keys(value).find((name) => !known.includes(name));
  if (unknown !== undefined) fail(at, `has an unknown member ${JSON.stringify(unknown)}`);
};
