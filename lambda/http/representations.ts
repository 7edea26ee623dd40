import type { ClientCertificate } from '../domain/client-certificate.js';

/** What an operation answers with; the HTTP layer picks plain JSON or HAL for it. */
export type Representation =
  | {
      readonly kind: 'ClientCertificate';
      readonly certificate: ClientCertificate;
      /** Generate's answer, which leaves `tags` out when there are none (Get's and Update's show `{}`). */
      readonly created?: boolean;
    }
  | {
      readonly kind: 'ClientCertificates';
      readonly items: readonly ClientCertificate[];
      readonly limit: number;
      readonly position?: string;
    }
  | { readonly kind: 'Tags'; readonly tags: Readonly<Record<string, string>> };

export const HAL_MEDIA_TYPE = 'application/hal+json';
const JSON_MEDIA_TYPE = 'application/json';

/** Lambda's limit on what a synchronous invocation returns, the response JSON as a whole: past it the invocation fails. */
export const MAX_FUNCTION_RESPONSE_BYTES = 6 * 1024 * 1024;

/** Room kept in a list page for its envelope: status, headers, the page's own links and position. */
const PAGE_ENVELOPE_BYTES = 16 * 1024;

/** More than the HAL form (links, ISO dates) adds to any certificate's plain JSON, escaped. */
const HAL_ITEM_BYTES = 1024;

/**
 * How many of `items`, from the first, a list page can carry in either representation and still be
 * returned by the function: at least one (no certificate the API accepts comes near the limit
 * alone). Each is counted as it travels: JSON in the body, escaped again in the function's response.
 */
export const deliverableCount = (items: readonly ClientCertificate[]): number => {
  let bytes = PAGE_ENVELOPE_BYTES;
  for (const [i, item] of items.entries()) {
    bytes += Buffer.byteLength(JSON.stringify(JSON.stringify(renderClientCertificate(item, 'shown')))) + HAL_ITEM_BYTES;
    if (bytes > MAX_FUNCTION_RESPONSE_BYTES && i > 0) return i;
  }
  return items.length;
};

/**
 * Whether to answer in HAL. API Gateway answers HAL unless the request's `Accept` names
 * `application/json` (every AWS SDK and the CLI add that header for this reason): so no `Accept`,
 * and curl's any-type range, get HAL. With both named, the higher `q` wins; a tie is plain JSON.
 */
export const wantsHal = (accept: string | undefined): boolean => {
  const q = weights(accept ?? '');
  const json = q.get(JSON_MEDIA_TYPE) ?? 0;
  return !(json > 0 && json >= (q.get(HAL_MEDIA_TYPE) ?? 0));
};

/** Each media type an `Accept` header names, with its `q` (1 when not given). */
const weights = (accept: string): Map<string, number> =>
  new Map(
    accept.split(',').map((range) => {
      const [type = '', ...params] = range.split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return [type.trim().toLowerCase(), q === undefined ? 1 : Number(q)] as const;
    }),
  );

/** The plain JSON form: the resource exactly as the API Gateway model shapes it. */
export const plain = (representation: Representation): unknown => {
  switch (representation.kind) {
    case 'ClientCertificate':
      return renderClientCertificate(representation.certificate, representation.created ? 'omitted' : 'shown');
    case 'ClientCertificates':
      return {
        item: representation.items.map((c) => renderClientCertificate(c, 'omitted')),
        ...(representation.position === undefined ? {} : { position: representation.position }),
      };
    case 'Tags':
      return { tags: representation.tags };
  }
};

/**
 * The resource as the API returns it, members in the documented order. As API Gateway's sibling
 * resources do (LocalStack's AWS-validated snapshots of API keys, usage plans, VPC links, models):
 * an empty description is left out, and no tags are `{}` or left out, by `noTags`: left out of a
 * creation's answer and of list items, `{}` in Get's and Update's.
 */
export const renderClientCertificate = (c: ClientCertificate, noTags: 'omitted' | 'shown'): Record<string, unknown> => ({
  clientCertificateId: c.clientCertificateId,
  createdDate: c.createdDate,
  ...(c.description ? { description: c.description } : {}),
  expirationDate: c.expirationDate,
  pemEncodedCertificate: c.pemEncodedCertificate,
  ...(noTags === 'omitted' && Object.keys(c.tags).length === 0 ? {} : { tags: c.tags }),
});

const CURIES = {
  href: 'https://docs.aws.amazon.com/apigateway/latest/developerguide/restapi-clientcertificate-{rel}.html',
  name: 'clientcertificate',
  templated: true,
};

const COLLECTION = '/clientcertificates';

/**
 * The HAL form of API Gateway's console-era API: links, and dates as ISO-8601 without fractions;
 * `undefined` for what has no HAL form (tags), which is then answered as plain JSON.
 */
export const hal = (representation: Representation): unknown => {
  switch (representation.kind) {
    case 'ClientCertificate': {
      const { certificate, created } = representation;
      return { _links: { curies: CURIES, ...certificateLinks(certificate) }, ...halFields(certificate, created ? 'omitted' : 'shown') };
    }
    case 'ClientCertificates': {
      const { items, limit, position } = representation;
      const links = items.map((c) => ({ href: `${COLLECTION}/${c.clientCertificateId}` }));
      const embedded = items.map((c) => ({ _links: certificateLinks(c), ...halFields(c, 'omitted') }));
      return {
        _links: {
          curies: CURIES,
          self: { href: COLLECTION },
          'clientcertificate:by-id': { href: `${COLLECTION}/{clientcertificate_id}`, templated: true },
          'clientcertificate:generate': { href: COLLECTION },
          ...(items.length === 0 ? {} : { item: oneOrMany(links) }),
          ...(position === undefined ? {} : { next: { href: `${COLLECTION}?position=${encodeURIComponent(position)}&limit=${limit}` } }),
        },
        ...(items.length === 0 ? {} : { _embedded: { item: oneOrMany(embedded) } }),
      };
    }
    case 'Tags':
      return undefined;
  }
};

const certificateLinks = ({ clientCertificateId }: ClientCertificate) => {
  const self = { href: `${COLLECTION}/${clientCertificateId}` };
  return { self, 'clientcertificate:delete': self, 'clientcertificate:update': self };
};

const halFields = (certificate: ClientCertificate, noTags: 'omitted' | 'shown') => {
  const fields = renderClientCertificate(certificate, noTags);
  return { ...fields, createdDate: isoSeconds(certificate.createdDate), expirationDate: isoSeconds(certificate.expirationDate) };
};

/**
 * The last second `isoSeconds` writes as its four-digit year allows (9999-12-31T23:59:59Z): later
 * years come out as `+010000-...`, and past 8.64e12 seconds a Date cannot be written at all.
 */
export const LAST_RENDERABLE_DATE = 253_402_300_799;

/** `2016-06-15T22:33:13Z`, as in API Gateway's HAL samples. */
const isoSeconds = (epochSeconds: number): string => new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

// API Gateway's HAL gives a lone link or embedded item as an object, several as a list.
const oneOrMany = <T>(items: readonly T[]): T | readonly T[] => (items.length === 1 ? items[0]! : items);
