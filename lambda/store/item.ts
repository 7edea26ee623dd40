import type { ClientCertificate, Versioned } from '../domain/client-certificate.js';
import { invalidDescription } from '../domain/errors.js';
import type { Namespace } from '../domain/namespace.js';
import { PARTITION_KEY, SORT_KEY } from './table.js';

/** An item as lib-dynamodb reads and writes it. */
export type Item = Record<string, unknown>;

// Attributes the store keeps next to the resource's fields; they never leave the store.
export const VERSION = 'version';
export const SLOT = 'quotaSlot';
export const OWNER = 'owner';
export const CLAIMED_AT = 'claimedAt';

/**
 * The highest version a state document may give a certificate. Every write adds one, and the
 * document client refuses to send a number past Number.MAX_SAFE_INTEGER (2^53 - 1): from 2^50 there
 * are still 7.9e15 writes to go.
 */
export const MAX_VERSION = 2 ** 50;

/** Every certificate id sorts within these bounds ([a-z0-9]{6}); a quota slot's sort key never does. */
export const FIRST_ID = '000000';
export const LAST_ID = 'zzzzzz';

/** DynamoDB's hard item limit; only a huge description can reach it. */
const MAX_ITEM_BYTES = 400 * 1024;

/** The partition of a namespace: the account id is always 12 digits, so no two namespaces share one. */
export const partitionOf = ({ account, region }: Namespace): string => `${account}#${region}`;

/** The key of the item under `sortKey` in `namespace`. */
export const keyOf = (namespace: Namespace, sortKey: string): Item => ({ [PARTITION_KEY]: partitionOf(namespace), [SORT_KEY]: sortKey });

/** A quota slot's sort key: '#' sorts before every id, so a listing never meets one. */
export const slotKey = (index: number): string => `#quota#${index}`;

/**
 * Tags are stored as a list of `[key, value]` pairs, not a map: the SDK's marshalling assigns map
 * keys onto plain objects, so tag keys such as `__proto__` or `constructor` (both valid tag keys)
 * would be lost or break the write.
 */
export const toItem = (namespace: Namespace, certificate: ClientCertificate): Item => ({
  ...certificate,
  tags: Object.entries(certificate.tags),
  ...keyOf(namespace, certificate.clientCertificateId),
});

export const fromItem = (item: Item): Versioned<ClientCertificate> => {
  const { [VERSION]: version, [SLOT]: _slot, [PARTITION_KEY]: _namespace, tags, ...certificate } = item;
  const value = { ...certificate, tags: Object.fromEntries((tags as [string, string][] | undefined) ?? []) };
  return { value: value as unknown as ClientCertificate, version: Number(version) };
};

/**
 * The UpdateItem that sets every one of `fields` anew, only if the item is still at `expected`
 * version. Generic over the value form, so the bench can send the same update as DynamoDB JSON.
 */
export const versionedUpdate = <V>(fields: Readonly<Record<string, V>>, expected: V) => {
  const names = Object.keys(fields);
  return {
    UpdateExpression: `SET ${names.map((_, i) => `#f${i} = :f${i}`).join(', ')}`,
    ConditionExpression: '#expected = :expected',
    ExpressionAttributeNames: { ...Object.fromEntries(names.map((name, i) => [`#f${i}`, name])), '#expected': VERSION },
    ExpressionAttributeValues: { ...Object.fromEntries(names.map((name, i) => [`:f${i}`, fields[name]!])), ':expected': expected },
  };
};

/** Refuses an item DynamoDB would refuse for its size, before anything is written. */
export const checkSize = (item: Item): void => {
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
