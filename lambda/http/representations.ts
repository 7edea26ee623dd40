import type { ClientCertificate } from '../domain/client-certificate.js';

/** What an operation answers with; the HTTP layer picks plain JSON or HAL for it. */
export type Representation =
  | { readonly kind: 'ClientCertificate'; readonly certificate: ClientCertificate }
  | {
      readonly kind: 'ClientCertificates';
      readonly items: readonly ClientCertificate[];
      readonly limit: number;
      readonly position?: string;
    }
  | { readonly kind: 'Tags'; readonly tags: Readonly<Record<string, string>> };

export const HAL_MEDIA_TYPE = 'application/hal+json';

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
    bytes += Buffer.byteLength(JSON.stringify(JSON.stringify(renderClientCertificate(item)))) + HAL_ITEM_BYTES;
    if (bytes > MAX_FUNCTION_RESPONSE_BYTES && i > 0) return i;
  }
  return items.length;
};

/** True when the client lists `application/hal+json` among the media types it accepts. */
export const wantsHal = (accept: string | undefined): boolean =>
  (accept ?? '')
    .split(',')
    .map((part) => part.split(';'))
    .some(([type, ...params]) => type?.trim().toLowerCase() === HAL_MEDIA_TYPE && !params.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p)));

/** The plain JSON form: the resource exactly as the API Gateway model shapes it. */
export const plain = (representation: Representation): unknown => {
  switch (representation.kind) {
    case 'ClientCertificate':
      return renderClientCertificate(representation.certificate);
    case 'ClientCertificates':
      return {
        item: representation.items.map(renderClientCertificate),
        ...(representation.position === undefined ? {} : { position: representation.position }),
      };
    case 'Tags':
      return { tags: representation.tags };
  }
};

/** The resource as the API returns it, members in the documented order; `description` only once set. */
export const renderClientCertificate = (c: ClientCertificate): Record<string, unknown> => ({
  clientCertificateId: c.clientCertificateId,
  createdDate: c.createdDate,
  ...(c.description === undefined ? {} : { description: c.description }),
  expirationDate: c.expirationDate,
  pemEncodedCertificate: c.pemEncodedCertificate,
  tags: c.tags,
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
    case 'ClientCertificate':
      return { _links: { curies: CURIES, ...certificateLinks(representation.certificate) }, ...halFields(representation.certificate) };
    case 'ClientCertificates': {
      const { items, limit, position } = representation;
      const links = items.map((c) => ({ href: `${COLLECTION}/${c.clientCertificateId}` }));
      const embedded = items.map((c) => ({ _links: certificateLinks(c), ...halFields(c) }));
      return {
        _links: {
          curies: CURIES,
          self: { href: COLLECTION },
          'clientcertificate:generate': { href: COLLECTION },
          ...(items.length === 0 ? {} : { item: oneOrMany(links) }),
          ...(position === undefined
            ? {}
            : { next: { href: `${COLLECTION}?position=${encodeURIComponent(position)}&limit=${limit}` } }),
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

const halFields = (certificate: ClientCertificate) => {
  const fields = renderClientCertificate(certificate);
  return { ...fields, createdDate: isoSeconds(certificate.createdDate), expirationDate: isoSeconds(certificate.expirationDate) };
};

/** `2016-06-15T22:33:13Z`, as in API Gateway's HAL samples. */
const isoSeconds = (epochSeconds: number): string => new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

// API Gateway's HAL gives a lone link or embedded item as an object, several as a list.
const oneOrMany = <T>(items: readonly T[]): T | readonly T[] => (items.length === 1 ? items[0]! : items);
