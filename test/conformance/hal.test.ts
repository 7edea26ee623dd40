import type { ConformanceTarget } from '../support/target.js';
import { certificateArn, errorTypeOf, openTarget } from '../support/target.js';

/**
 * The HAL representation on the wire, with requests that carry exactly the headers named. API
 * Gateway answers HAL unless `Accept` names `application/json`: its documentation's sample requests
 * carry no `Accept` and get HAL, and every AWS SDK and the CLI add `Accept: application/json` to every
 * request for that reason (botocore's add_accept_header, the JS SDK's middleware-sdk-api-gateway,
 * Smithy's API Gateway customizations). So this is what curl, a browser or a HAL client sees.
 */

const HAL = 'application/hal+json';
/** What every AWS SDK and the AWS CLI send. */
const JSON_TYPE = 'application/json';
const CURIES = {
  href: 'https://docs.aws.amazon.com/apigateway/latest/developerguide/restapi-clientcertificate-{rel}.html',
  name: 'clientcertificate',
  templated: true,
};
/** `2016-06-15T22:33:13Z`: UTC, no fractions, as in the seed's sample response. */
const HAL_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** Parsed JSON, loosely typed: the assertions are the schema. */
type Json = Record<string, any>;

let target: ConformanceTarget;

beforeAll(async () => {
  target = await openTarget();
});

afterAll(async () => {
  await target?.close();
});

interface Answer {
  readonly status: number;
  readonly contentType: string | null;
  readonly body: Json;
}

const call = async (method: string, path: string, { accept, body }: { accept?: string; body?: unknown } = {}): Promise<Answer> => {
  const headers: Record<string, string> = {};
  if (accept !== undefined) headers.accept = accept;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await target.request(path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: response.status,
    contentType: response.headers['content-type'] ?? null,
    body: (response.json ?? {}) as Json,
  };
};

const generate = (accept?: string, description = 'hal') =>
  call('POST', '/clientcertificates', {
    ...(accept === undefined ? {} : { accept }),
    body: { description, tags: { form: 'hal' } },
  });

const selfLinks = (id: string) => {
  const self = { href: `/clientcertificates/${id}` };
  return { self, 'clientcertificate:delete': self, 'clientcertificate:update': self };
};

/** What the HAL form must be, given the plain JSON form of the same certificate. */
const halOf = (plain: Json, links: Json): Json => ({
  _links: links,
  ...plain,
  createdDate: isoSeconds(plain.createdDate),
  expirationDate: isoSeconds(plain.expirationDate),
});

const isoSeconds = (epochSeconds: number): string => new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');

/** Every certificate a walk along the HAL `next` links embeds, in order, starting at `path`. */
const walkHal = async (path: string): Promise<{ pages: Json[]; ids: string[] }> => {
  const pages: Json[] = [];
  let next: string | undefined = path;
  while (next !== undefined) {
    const { body } = await call('GET', next, { accept: HAL });
    pages.push(body);
    next = body._links.next?.href;
  }
  // One embedded item comes as an object, several as a list.
  const items = pages.flatMap((page) => [page._embedded?.item ?? []].flat() as Json[]);
  const ids = items.map((item) => item.clientCertificateId as string);
  return { pages, ids };
};

// First, while the target holds nothing (every target starts empty: ../support/target.ts).
test('the HAL list of no certificates has only the collection links: no items, nothing embedded, no next', async () => {
  const plain = await call('GET', '/clientcertificates', { accept: JSON_TYPE });

  const { status, contentType, body } = await call('GET', '/clientcertificates', { accept: HAL });

  expect(plain.body).toEqual({ item: [] });
  expect(status).toBe(200);
  expect(contentType).toBe(HAL);
  expect(body).toEqual({
    _links: {
      curies: CURIES,
      self: { href: '/clientcertificates' },
      // As in the GetClientCertificates page's sample response.
      'clientcertificate:by-id': { href: '/clientcertificates/{clientcertificate_id}', templated: true },
      'clientcertificate:generate': { href: '/clientcertificates' },
    },
  });
});

