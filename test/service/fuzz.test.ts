import { APIGatewayClient, GenerateClientCertificateCommand } from '@aws-sdk/client-api-gateway';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import type { LocalService } from '../../lib/local/service.js';
import type { RawResponse } from '../support/http.js';
import { isAwsShapedError, sendRaw } from '../support/http.js';
import { startTestService } from '../support/service.js';
import { storeClient, tableSnapshot } from '../support/table.js';

/**
 * Property-based tests: random and adversarial requests, sent as raw bytes, must each get an answer
 * (no hang), never a 5xx, every refusal in the API's error shape, and a refused request must leave
 * the stored data byte for byte as it was. Seeded and bounded: FUZZ_SEED and FUZZ_RUNS vary them.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261127);
const RUNS = Number(process.env.FUZZ_RUNS ?? 500);

let service: LocalService;
let store: { client: DynamoDBClient; tableName: string };
let ids: string[];
const tried = { requests: 0, refused: 0, accepted: 0 };

beforeAll(async () => {
  service = await startTestService();
  store = storeClient(service.store);
  const sdk = new APIGatewayClient({ endpoint: service.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  ids = [];
  for (const description of ['first', undefined]) {
    const created = await sdk.send(new GenerateClientCertificateCommand({ description, tags: { team: 'blue' } }));
    ids.push(created.clientCertificateId!);
  }
});

afterAll(async () => {
  store.client.destroy();
  await service.close();
  process.stdout.write(`fuzz: ${tried.requests} requests (${tried.refused} refused, ${tried.accepted} accepted), seed ${SEED}\n`);
});

interface Shot {
  readonly method: string;
  readonly target: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
}

const serialise = ({ method, target, headers, body }: Shot): Buffer =>
  Buffer.concat([
    Buffer.from(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n`, 'latin1'),
    Buffer.from(headers.map(([name, value]) => `${name}: ${value}\r\n`).join(''), 'latin1'),
    Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'latin1'),
    body,
  ]);

/**
 * The table as the last request left it, when that one was refused and its snapshot checked: the next
 * request's "before", known without another scan. Anything else that writes to the table (an accepted
 * request, a test's own set-up) forgets it.
 */
let unchangedSince: string | undefined;

/** Sends one request and checks every promise the service makes about any request. */
const fire = async (shot: Shot): Promise<RawResponse> => {
  const before = unchangedSince ?? (await tableSnapshot(store.client, store.tableName));
  unchangedSince = undefined;
  const response = await sendRaw(service.url, serialise(shot), { head: shot.method === 'HEAD' });
  tried.requests++;
  const context = `${shot.method} ${shot.target.slice(0, 200)} -> ${response.status} ${response.body.toString().slice(0, 300)}`;
  if (response.status >= 500 || response.status < 200) throw new Error(`server error or nonsense: ${context}`);
  if (response.status >= 400) {
    tried.refused++;
    if (shot.method !== 'HEAD' && !isAwsShapedError(response)) throw new Error(`not in the API error shape: ${context}`);
    const after = await tableSnapshot(store.client, store.tableName);
    if (after !== before) throw new Error(`a refused request changed the stored data: ${context}`);
    unchangedSince = after;
  } else {
    tried.accepted++;
  }
  return response;
};

/** Percent-encodes every byte of the UTF-8 form outside the unreserved set, lone surrogates included. */
const percentEncoded = (value: string): string =>
  [...Buffer.from(value, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9._~-]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');

// Strings that have broken parsers before: encodings, escapes, separators, surrogates, controls.
const nasty = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  '\ud800',
  '\udfff',
  '\ud83d\ude00',
  '\u202e',
  '\ufeff',
  '%',
  '%zz',
  '%00',
  '%2F',
  '%2e%2e',
  '..',
  '/',
  '//',
  '~',
  '~0',
  '~1',
  '~2',
  '\\',
  '"',
  "'",
  '{',
  '[]',
  'null',
  'true',
  '-1',
  '1e999',
  '__proto__',
  'constructor',
  '/description',
  '/description/',
  '/Description',
  '/tags',
  '/tags/team',
  '/clientCertificateId',
  '/createdDate',
  '/pemEncodedCertificate',
  'replace',
  'add',
  'remove',
  'bogus',
  'a'.repeat(70_000),
  '€'.repeat(140_000),
);
const text = fc.oneof(nasty, fc.string(), fc.string({ unit: 'binary', maxLength: 40 }));
const jsonAny = fc.oneof(fc.jsonValue({ maxDepth: 3 }), text, fc.constant(undefined));

const patchOperation = fc.record(
  {
    op: fc.oneof(fc.constantFrom('replace', 'add', 'remove', 'move', 'copy', 'test'), jsonAny),
    path: fc.oneof(nasty, jsonAny),
    value: jsonAny,
    from: jsonAny,
  },
  { requiredKeys: [] },
);
/** Thousands of operations with bad ops or paths: every one of them is quoted back in the refusal. */
const manyOperations = fc
  .tuple(
    fc.integer({ min: 1_000, max: 60_000 }),
    fc.constantFrom({ op: 'bogus' }, { op: 'replace', path: '/x'.repeat(50) }, { op: 'x'.repeat(200) }),
  )
  .map(([n, operation]) => ({ patchOperations: Array(n).fill(operation) }));
