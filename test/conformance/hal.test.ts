import type { ConformanceTarget } from '../support/target.js';
import { certificateArn, openTarget } from '../support/target.js';

/**
 * The HAL representation (SPEC section 6) on the wire, with plain fetch: no AWS client asks for
 * `application/hal+json`, so this is what a browser or a HAL client would see.
 */

const HAL = 'application/hal+json';
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

const call = async (
  method: string,
  path: string,
  { accept, body }: { accept?: string; body?: unknown } = {},
): Promise<Answer> => {
  const headers: Record<string, string> = {};
  if (accept !== undefined) headers.accept = accept;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await target.fetch(path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: text === '' ? {} : (JSON.parse(text) as Json),
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
  const plain = await call('GET', '/clientcertificates');

  const { status, contentType, body } = await call('GET', '/clientcertificates', { accept: HAL });

  expect(plain.body).toEqual({ item: [] });
  expect(status).toBe(200);
  expect(contentType).toBe(HAL);
  expect(body).toEqual({
    _links: {
      curies: CURIES,
      self: { href: '/clientcertificates' },
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
    const { body: plain } = await call('GET', `/clientcertificates/${id}`);

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
    ['no Accept header', undefined],
    ['Accept: application/json', 'application/json'],
    ['Accept: */*', '*/*'],
    ['HAL refused with q=0', `${HAL};q=0`],
  ])('with %s, Get answers plain JSON: no links, dates as epoch seconds', async (_, accept) => {
    const options = accept === undefined ? {} : { accept };

    const { status, contentType, body } = await call('GET', `/clientcertificates/${id}`, options);

    expect(status).toBe(200);
    expect(contentType).toBe('application/json');
    expect(body).not.toHaveProperty('_links');
    expect(Number.isInteger(body.createdDate)).toBe(true);
    expect(halOf(body, generated.body._links)).toEqual({ ...generated.body, description: 'hal, renamed' });
  });

  test('with no Accept header, Generate and Update answer plain JSON too', async () => {
    const created = await generate();
    const updated = await call('PATCH', `/clientcertificates/${created.body.clientCertificateId}`, {
      body: { patchOperations: [{ op: 'replace', path: '/description', value: 'plain' }] },
    });

    for (const answer of [created, updated]) {
      expect(answer.contentType).toBe('application/json');
      expect(answer.body).not.toHaveProperty('_links');
      expect(Number.isInteger(answer.body.createdDate)).toBe(true);
    }
    expect(created.status).toBe(201);
    expect(updated.body.description).toBe('plain');
    await call('DELETE', `/clientcertificates/${created.body.clientCertificateId}`);
  });

  test('errors stay plain JSON with the error type, whatever the client accepts', async () => {
    const response = await target.fetch('/clientcertificates/zzzzzz', { headers: { accept: HAL } });

    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('x-amzn-errortype')).toBe('NotFoundException');
    expect(await response.json()).toEqual({ message: 'Invalid ClientCertificate identifier specified' });
  });
});

describe('the list in HAL form', () => {
  let all: string[];

  beforeAll(async () => {
    await Promise.all([generate(undefined, 'listed 1'), generate(undefined, 'listed 2'), generate(undefined, 'listed 3')]);
    const { body } = await call('GET', '/clientcertificates?limit=500');
    all = (body.item as Json[]).map((c) => c.clientCertificateId as string);
  });

  test('several items: _embedded.item lists them in HAL, _links.item links them, next carries position and limit', async () => {
    const plain = await call('GET', '/clientcertificates?limit=2');

    const { status, contentType, body } = await call('GET', '/clientcertificates?limit=2', { accept: HAL });

    expect(all.length).toBeGreaterThan(2);
    expect(status).toBe(200);
    expect(contentType).toBe(HAL);
    expect(body._links.curies).toEqual(CURIES);
    expect(body._links.self).toEqual({ href: '/clientcertificates' });
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
    const plain = await call('GET', '/clientcertificates?limit=1');

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
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tags: { form: 'plain' } }),
  });
  const { clientCertificateId } = (await created.json()) as { clientCertificateId: string };
  const arn = encodeURIComponent(certificateArn(clientCertificateId));

  const response = await target.fetch(`/tags/${arn}`, { headers: { accept: 'application/hal+json' } });

  expect(response.headers.get('content-type')).toBe('application/json');
  expect(await response.json()).toEqual({ tags: { form: 'plain' } });
});
