import { isClientCertificateId, isObject, parseTagMap } from './client-certificate.js';
import { malformedBody, missingMember, validationFailed } from './errors.js';
import { validateTags } from './tag-rules.js';

/**
 * The AWS partitions other than `aws`, by the regions' names, as the AWS SDK's partitions data
 * (`regionRegex`) has them: China's ARNs are `arn:aws-cn:...`, GovCloud's `arn:aws-us-gov:...`.
 */
const PARTITIONS: readonly (readonly [string, RegExp])[] = [
  ['aws-cn', /^cn-\w+-\d+$/],
  ['aws-us-gov', /^us-gov-\w+-\d+$/],
  ['aws-iso', /^us-iso-\w+-\d+$/],
  ['aws-iso-b', /^us-isob-\w+-\d+$/],
  ['aws-iso-e', /^eu-isoe-\w+-\d+$/],
  ['aws-iso-f', /^us-isof-\w+-\d+$/],
  ['aws-eusc', /^eusc-de-\w+-\d+$/],
];

/** The partition a region belongs to; `aws` for every other name, as the SDK decides. */
export const partitionOf = (region: string): string => PARTITIONS.find(([, regions]) => regions.test(region))?.[0] ?? 'aws';

/** The ARN of a client certificate, as TagResource, UntagResource and GetTags take it. */
export const clientCertificateArn = (region: string, id: string): string =>
  `arn:${partitionOf(region)}:apigateway:${region}::/clientcertificates/${id}`;

/** The certificate id an ARN names, or `undefined` if it names nothing this service holds in `region`. */
export const clientCertificateIdOf = (arn: string, region: string): string | undefined => {
  const prefix = clientCertificateArn(region, '');
  const id = arn.startsWith(prefix) ? arn.slice(prefix.length) : '';
  return isClientCertificateId(id) ? id : undefined;
};

/** TagResource's body: `{"tags": {...}}`, required. */
export const parseTagResourceInput = (body: unknown): Record<string, string> => {
  if (body !== undefined && !isObject(body)) throw malformedBody('expected a JSON object');
  const tags = parseTagMap(body?.tags);
  if (tags === undefined) throw validationFailed([missingMember('tagResourceInput.tags')]);
  validateTags(tags);
  return tags;
};

/** UntagResource's `tagKeys`, repeated in the query string, required. */
export const parseTagKeys = (tagKeys: readonly string[]): readonly string[] => {
  if (tagKeys.length === 0) throw validationFailed([missingMember('untagResourceInput.tagKeys')]);
  return tagKeys;
};

/** The tags after TagResource: added ones overwrite, and the result must still keep the tag rules. */
export const withTags = (tags: Readonly<Record<string, string>>, added: Readonly<Record<string, string>>): Record<string, string> => {
  const merged = { ...tags, ...added };
  validateTags(merged);
  return merged;
};

export const withoutTags = (tags: Readonly<Record<string, string>>, keys: readonly string[]): Record<string, string> =>
  Object.fromEntries(Object.entries(tags).filter(([key]) => !keys.includes(key)));