const updateBody = fc.oneof(
  { weight: 4, arbitrary: fc.record({ patchOperations: fc.array(patchOperation, { maxLength: 5 }) }) },
  { weight: 2, arbitrary: fc.record({ patchOperations: jsonAny }) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: manyOperations },
);

/** Bytes that print as their first few hundred characters in a counterexample, not as a megabyte of numbers. */
const printable = (bytes: Buffer): Buffer =>
  Object.assign(bytes, { [fc.toStringMethod]: () => `<${bytes.length} bytes: ${JSON.stringify(bytes.toString('latin1').slice(0, 300))}>` });

/** A body as bytes: JSON of a model-shaped value, broken JSON, random bytes, or invalid UTF-8. */
const bodyBytes = (shaped: fc.Arbitrary<unknown>): fc.Arbitrary<Buffer> =>
  fc
    .oneof(
      { weight: 4, arbitrary: shaped.map((value) => Buffer.from(JSON.stringify(value) ?? '')) },
      { weight: 1, arbitrary: shaped.map((value) => Buffer.from((JSON.stringify(value) ?? '{').slice(0, -1))) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          Buffer.from([0xff, 0xfe, 0x7b]),
          Buffer.from('{"patchOperations":[{"op":"replace","path":"/description","value":"\xc3\x28"}]}', 'latin1'),
        ),
      },
    )
    .map(printable);

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'text/plain',
  'application/octet-stream',
  'application/x-amz-json-1.1',
  'multipart/form-data; boundary=x',
  '',
  'application/json\u00ff',
);

const headerName = fc
  .stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,20}$/)
  .filter((name) => !/^(host|content-length|connection|transfer-encoding|expect|upgrade)$/i.test(name));
const headerValue = fc.oneof(
  fc.stringMatching(/^[\x20-\x7e]{0,60}$/),
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL, CR and LF are what a header value cannot carry
  nasty.map((value) => value.slice(0, 60)).filter((value) => !/[\r\n\u0000]/.test(value)),
);
const headers = fc.array(fc.tuple(headerName, headerValue), { maxLength: 4 });

const segment = fc.oneof(
  fc.constantFrom('clientcertificates', '..', '.', '', '%zz', '%2F', '%2e%2e', 'x'.repeat(5_000), 'x'.repeat(12_000)),
  fc.webSegment(),
  text.map((value) => percentEncoded(value.slice(0, 100))),
  text.map((value) => percentEncoded(value.slice(0, 100)).slice(0, -1)), // a cut-off escape
);
const query = fc.oneof(
  fc.constant(''),
  fc.webQueryParameters().map((q) => `?${q}`),
  fc.constantFrom('?', '?a=%zz', '?position=&limit=-1', '?&&=&', '?x=\u00ff', '?limit=0', '?limit=501', '?limit=1e2', '?position=%zz'),
  fc
    .tuple(fc.oneof(fc.nat(600).map(String), text), text)
    .map(([limit, position]) => `?limit=${percentEncoded(limit.slice(0, 50))}&position=${percentEncoded(position.slice(0, 200))}`),
  fc.array(text, { maxLength: 4 }).map((keys) => `?${keys.map((k) => `tagKeys=${percentEncoded(k.slice(0, 300))}`).join('&')}`),
);

