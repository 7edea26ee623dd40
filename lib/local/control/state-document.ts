import type { ClientCertificate } from '../../../lambda/domain/client-certificate.js';
import { isClientCertificateId, isValidDescription, VALIDITY_SECONDS } from '../../../lambda/domain/client-certificate.js';
import { ApiError } from '../../../lambda/domain/errors.js';
import type { Namespace } from '../../../lambda/domain/namespace.js';
import { MAX_PEM_LENGTH } from '../../../lambda/domain/pem.js';
import { validateTags } from '../../../lambda/domain/tag-rules.js';
import { LAST_RENDERABLE_DATE } from '../../../lambda/http/representations.js';
import { checkSize, MAX_VERSION, SLOT, toItem, VERSION } from '../../../lambda/store/item.js';
import { isRegion } from '../base/account.js';

// The state document and its checks, apart from the store code that imports and exports it (./state.ts):
// a setting (SEED_FILE) is checked with these at start-up, which then need not load the AWS SDK.

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

/**
 * The most items one document may hold: namespaces (each costs a read), certificates and quota
 * slots, all together. API requests wait while an import runs, and HTTP API gives up on them after
 * 30 s. Measured on the project's 2-core machine, shared and busy: the worst import of 2 500 (its
 * namespaces as full before, half its items new keys, a failure at its last batch, then the restore)
 * took 4.8 to 6.3 s, at 1 200 to 1 550 writes/s: a third of 30 s or less.
 */
export const MAX_IMPORT_ITEMS = 2_500;

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
