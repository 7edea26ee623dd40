import { isClientCertificateId, isObject, validateTags } from './client-certificate.js';
import { malformedBody, missingMember, validationFailed } from './errors.js';

/** The ARN of a client certificate, as TagResource, UntagResource and GetTags take it. */
export const clientCertificateArn = (region: string, id: string): string =>
  `arn:aws:apigateway:${region}::/clientcertificates/${id}`;

/** The certificate id an ARN names, or `undefined` if it names nothing this service holds in `region`. */
export const clientCertificateIdOf = (arn: string, region: string): string | undefined => {
  const prefix = clientCertificateArn(region, '');
  const id = arn.startsWith(prefix) ? arn.slice(prefix.length) : '';
  return isClientCertificateId(id) ? id : undefined;
};

/** TagResource's body: `{"tags": {...}}`, required. */
export const parseTagResourceInput = (body: unknown): Record<string, string> => {
  if (body !== undefined && !isObject(body)) throw malformedBody('expected a JSON object');
  const tags = body?.tags;
  if (tags === undefined || tags === null) throw validationFailed([missingMember('tagResourceInput.tags')]);
  if (!isObject(tags) || !Object.values(tags).every((v) => typeof v === 'string')) {
    throw malformedBody('tags must be an object of string values');
  }
  validateTags(tags as Record<string, string>);
  return tags as Record<string, string>;
};

/** UntagResource's `tagKeys`, repeated in the query string, required. */
export const parseTagKeys = (tagKeys: readonly string[]): readonly string[] => {
  if (tagKeys.length === 0) throw validationFailed([missingMember('untagResourceInput.tagKeys')]);
  return tagKeys;
};

/** The tags after TagResource: added ones overwrite, and the result must still keep the tag rules. */
export const withTags = (
  tags: Readonly<Record<string, string>>,
  added: Readonly<Record<string, string>>,
): Record<string, string> => {
  const merged = { ...tags, ...added };
  validateTags(merged);
  return merged;
};

export const withoutTags = (tags: Readonly<Record<string, string>>, keys: readonly string[]): Record<string, string> =>
  Object.fromEntries(Object.entries(tags).filter(([key]) => !keys.includes(key)));