describe('one certificate in HAL form', () => {
  let generated: Answer;
  let id: string;

  beforeAll(async () => {
    generated = await generate(HAL);
    id = generated.body.clientCertificateId as string;
  });

  test('GenerateClientCertificate answers 201 in HAL: curies, self, delete and update links, ISO dates', async () => {
    const { body: plain } = await call('GET', `/clientcertificates/${id}`, { accept: JSON_TYPE });

    expect(generated.status).toBe(201);
    expect(generated.contentType).toBe(HAL);
    expect(generated.body._links).toEqual({ curies: CURIES, ...selfLinks(id) });
    expect(generated.body.createdDate).toMatch(HAL_DATE);
    expect(generated.body.expirationDate).toMatch(HAL_DATE);
    // Same instants as the epoch seconds of the plain form, and every other field alike.
    expect(Date.parse(generated.body.createdDate)).toBe(plain.createdDate * 1000);
    expect(Date.parse(generated.body.expirationDate)).toBe(plain.expirationDate * 1000);
    expect(generated.body).toEqual(halOf(plain, { curies: CURIES, ...selfLinks(id) }));
  });

  test('GetClientCertificate in HAL gives the same document', async () => {
    const { status, contentType, body } = await call('GET', `/clientcertificates/${id}`, { accept: HAL });

    expect(status).toBe(200);
    expect(contentType).toBe(HAL);
    expect(body).toEqual(generated.body);
  });

  test('UpdateClientCertificate in HAL answers the updated document', async () => {
    const { status, contentType, body } = await call('PATCH', `/clientcertificates/${id}`, {
      accept: HAL,
      body: { patchOperations: [{ op: 'replace', path: '/description', value: 'hal, renamed' }] },
    });

    expect(status).toBe(200);
    expect(contentType).toBe(HAL);
    expect(body).toEqual({ ...generated.body, description: 'hal, renamed' });
  });

  test.each([
    ['Accept: application/json, as every AWS SDK and the CLI send', JSON_TYPE],
    ['Accept: application/json; charset=utf-8', `${JSON_TYPE}; charset=utf-8`],
    ['HAL refused with q=0 and JSON named', `${HAL};q=0, ${JSON_TYPE}`],
    ['both named, JSON first and HAL lower', `${JSON_TYPE}, ${HAL};q=0.9`],
  ])('with %s, Get answers plain JSON: no links, dates as epoch seconds', async (_, accept) => {
    const { status, contentType, body } = await call('GET', `/clientcertificates/${id}`, { accept });

    expect(status).toBe(200);
    expect(contentType).toBe('application/json');
    expect(body).not.toHaveProperty('_links');
    expect(Number.isInteger(body.createdDate)).toBe(true);
    expect(halOf(body, generated.body._links)).toEqual({ ...generated.body, description: 'hal, renamed' });
  });

  test.each([
    ["no Accept header, as the documentation's sample requests", undefined],
    ['Accept: */*, as curl and fetch send', '*/*'],
    ['Accept: text/html', 'text/html'],
    ['JSON refused with q=0', `${JSON_TYPE};q=0`],
  ])('with %s, Get answers HAL, as API Gateway does', async (_, accept) => {
    const { status, contentType, body } = await call('GET', `/clientcertificates/${id}`, accept === undefined ? {} : { accept });

    expect(status).toBe(200);
    expect(contentType).toBe(HAL);
    expect(body).toEqual({ ...generated.body, description: 'hal, renamed' });
  });

  test('with no Accept header, Generate and Update answer HAL too', async () => {
    const created = await generate();
    const updated = await call('PATCH', `/clientcertificates/${created.body.clientCertificateId}`, {
      body: { patchOperations: [{ op: 'replace', path: '/description', value: 'no accept' }] },
    });

    for (const answer of [created, updated]) {
      expect(answer.contentType).toBe(HAL);
      expect(answer.body._links).toEqual({ curies: CURIES, ...selfLinks(created.body.clientCertificateId) });
      expect(answer.body.createdDate).toMatch(HAL_DATE);
    }
    expect(created.status).toBe(201);
    expect(updated.body.description).toBe('no accept');
    await call('DELETE', `/clientcertificates/${created.body.clientCertificateId}`);
  });

  test('errors stay plain JSON with the error type, whatever the client accepts', async () => {
    const response = await target.fetch('/clientcertificates/zzzzzz', { headers: { accept: HAL } });

    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(errorTypeOf(response.headers.get('x-amzn-errortype'))).toBe('NotFoundException');
    expect(await response.json()).toEqual({ message: 'Invalid ClientCertificate identifier specified' });
  });
});

