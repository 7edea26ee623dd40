import type { ClientCertificate } from '../../../lambda/domain/client-certificate.js';
import { hal, plain, wantsHal } from '../../../lambda/http/representations.js';

const certificate = (id: string): ClientCertificate => ({
  clientCertificateId: id,
  description: 'my second client-side cert',
  pemEncodedCertificate: '-----BEGIN CERTIFICATE-----\r\nMIIC6TC...yQAGEHvs=\r\n-----END CERTIFICATE-----',
  createdDate: 1466029993,
  expirationDate: 1497565993,
  tags: {},
});

test('the HAL form of a certificate is the seed sample response, plus tags', () => {
  expect(hal({ kind: 'ClientCertificate', certificate: certificate('9ao60f') })).toEqual({
    _links: {
      curies: {
        href: 'https://docs.aws.amazon.com/apigateway/latest/developerguide/restapi-clientcertificate-{rel}.html',
        name: 'clientcertificate',
        templated: true,
      },
      self: { href: '/clientcertificates/9ao60f' },
      'clientcertificate:delete': { href: '/clientcertificates/9ao60f' },
      'clientcertificate:update': { href: '/clientcertificates/9ao60f' },
    },
    clientCertificateId: '9ao60f',
    createdDate: '2016-06-15T22:33:13Z',
    description: 'my second client-side cert',
    expirationDate: '2017-06-15T22:33:13Z',
    pemEncodedCertificate: '-----BEGIN CERTIFICATE-----\r\nMIIC6TC...yQAGEHvs=\r\n-----END CERTIFICATE-----',
    tags: {},
  });
});

test('the plain form keeps epoch seconds and omits a description never set', () => {
  const { description: _, ...undescribed } = certificate('abc123');
  expect(plain({ kind: 'ClientCertificate', certificate: undescribed })).toEqual({
    clientCertificateId: 'abc123',
    createdDate: 1466029993,
    expirationDate: 1497565993,
    pemEncodedCertificate: undescribed.pemEncodedCertificate,
    tags: {},
  });
});

// As API Gateway answers for API keys, usage plans, VPC links and models (LocalStack's AWS snapshots).
test('an empty description is left out, as one never set', () => {
  expect(plain({ kind: 'ClientCertificate', certificate: { ...certificate('abc123'), description: '' } })).not.toHaveProperty(
    'description',
  );
  expect(hal({ kind: 'ClientCertificate', certificate: { ...certificate('abc123'), description: '' } })).not.toHaveProperty('description');
});

test('no tags: left out of a creation answer and of list items, {} in a Get or Update answer', () => {
  const untagged = certificate('abc123');
  const tagged = { ...untagged, tags: { team: 'web' } };
  expect(plain({ kind: 'ClientCertificate', certificate: untagged, created: true })).not.toHaveProperty('tags');
  expect(hal({ kind: 'ClientCertificate', certificate: untagged, created: true })).not.toHaveProperty('tags');
  expect(plain({ kind: 'ClientCertificate', certificate: tagged, created: true })).toHaveProperty('tags', { team: 'web' });
  expect(plain({ kind: 'ClientCertificate', certificate: untagged })).toHaveProperty('tags', {});
  expect(plain({ kind: 'ClientCertificates', items: [untagged, tagged], limit: 25 })).toEqual({
    item: [expect.not.objectContaining({ tags: expect.anything() }), expect.objectContaining({ tags: { team: 'web' } })],
  });
  expect((hal({ kind: 'ClientCertificates', items: [untagged], limit: 25 }) as any)._embedded.item).not.toHaveProperty('tags');
});

test('a plain list is under "item", with a position only when more follow', () => {
  expect(plain({ kind: 'ClientCertificates', items: [certificate('a00001')], limit: 1, position: 'p' })).toMatchObject({
    item: [{ clientCertificateId: 'a00001' }],
    position: 'p',
  });
  expect(plain({ kind: 'ClientCertificates', items: [], limit: 25 })).toEqual({ item: [] });
});

test('a HAL list embeds its items, one as an object and several as a list, with a next link', () => {
  const one = hal({ kind: 'ClientCertificates', items: [certificate('a00001')], limit: 1, position: 'p+/=' }) as any;
  expect(Object.keys(one._links)).toEqual(['curies', 'self', 'clientcertificate:by-id', 'clientcertificate:generate', 'item', 'next']);
  expect(one._links['clientcertificate:by-id']).toEqual({ href: '/clientcertificates/{clientcertificate_id}', templated: true });
  expect(one._links.item).toEqual({ href: '/clientcertificates/a00001' });
  expect(one._embedded.item).toMatchObject({ clientCertificateId: 'a00001', createdDate: '2016-06-15T22:33:13Z' });
  expect(one._links.next).toEqual({ href: '/clientcertificates?position=p%2B%2F%3D&limit=1' });

  const two = hal({ kind: 'ClientCertificates', items: [certificate('a00001'), certificate('a00002')], limit: 25 }) as any;
  expect(two._links.item).toHaveLength(2);
  expect(two._embedded.item.map((c: ClientCertificate) => c.clientCertificateId)).toEqual(['a00001', 'a00002']);
  expect(two._links.next).toBeUndefined();
});

// API Gateway answers HAL unless Accept names application/json (the documentation's samples send
// none and get HAL; the AWS SDKs and the CLI add "Accept: application/json" to every request).
test.each([
  ['application/hal+json', true],
  ['Application/HAL+JSON', true],
  ['*/*', true],
  ['text/html, */*;q=0.8', true],
  [undefined, true],
  ['', true],
  ['application/json;q=0', true],
  ['application/json;q=0.5, application/hal+json', true],
  ['application/json', false],
  ['Application/JSON; charset=utf-8', false],
  ['application/json, application/hal+json;q=0.9', false],
  ['application/hal+json;q=0, application/json', false],
  ['application/hal+json, application/json', false],
  ['text/plain, application/json;q=0.1', false],
])('Accept %j gets HAL: %s', (accept, expected) => {
  expect(wantsHal(accept)).toBe(expected);
});
