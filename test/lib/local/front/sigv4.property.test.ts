import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { ApiError } from '../../../../lambda/domain/errors.js';
import { errorResponse } from '../../../../lambda/http/responses.js';
import type { ReceivedRequest } from '../../../../lib/local/front/sigv4.js';
import { NodeSha256, sigv4Verifier } from '../../../../lib/local/front/sigv4.js';

const credentials = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-secret-key-for-tests' };
const NOW = Date.UTC(2026, 10, 30, 10, 0, 0);
const verify = sigv4Verifier({ credentials, now: () => NOW });
const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'apigateway', sha256: NodeSha256 });

/** How the SDK percent-encodes a query name or value, or a path label (@smithy/util-uri-escape). */
const escapeUri = (text: string): string =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

// Characters that mean something to one query reader or another.
const tricky = fc.constantFrom(
  'a',
  'b',
  'A',
  '+',
  ' ',
  '%',
  '&',
  '=',
  '#',
  '?',
  '/',
  ';',
  '~',
  '.',
  '\u00e9',
  '\ud83d\ude00',
  '%2B',
  '%20',
);
const text = (maxLength: number) => fc.array(tricky, { maxLength }).map((parts) => parts.join(''));

interface Original {
  readonly request: ReceivedRequest & { readonly headers: Record<string, string> };
  /** The header names the signature covers. */
  readonly signed: readonly string[];
}

/** What a client asks for: the request before the SDK builds and signs it. */
const requestShape = fc.record({
  method: fc.constantFrom('GET', 'DELETE', 'PATCH', 'POST'),
  // `.` and `..` labels are left out: SigV4 normalises them away, so the verifier refuses them outright.
  labels: fc.array(
    text(6).filter((label) => !['', '.', '..'].includes(label)),
    { minLength: 1, maxLength: 3 },
  ),
  parameters: fc.array(fc.tuple(text(4), text(6)), { maxLength: 5 }),
  bareEmptyValues: fc.boolean(),
  custom: fc.option(
    text(8).map((value) => value.trim()),
    { nil: undefined },
  ),
  body: text(20),
  presign: fc.boolean(),
});

/** The request built and signed as the AWS SDK builds and signs one: escaped labels and parameters, the SDK's signer. */
const signedRequest = async ({
  method,
  labels,
  parameters,
  bareEmptyValues,
  custom,
  body,
  presign,
}: typeof requestShape extends fc.Arbitrary<infer T> ? T : never): Promise<Original> => {
  const path = `/${labels.map(escapeUri).join('/')}`;
  const query: Record<string, string[]> = {};
  for (const [name, value] of parameters) {
    if (!Object.hasOwn(query, name)) query[name] = [];
    query[name]!.push(value);
  }
  const headers: Record<string, string> = { host: 'localhost:3000', ...(custom === undefined ? {} : { 'x-custom': custom }) };
  const unsigned = { method, protocol: 'http:', hostname: 'localhost', port: 3000, path, query, headers, body };
  const signingDate = new Date(NOW);
  const done = presign ? await signer.presign(unsigned, { signingDate, expiresIn: 300 }) : await signer.sign(unsigned, { signingDate });
  const wireQuery = Object.entries(done.query ?? {})
    .flatMap(([name, values]) =>
      [values ?? '']
        .flat()
        .map((value) => (value === '' && name !== '' && bareEmptyValues ? escapeUri(name) : `${escapeUri(name)}=${escapeUri(value)}`)),
    )
    .join('&');
  const sentHeaders = Object.fromEntries(Object.entries(done.headers).map(([name, value]) => [name.toLowerCase(), value]));
  const signedList = presign ? done.query!['X-Amz-SignedHeaders'] : /SignedHeaders=([^,]+)/.exec(sentHeaders.authorization!)?.[1];
  return {
    request: { method, target: wireQuery === '' ? path : `${path}?${wireQuery}`, headers: sentHeaders, body: Buffer.from(body) },
    signed: String(signedList).split(';'),
  };
};

type Sent = Original['request'];
type Change = (request: Sent) => Sent;

