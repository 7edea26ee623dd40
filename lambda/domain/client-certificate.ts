import { randomInt } from 'node:crypto';
import { invalidDescription, malformedBody, notAString } from './errors.js';
import { validateTags } from './tag-rules.js';

/** The ClientCertificate resource, field for field as the API returns it. */
export interface ClientCertificate {
  readonly clientCertificateId: string;
  readonly description?: string;
  readonly pemEncodedCertificate: string;
  /** Epoch seconds. */
  readonly createdDate: number;
  /** Epoch seconds: always `createdDate + VALIDITY_SECONDS`. */
  readonly expirationDate: number;
  readonly tags: Readonly<Record<string, string>>;
}

/** A certificate together with the version the store holds it at (optimistic concurrency). */
export interface Versioned<T> {
  readonly value: T;
  readonly version: number;
}

export const VALIDITY_SECONDS = 365 * 24 * 60 * 60;
export const MAX_DESCRIPTION_LENGTH = 125_000;

/** The characters and length of every id this service issues: what ID_PATTERN accepts. */
export const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
export const ID_LENGTH = 6;
const ID_PATTERN = /^[a-z0-9]{6}$/;

export const newClientCertificateId = (): string =>
  Array.from({ length: ID_LENGTH }, () => ID_ALPHABET[randomInt(ID_ALPHABET.length)]).join('');

/** Ids this service can have issued; anything else is unknown without asking the store. */
export const isClientCertificateId = (id: string): boolean => ID_PATTERN.test(id);

/** A lone UTF-16 surrogate: not a character, and not storable as the UTF-8 DynamoDB keeps strings in. */
const LONE_SURROGATE = /\p{Cs}/u;

export const isValidDescription = (description: string): boolean =>
  description.length <= MAX_DESCRIPTION_LENGTH && !LONE_SURROGATE.test(description);

/** The body GenerateClientCertificate accepts: `{"description"?, "tags"?}`. */
export interface GenerateClientCertificateInput {
  readonly description?: string;
  readonly tags: Readonly<Record<string, string>>;
}

export const parseGenerateInput = (body: unknown): GenerateClientCertificateInput => {
  if (body === undefined) return { tags: {} };
  if (!isObject(body)) throw malformedBody('expected a JSON object');
  const description = stringMember(body.description, 'description');
  const tags = parseTagMap(body.tags) ?? {};
  if (description !== undefined && !isValidDescription(description)) throw invalidDescription();
  validateTags(tags);
  return { ...(description === undefined ? {} : { description }), tags };
};

/**
 * A member the model types as a string: absent (`undefined` or JSON `null`) or a string. A boolean or
 * a number is API Gateway's SerializationException; anything else a malformed body.
 */
export const stringMember = (value: unknown, name: string): string | undefined => {
  if (value === undefined || value === null || typeof value === 'string') return value ?? undefined;
  if (typeof value === 'boolean' || typeof value === 'number') throw notAString(value);
  throw malformedBody(`${name} must be a string`);
};

/** A `tags` member: absent, or an object of strings (each checked as a `stringMember`, null refused). */
export const parseTagMap = (value: unknown): Record<string, string> | undefined => {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw malformedBody('tags must be an object of string values');
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => {
      if (v === null) throw malformedBody('tags must be an object of string values');
      return [key, stringMember(v, 'tags')!];
    }),
  );
};

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
