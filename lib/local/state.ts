import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchWriteCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { ClientCertificate } from '../../lambda/domain/client-certificate.js';
import { isClientCertificateId, isValidDescription } from '../../lambda/domain/client-certificate.js';
import { ApiError } from '../../lambda/domain/errors.js';
import type { Namespace } from '../../lambda/domain/namespace.js';
import { validateTags } from '../../lambda/domain/tag-rules.js';
import type { Item } from '../../lambda/store/item.js';
import { CLAIMED_AT, checkSize, fromItem, keyOf, OWNER, SLOT, slotKey, toItem, VERSION } from '../../lambda/store/item.js';
import { PARTITION_KEY, SORT_KEY } from '../../lambda/store/table.js';

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

export const NAMESPACE_KEY = /^(\d{12})#([a-z0-9-]{1,64})$/;

export const namespaceOf = (key: string): Namespace => {
  const [, account = '', region = ''] = NAMESPACE_KEY.exec(key) ?? [];
  return { account, region };
};

const BATCH_WRITE_MAX = 25;

/** What every quota slot's sort key starts with, and no certificate id does. */
const SLOT_PREFIX = slotKey(0).slice(0, -1);

/** The certificate table seen whole, for the control plane: export, import and reset. */
export class StoreState {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The namespaces that hold anything. */
  async namespaces(): Promise<Namespace[]> {
    const keys = new Set((await this.items()).map((item) => item[PARTITION_KEY] as string));
    return [...keys].sort().map(namespaceOf);
  }

  async export(namespaces?: readonly Namespace[]): Promise<StateDocument> {
    const byNamespace = new Map<string, { certificates: CertificateState[]; quotaSlots: QuotaSlotState[] }>();
    const items = namespaces === undefined ? await this.items() : (await Promise.all(namespaces.map((n) => this.items(n)))).flat();
    for (const item of items) {
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

  /** Replaces everything with `document`, which `parseStateDocument` has checked. */
  async import(document: StateDocument): Promise<void> {
    await this.reset();
    const items: Item[] = Object.entries(document.namespaces).flatMap(([key, { certificates, quotaSlots }]) => {
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
    await this.write(items.map((Item) => ({ PutRequest: { Item } })));
  }

  /** Removes every item: certificates, tags and quota slots; of one namespace only, given one. */
  async reset(namespace?: Namespace): Promise<number> {
    const items = await this.items(namespace);
    await this.write(
      items.map((item) => ({ DeleteRequest: { Key: { [PARTITION_KEY]: item[PARTITION_KEY], [SORT_KEY]: item[SORT_KEY] } } })),
    );
    return items.length;
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
              ExpressionAttributeValues: { ':ns': keyOf(namespace, '')[PARTITION_KEY] },
            }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return items;
  }

  private async write(requests: Record<string, unknown>[]): Promise<void> {
    for (let i = 0; i < requests.length; i += BATCH_WRITE_MAX) {
      let pending: Record<string, unknown>[] | undefined = requests.slice(i, i + BATCH_WRITE_MAX);
      while (pending !== undefined && pending.length > 0) {
        const { UnprocessedItems }: { UnprocessedItems?: Record<string, Record<string, unknown>[]> } = await this.client.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: pending as never } }),
        );
        pending = UnprocessedItems?.[this.tableName];
      }
    }
  }
}

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
  for (const [key, content] of Object.entries(namespaces)) {
    const at = `namespaces[${JSON.stringify(key)}]`;
    if (!NAMESPACE_KEY.test(key)) fail(at, "is not a namespace: '<12-digit account>#<region>'");
    const entry = object(content, at);
    members(entry, at, ['certificates', 'quotaSlots']);
    const slots = new Map<number, string>();
    for (const [i, slot] of list(entry.quotaSlots, `${at}.quotaSlots`).entries()) {
      const where = `${at}.quotaSlots[${i}]`;
      const { index, owner, claimedAt } = object(slot, where);
      members(object(slot, where), where, ['index', 'owner', 'claimedAt']);
      whole(index, `${where}.index`, 0, quota - 1);
      if (slots.has(index as number)) fail(`${where}.index`, `repeats slot ${index}`);
      if (typeof owner !== 'string' || owner === '') fail(`${where}.owner`, 'must be the id of the certificate that claimed it');
      whole(claimedAt, `${where}.claimedAt`, 0, Number.MAX_SAFE_INTEGER);
      slots.set(index as number, owner as string);
    }
    const ids = new Set<string>();
    for (const [i, raw] of list(entry.certificates, `${at}.certificates`).entries()) {
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
      if (typeof pemEncodedCertificate !== 'string' || pemEncodedCertificate === '')
        fail(`${where}.pemEncodedCertificate`, 'must be a PEM certificate');
      whole(createdDate, `${where}.createdDate`, 0, Number.MAX_SAFE_INTEGER);
      whole(expirationDate, `${where}.expirationDate`, 0, Number.MAX_SAFE_INTEGER);
      const tagMap = object(tags, `${where}.tags`);
      if (Object.values(tagMap).some((v) => typeof v !== 'string')) fail(`${where}.tags`, 'must map tag keys to string values');
      whole(version, `${where}.version`, 1, Number.MAX_SAFE_INTEGER);
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