/** Changes a man in the middle might make to the bytes of a signed request. */
const mutation = fc.oneof<fc.Arbitrary<Change>[]>(
  fc
    .record({
      at: fc.nat(),
      piece: fc.constantFrom(
        '+',
        '%2B',
        '%20',
        ' ',
        '%',
        '%2',
        '&',
        '=',
        '#',
        '?',
        '/',
        '//',
        '/.',
        '/..',
        '\t',
        '\\',
        'a',
        '%61',
        '\u00e9',
        '%25',
        '%FF',
      ),
    })
    .map(
      ({ at, piece }): Change =>
        (r) => ({ ...r, target: insert(r.target, at % (r.target.length + 1), piece) }),
    ),
  fc.record({ at: fc.nat(), length: fc.integer({ min: 1, max: 3 }) }).map(
    ({ at, length }): Change =>
      (r) => ({ ...r, target: r.target.slice(0, at % r.target.length) + r.target.slice((at % r.target.length) + length) }),
  ),
  fc
    .constantFrom<[string, string]>(
      ['%2B', '+'],
      ['%20', '+'],
      ['+', '%20'],
      ['%20', '%2B'],
      ['%2B', '%2b'],
      ['%3D', '='],
      ['%26', '&'],
      ['=', ''],
      ['&', '&&'],
      ['&', ';'],
      ['%C3%A9', '\u00e9'],
      ['%23', '#'],
      ['%2F', '/'],
    )
    .map(
      ([from, to]): Change =>
        (r) => ({ ...r, target: r.target.replace(from, to) }),
    ),
  fc.record({ i: fc.nat(), j: fc.nat(), how: fc.constantFrom('swap', 'repeat', 'drop') }).map(
    ({ i, j, how }): Change =>
      (r) => {
        const [path, query = ''] = r.target.split(/\?(.*)/s) as [string, string?];
        const pieces = query.split('&');
        const [a, b] = [i % pieces.length, j % pieces.length];
        if (how === 'swap') [pieces[a], pieces[b]] = [pieces[b]!, pieces[a]!];
        if (how === 'repeat') pieces.push(pieces[a]!);
        if (how === 'drop') pieces.splice(a, 1);
        return { ...r, target: `${path}?${pieces.join('&')}` };
      },
  ),
  fc.constantFrom('GET', 'DELETE', 'PATCH', 'POST', 'PUT', 'get').map(
    (method): Change =>
      (r) => ({ ...r, method }),
  ),
  fc
    .record({
      name: fc.constantFrom('host', 'x-custom', 'x-amz-date', 'x-other', 'x-amz-content-sha256'),
      value: fc.option(text(8), { nil: undefined }),
    })
    .map(
      ({ name, value }): Change =>
        (r) => {
          const { [name]: _, ...headers } = r.headers;
          return { ...r, headers: value === undefined ? headers : { ...headers, [name]: value } };
        },
    ),
  text(20).map(
    (body): Change =>
      (r) => ({ ...r, body: Buffer.from(body) }),
  ),
  fc
    .constantFrom<[RegExp, string]>(
      [/SignedHeaders=/, 'SignedHeaders=x-custom;'],
      [/SignedHeaders=host;/, 'SignedHeaders='],
      [/;x-custom/, ''],
      [/SignedHeaders=([^,]+)/, 'SignedHeaders=$1;$1'],
      [/\/2026\d{4}\//, '/20261201/'],
      [/us-east-1/, 'eu-west-1'],
      [/Signature=/, 'Signature=0'],
      [/X-Amz-SignedHeaders=host/, 'X-Amz-SignedHeaders=host%3Bx-custom'],
      [/X-Amz-Expires=300/, 'X-Amz-Expires=3000'],
      [/X-Amz-Signature=/, 'x-amz-signature=0&X-Amz-Signature='],
    )
    .map(
      ([pattern, replacement]): Change =>
        (r) => ({
          ...r,
          target: r.target.replace(pattern, replacement),
          headers:
            r.headers.authorization === undefined
              ? r.headers
              : { ...(r.headers as Record<string, string>), authorization: r.headers.authorization.replace(pattern, replacement) },
        }),
    ),
);

const insert = (text: string, at: number, piece: string) => text.slice(0, at) + piece + text.slice(at);

/**
 * What a request means once through: the method, the path the router matches (the WHATWG URL reading
 * HTTP API's stand-in routes by), the query parameters as API Gateway decodes them (WHATWG form
 * decoding, `+` a space: an oracle apart from the service's own parser), as a multiset since SigV4
 * sorts them and no operation depends on their order, the signed headers' values as SigV4
 * canonicalises them, and the body.
 */
const meaning = (request: Sent, signed: readonly string[]) => {
  const url = new URL(request.target, 'http://localhost');
  return {
    method: request.method,
    path: url.pathname,
    query: [...url.searchParams].map((pair) => JSON.stringify(pair)).sort(),
    headers: signed.map((name) => request.headers[name]?.trim().replace(/\s+/g, ' ')),
    body: request.body.toString('latin1'),
  };
};

describe('Method: sigv4Verifier, a request signed by the AWS SDK', () => {
  test('verifies as sent, and no change that alters its meaning verifies', async () => {
    const tally = { runs: 0, verified: 0 };

    await fc.assert(
      fc.asyncProperty(requestShape, fc.array(mutation, { minLength: 1, maxLength: 3 }), async (shape, changes) => {
        const { request, signed } = await signedRequest(shape);
        expect(await verify(request)).toBeUndefined();
        const changed = changes.reduce((r, change) => change(r), request);

        const answer = await verify(changed);

        tally.runs++;
        if (answer !== undefined) return;
        tally.verified++;
        expect(meaning(changed, signed)).toEqual(meaning(request, signed));
      }),
      { seed: 20261130, numRuns: 3_000 },
    );

    expect(tally.runs).toBe(3_000);
    // Some changes keep the meaning (parameters reordered, `%2b` for `%2B`, an unsigned header): they may pass.
    expect(tally.verified).toBeGreaterThan(0);
  });
});

// Pieces that broke verifiers before: prototype names, empty parts, separators, huge and odd numbers.
const hostile = fc.constantFrom(
  '',
  ' ',
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'host',
  'x-amz-date',
  'x-amz-content-sha256',
  'authorization',
  'user-agent',
  'AKIDLOCALTEST',
  'apigateway',
  'aws4_request',
  'us-east-1',
  '20261130',
  '20261130T100000Z',
  '00000101T000000Z',
  '99991231T235959Z',
  '20260230T100000Z',
  '604800',
  '604801',
  '1e3',
  '-1',
  '0',
  'NaN',
  '9'.repeat(30),
  '%',
  '%zz',
  '%FF',
  '+',
  ';',
  ',',
  '=',
  '/',
  '\ud800',
  '\u0000',
  'AWS4-HMAC-SHA256',
);
const piece = fc.oneof(hostile, fc.string({ maxLength: 30 }));
const joined = (separator: string) => fc.array(piece, { maxLength: 6 }).map((parts) => parts.join(separator));
/** Mostly `valid`, so that most inputs get past the early checks to the signer itself. */
const mostly = (valid: string) => fc.oneof({ arbitrary: fc.constant(valid), weight: 4 }, { arbitrary: piece, weight: 1 });
const credential = fc.oneof(
  {
    arbitrary: fc
      .tuple(mostly('AKIDLOCALTEST'), mostly('20261130'), mostly('us-east-1'), mostly('apigateway'), mostly('aws4_request'))
      .map((parts) => parts.join('/')),
    weight: 4,
  },
  { arbitrary: joined('/'), weight: 1 },
);
const signedHeaderName = fc.oneof(
  { arbitrary: fc.constantFrom('constructor', '__proto__', 'tostring', 'x-absent', 'x-amz-date', '', 'HOST'), weight: 3 },
  { arbitrary: fc.oneof(hostile, fc.string({ maxLength: 12 })), weight: 1 },
);
const signedHeaderList = fc.array(signedHeaderName, { maxLength: 4 }).map((names) => ['host', ...names].join(';'));
/** Mostly absent: a stray token or body hash would stop most inputs before the signer. */
const seldom = (arbitrary: fc.Arbitrary<string>) => fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary, weight: 1 });
const amzDate = mostly('20261130T100000Z');
const authorization = fc.oneof(
  piece,
  fc
    .record({ algorithm: mostly('AWS4-HMAC-SHA256'), credential, signedHeaders: fc.oneof(signedHeaderList, joined(';')), signature: piece })
    .map(
      ({ algorithm, credential, signedHeaders, signature }) =>
        `${algorithm} Credential=${credential}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    ),
);
const encoded = (arbitrary: fc.Arbitrary<string>) =>
  fc.tuple(arbitrary, fc.boolean()).map(([value, raw]) => (raw ? value : escapeUri(value.replace(/[\ud800-\udfff]/g, ''))));
const presignQuery = fc
  .record({
    algorithm: mostly('AWS4-HMAC-SHA256'),
    credential,
    date: amzDate,
    expires: fc.oneof(hostile, fc.integer().map(String)),
    signedHeaders: signedHeaderList,
    signature: piece,
    extra: fc.array(fc.tuple(piece, piece), { maxLength: 3 }),
  })
  .chain((fields) =>
    fc.tuple(
      ...Object.values(fields)
        .filter((v): v is string => typeof v === 'string')
        .map((v) => encoded(fc.constant(v))),
      fc.constant(fields.extra),
    ),
  )
  .map(([algorithm, credentialText, date, expires, signedHeaders, signature, extra]) => {
    const pairs = [
      ['X-Amz-Algorithm', algorithm],
      ['X-Amz-Credential', credentialText],
      ['X-Amz-Date', date],
      ['X-Amz-Expires', expires],
      ['X-Amz-SignedHeaders', signedHeaders],
      ['X-Amz-Signature', signature],
      ...(extra as [string, string][]),
    ];
    return `?${pairs.map(([name, value]) => `${name}=${value}`).join('&')}`;
  });
const headerNames = fc.oneof(hostile, fc.string({ maxLength: 12 }));
const received = fc.record({
  method: fc.oneof(fc.constantFrom('GET', 'PATCH'), fc.string({ maxLength: 8 })),
  target: fc.oneof(
    fc.string({ maxLength: 60 }),
    presignQuery.map((query) => `/clientcertificates${query}`),
    fc.tuple(fc.string({ maxLength: 20 }), presignQuery).map(([path, query]) => path + query),
  ),
  // Strings, as node:http gives every header but set-cookie.
  headers: fc.record({
    host: mostly('localhost:3000'),
    authorization: fc.oneof(fc.constant(undefined), authorization),
    'x-amz-date': amzDate,
    'x-amz-content-sha256': seldom(piece),
    'x-amz-security-token': seldom(piece),
    others: fc.array(fc.tuple(headerNames, piece), { maxLength: 4 }),
  }),
  body: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
});

describe('Method: sigv4Verifier, any request at all', () => {
  test('is answered with a refusal in the 4xx range, never a throw', async () => {
    let refusals = 0;

    await fc.assert(
      fc.asyncProperty(received, async ({ method, target, headers: { others = [], ...named }, body }) => {
        // Own properties, `__proto__` and `constructor` included, as node:http builds request headers.
        const present = Object.entries(named).filter(([, value]) => value !== undefined);
        const headers = Object.fromEntries([...present, ...others.map(([name, value]) => [name.toLowerCase(), value])]);

        const answer = await verify({ method, target, headers, body });

        expect(answer).toBeInstanceOf(ApiError);
        expect(errorResponse(answer!).statusCode).toBeGreaterThanOrEqual(400);
        expect(errorResponse(answer!).statusCode).toBeLessThan(500);
        refusals++;
      }),
      { seed: 20261201, numRuns: 5_000 },
    );

    expect(refusals).toBe(5_000);
  });
});