describe('UpdateClientCertificate under random and adversarial bodies', () => {
  test('never a 5xx or a hang; every refusal is AWS-shaped and leaves the store byte for byte unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(1), bodyBytes(updateBody), contentType, headers, async (which, body, type, extra) => {
        const response = await fire({
          method: 'PATCH',
          target: `/clientcertificates/${ids[which]}`,
          headers: [...(type === '' ? [] : [['Content-Type', type] as const]), ...extra],
          body,
        });
        if (response.status === 200) expect(response.json).toMatchObject({ clientCertificateId: ids[which] });
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe('any method, path, query, headers and body', () => {
  test('never a 5xx or a hang; every refusal is AWS-shaped and leaves the store byte for byte unchanged', async () => {
    const method = fc.constantFrom(
      'GET',
      'PATCH',
      'POST',
      'PUT',
      'DELETE',
      'HEAD',
      'OPTIONS',
      'TRACE',
      'PROPFIND',
      'M-SEARCH',
      'get',
      'PATCH ',
    );
    const path = fc.oneof(
      fc.tuple(fc.constantFrom('/clientcertificates/'), fc.oneof(fc.constantFrom(...ids), segment), query).map((parts) => parts.join('')),
      // The list, and the tag routes on real and made-up ARNs, encoded as the SDK sends them or not.
      fc.tuple(fc.constantFrom('/clientcertificates'), query).map((parts) => parts.join('')),
      fc
        .tuple(
          fc.constantFrom('/tags/'),
          fc.oneof(
            fc.constantFrom(...ids).map((id) => encodeURIComponent(`arn:aws:apigateway:us-east-1::/clientcertificates/${id}`)),
            fc.constantFrom(...ids).map((id) => `arn:aws:apigateway:us-east-1::/clientcertificates/${id}`),
            fc.constantFrom(
              'arn:aws:apigateway:us-east-1::/restapis/abc',
              'arn%3Aaws%3Aapigateway%3Aeu-west-1%3A%3A%2Fclientcertificates%2Fabc123',
            ),
            segment,
          ),
          query,
        )
        .map((parts) => parts.join('')),
      fc.tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), query).map(([parts, q]) => `/${parts.join('/')}${q}`),
      fc.constantFrom(
        '*',
        '//[',
        'http://[::1',
        'http://example.com/clientcertificates',
        '/clientcertificates/%',
        '/\u00ff',
        '/%c0%af',
        `/clientcertificates/${'%41'.repeat(3000)}`,
      ),
    );
    await fc.assert(
      fc.asyncProperty(method, path, headers, bodyBytes(updateBody), contentType, async (verb, target, extra, body, type) => {
        // POST /clientcertificates with a good body mints a certificate: that is a success, not a finding.
        await fire({ method: verb, target, headers: [['Content-Type', type], ...extra], body });
      }),
      { seed: SEED + 1, numRuns: RUNS },
    );
  });
});

describe('GenerateClientCertificate under bodies of the wrong shape', () => {
  test('every refusal is a 400 in the API error shape that stores nothing', async () => {
    const badTags = fc.oneof(
      fc.dictionary(fc.oneof(nasty, fc.string()), fc.oneof(fc.string(), fc.integer(), fc.constant(null))),
      fc.constantFrom([], 'tags', 1, { 'aws:reserved': 'x' }, { '': 'v' }, { ['k'.repeat(129)]: 'v' }, { k: 'v'.repeat(257) }),
    );
    const badBody = fc.oneof(
      fc.record({ description: fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.string()), fc.object()), tags: fc.constant({}) }),
      fc.record({ description: fc.string(), tags: badTags }),
      fc.oneof(fc.array(fc.jsonValue()), fc.string(), fc.integer()),
    );
    await fc.assert(
      fc.asyncProperty(
        badBody.map((b) => Buffer.from(JSON.stringify(b))),
        async (body) => {
          const response = await fire({
            method: 'POST',
            target: '/clientcertificates',
            headers: [['Content-Type', 'application/json']],
            body,
          });
          // Wrongly typed bodies may still be valid (tags of only good strings): those mint a certificate.
          if (response.status !== 201) expect(response.status).toBe(400);
        },
      ),
      { seed: SEED + 2, numRuns: Math.ceil(RUNS / 5) },
    );
  });
});

describe('UpdateClientCertificate bodies at the extremes', () => {
  // A certificate of their own: the fuzzing above may well have deleted the ones it was given.
  let id: string;
  beforeAll(async () => {
    const sdk = new APIGatewayClient({
      endpoint: service.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    id = (await sdk.send(new GenerateClientCertificateCommand({ description: 'extremes' }))).clientCertificateId!;
    sdk.destroy();
    unchangedSince = undefined;
  });

  const patch = (body: string) =>
    fire({
      method: 'PATCH',
      target: `/clientcertificates/${id}`,
      headers: [['Content-Type', 'application/json']],
      body: Buffer.from(body),
    });

  // Lambda returns at most 6 MB (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html); past that the client gets a 5xx.
  test('6 MB of bad ops is a 400 of bounded size, far under what a function may return', async () => {
    const n = 550_000;

    const response = await patch(JSON.stringify({ patchOperations: Array(n).fill({ op: 'bogus' }) }));

    expect(response.status).toBe(400);
    expect(response.headers['x-amzn-errortype']).toBe('ValidationException');
    expect((response.json as { message: string }).message).toMatch(new RegExp(`^${n} validation errors detected: Value 'bogus' at`));
    expect(response.body.length).toBeLessThan(100_000);
  });

  test('a 7 MB patch path is quoted back cut short', async () => {
    const response = await patch(JSON.stringify({ patchOperations: [{ op: 'replace', path: `/${'p'.repeat(7_000_000)}` }] }));

    expect(response.status).toBe(400);
    expect(response.body.length).toBeLessThan(10_000);
  });

  test.each([['\\ud800'], ['a\\udfffb']])('a description with the lone surrogate %j is a 400 and stores nothing', async (escaped) => {
    const response = await patch(`{"patchOperations":[{"op":"replace","path":"/description","value":"${escaped}"}]}`);

    expect(response.status).toBe(400);
    expect(response.json).toEqual({ message: 'Invalid ClientCertificate description specified.' });
  });
});