describe('the list in HAL form', () => {
  let all: string[];

  beforeAll(async () => {
    await Promise.all([generate(undefined, 'listed 1'), generate(undefined, 'listed 2'), generate(undefined, 'listed 3')]);
    const { body } = await call('GET', '/clientcertificates?limit=500', { accept: JSON_TYPE });
    all = (body.item as Json[]).map((c) => c.clientCertificateId as string);
  });

  test('several items: _embedded.item lists them in HAL, _links.item links them, next carries position and limit', async () => {
    const plain = await call('GET', '/clientcertificates?limit=2', { accept: JSON_TYPE });

    const { status, contentType, body } = await call('GET', '/clientcertificates?limit=2', { accept: HAL });

    expect(all.length).toBeGreaterThan(2);
    expect(status).toBe(200);
    expect(contentType).toBe(HAL);
    expect(body._links.curies).toEqual(CURIES);
    expect(body._links.self).toEqual({ href: '/clientcertificates' });
    expect(body._links['clientcertificate:by-id']).toEqual({ href: '/clientcertificates/{clientcertificate_id}', templated: true });
    const items = plain.body.item as Json[];
    expect(body._embedded.item).toEqual(items.map((c) => halOf(c, selfLinks(c.clientCertificateId))));
    expect(body._links.item).toEqual(items.map((c) => ({ href: `/clientcertificates/${c.clientCertificateId}` })));
    const next = new URL(body._links.next.href, target.url);
    expect(next.pathname).toBe('/clientcertificates');
    expect(next.searchParams.get('position')).toBe(plain.body.position);
    expect(next.searchParams.get('limit')).toBe('2');
  });

  test('following next from page to page embeds every certificate exactly once; the last page has no next', async () => {
    const { pages, ids } = await walkHal('/clientcertificates?limit=2');

    expect(pages.length).toBe(Math.ceil(all.length / 2));
    expect(ids).toEqual(all);
    expect(pages.at(-1)!._links).not.toHaveProperty('next');
  });

  test('one item: _embedded.item and _links.item are single objects, not lists', async () => {
    const plain = await call('GET', '/clientcertificates?limit=1', { accept: JSON_TYPE });

    const { body } = await call('GET', '/clientcertificates?limit=1', { accept: HAL });

    const [only] = plain.body.item as Json[];
    expect(body._embedded.item).toEqual(halOf(only!, selfLinks(only!.clientCertificateId)));
    expect(body._links.item).toEqual({ href: `/clientcertificates/${only!.clientCertificateId}` });
    expect(body._links.next.href).toContain('limit=1');
  });

  test('DeleteClientCertificate answers 202 with an empty body, HAL asked for or not', async () => {
    const response = await target.fetch(`/clientcertificates/${all[0]}`, {
      method: 'DELETE',
      headers: { accept: HAL },
    });

    expect(response.status).toBe(202);
    expect(await response.text()).toBe('');
    expect(response.headers.get('content-type')).toBeNull();
  });
});

test('tags have no HAL form: asked for HAL, GetTags answers plain JSON', async () => {
  const created = await target.fetch('/clientcertificates', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: JSON_TYPE },
    body: JSON.stringify({ tags: { form: 'plain' } }),
  });
  const { clientCertificateId } = (await created.json()) as { clientCertificateId: string };
  const arn = encodeURIComponent(certificateArn(clientCertificateId));

  const response = await target.fetch(`/tags/${arn}`, { headers: { accept: 'application/hal+json' } });

  expect(response.headers.get('content-type')).toBe('application/json');
  expect(await response.json()).toEqual({ tags: { form: 'plain' } });
});
