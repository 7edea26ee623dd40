import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import type { APIGatewayClientConfig } from '@aws-sdk/client-api-gateway';
import {
  APIGatewayClient,
  GenerateClientCertificateCommand,
  GetClientCertificateCommand,
  GetTagsCommand,
  TagResourceCommand,
  UpdateClientCertificateCommand,
} from '@aws-sdk/client-api-gateway';
import fc from 'fast-check';
import { CLOCK_SKEW_MINUTES, MAX_PRESIGNED_SECONDS, sigv4Verifier } from '../../../../lib/local/front/sigv4.js';
import type { LocalService } from '../../../../lib/local/service.js';
import type { RawRequest } from '../../../support/http.js';
import { isAwsShapedError, send } from '../../../support/http.js';
import { startTestService } from '../../../support/service.js';
import { presigned, signed } from '../../../support/signing.js';

const credentials = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-secret-key-for-tests' };
const region = 'us-east-1';

let service: LocalService;
let id: string;

const client = (config: Partial<APIGatewayClientConfig> = {}) =>
  new APIGatewayClient({ endpoint: service.url, region, credentials, maxAttempts: 1, ...config });

/** The error a command fails with; fails the test if it succeeds. */
const rejection = async (promise: Promise<unknown>): Promise<Error & { $metadata: { httpStatusCode?: number } }> => {
  try {
    await promise;
  } catch (error) {
    return error as Error & { $metadata: { httpStatusCode?: number } };
  }
  throw new Error('expected the request to be refused, it succeeded');
};

const description = async (): Promise<string | undefined> =>
  (await client().send(new GetClientCertificateCommand({ clientCertificateId: id }))).description;

const replaceDescription = (value: string) => ({ patchOperations: [{ op: 'replace' as const, path: '/description', value }] });

beforeAll(async () => {
  service = await startTestService({ sigv4: { credentials } });
  id = (await client().send(new GenerateClientCertificateCommand({ description: 'original' }))).clientCertificateId!;
});

afterAll(async () => {
  await service.close();
});

describe('with AUTH=sigv4, the real AWS SDK', () => {
  test('signing with the right keys gets in, for every operation', async () => {
    const sdk = client();

    const updated = await sdk.send(new UpdateClientCertificateCommand({ clientCertificateId: id, patchOperations: [] }));
    const got = await sdk.send(new GetClientCertificateCommand({ clientCertificateId: id }));

    expect(updated.clientCertificateId).toBe(id);
    expect(got.description).toBe('original');
  });

  test('signing with the wrong secret is 403 InvalidSignatureException', async () => {
    const error = await rejection(
      client({ credentials: { ...credentials, secretAccessKey: 'wrong' } }).send(
        new GetClientCertificateCommand({ clientCertificateId: id }),
      ),
    );

    expect(error.name).toBe('InvalidSignatureException');
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.message).toBe(
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  });

  test('an unknown access key is 403 UnrecognizedClientException', async () => {
    const error = await rejection(
      client({ credentials: { ...credentials, accessKeyId: 'AKIDSOMEONEELSE' } }).send(
        new GetClientCertificateCommand({ clientCertificateId: id }),
      ),
    );

    expect(error.name).toBe('UnrecognizedClientException');
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.message).toBe('The security token included in the request is invalid.');
  });

  test('a request with a session token nobody issued is 403 UnrecognizedClientException', async () => {
    const error = await rejection(
      client({ credentials: { ...credentials, sessionToken: 'forged' } }).send(
        new GetClientCertificateCommand({ clientCertificateId: id }),
      ),
    );

    expect(error.name).toBe('UnrecognizedClientException');
  });

  test.each([
    ['stale', -1, /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/],
    ['future', 1, /^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 15 min\.\)$/],
  ])('a %s date beyond the 15-minute skew is 403 InvalidSignatureException', async (_, sign, message) => {
    const offset = sign * (CLOCK_SKEW_MINUTES + 5) * 60_000;

    const error = await rejection(client({ systemClockOffset: offset }).send(new GetClientCertificateCommand({ clientCertificateId: id })));

    expect(error.name).toBe('InvalidSignatureException');
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.message).toMatch(message);
  });

  test('a date within the skew passes', async () => {
    const offset = -(CLOCK_SKEW_MINUTES - 2) * 60_000;

    const got = await client({ systemClockOffset: offset }).send(new GetClientCertificateCommand({ clientCertificateId: id }));

    expect(got.clientCertificateId).toBe(id);
  });

  test('a body changed after signing is 403 InvalidSignatureException and changes nothing', async () => {
    const tampering = client();
    // Runs after the signer, just before the request goes out: a man in the middle.
    tampering.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body: string; headers: Record<string, string> };
        request.body = JSON.stringify(replaceDescription('tampered'));
        request.headers['content-length'] = String(Buffer.byteLength(request.body));
        return next(args);
      },
      { step: 'deserialize', name: 'tamperWithBody' },
    );

    const error = await rejection(
      tampering.send(new UpdateClientCertificateCommand({ clientCertificateId: id, ...replaceDescription('signed') })),
    );

    expect(error.name).toBe('InvalidSignatureException');
    expect(await description()).toBe('original');
  });
});

describe('with AUTH=sigv4, raw requests', () => {
  const path = () => `/clientcertificates/${id}`;

  test('an unsigned request is 403 MissingAuthenticationTokenException', async () => {
    const response = await send(service.url, { path: path() });

    expect(response.status).toBe(403);
    expect(response.headers['x-amzn-errortype']).toBe('MissingAuthenticationTokenException');
    expect(response.json).toEqual({ message: 'Missing Authentication Token' });
    expect(isAwsShapedError(response)).toBe(true);
  });

  test('an Authorization header that is not SigV4 is 403 IncompleteSignatureException naming what is missing', async () => {
    const response = await send(service.url, { path: path(), headers: { authorization: 'Bearer abc' } });

    expect(response.status).toBe(403);
    expect(response.headers['x-amzn-errortype']).toBe('IncompleteSignatureException');
    expect((response.json as { message: string }).message).toContain("Authorization header requires 'Credential' parameter.");
  });

  test('a body whose x-amz-content-sha256 claims the signed body is still refused', async () => {
    const request = await signed(
      service.url,
      {
        method: 'PATCH',
        path: path(),
        headers: { 'content-type': 'application/json', 'x-amz-content-sha256': sha256Hex(JSON.stringify(replaceDescription('signed'))) },
        body: JSON.stringify(replaceDescription('signed')),
      },
      { credentials },
    );

    const response = await send(service.url, { ...request, body: JSON.stringify(replaceDescription('swapped')) });

    expect(response.status).toBe(403);
    expect(response.headers['x-amzn-errortype']).toBe('InvalidSignatureException');
    expect(await description()).toBe('original');
  });

  test('a request signed for another service is 403 InvalidSignatureException naming the right one', async () => {
    const request = await signed(service.url, { path: path() }, { credentials, service: 'execute-api' });

    const response = await send(service.url, request);

    expect(response.status).toBe(403);
    expect(response.json).toEqual({ message: "Credential should be scoped to correct service: 'apigateway'. " });
  });

  test('a header added to the signed list after signing breaks the signature', async () => {
    const request = await signed(service.url, { path: path(), headers: { 'x-custom': 'a' } }, { credentials });

    const response = await send(service.url, { ...request, headers: { ...request.headers, 'x-custom': 'b' } });

    expect(response.headers['x-amzn-errortype']).toBe('InvalidSignatureException');
  });

  test('a presigned URL gets in while valid, and not once changed or expired', async () => {
    const valid = await presigned(service.url, { path: path() }, { credentials }, 60);
    const expired = await presigned(service.url, { path: path() }, { credentials, date: new Date(Date.now() - 120_000) }, 60);

    const ok = await send(service.url, valid);
    const changed = await send(service.url, { ...valid, path: valid.path.replace(id, 'zzzzzz') });
    const late = await send(service.url, expired);

    expect(ok.status).toBe(200);
    expect(changed.headers['x-amzn-errortype']).toBe('InvalidSignatureException');
    expect(late.headers['x-amzn-errortype']).toBe('InvalidSignatureException');
    expect((late.json as { message: string }).message).toMatch(/^Signature expired: /);
  });
});

describe('with AUTH=sigv4, the query the signature covers is the query the handler gets', () => {
  test('untagging "a+b", signed as tagKeys=a%2Bb and sent as tagKeys=a+b, is refused and removes no tag', async () => {
    const arn = `arn:aws:apigateway:${region}::/clientcertificates/${id}`;
    await client().send(new TagResourceCommand({ resourceArn: arn, tags: { 'a+b': 'plus', 'a b': 'space' } }));
    const request = await signed(
      service.url,
      { method: 'DELETE', path: `/tags/${encodeURIComponent(arn)}?tagKeys=a%2Bb` },
      { credentials },
    );
    const tags = async () => (await client().send(new GetTagsCommand({ resourceArn: arn }))).tags;

    const changed = await send(service.url, { ...request, path: request.path.replace('a%2Bb', 'a+b') });
    const tagsAfterChanged = await tags();
    const asSigned = await send(service.url, request);

    expect(changed.status).toBe(403);
    expect(changed.headers['x-amzn-errortype']).toBe('InvalidSignatureException');
    expect(tagsAfterChanged).toEqual({ 'a+b': 'plus', 'a b': 'space' });
    expect(asSigned.status).toBe(204);
    expect(await tags()).toEqual({ 'a b': 'space' });
  });
});

describe('with AUTH=sigv4, hostile signature parts are refused, never a 500', () => {
  const path = () => `/clientcertificates/${id}`;
  const withSignedHeaders = (request: RawRequest, list: string): RawRequest => ({
    ...request,
    headers: {
      ...request.headers,
      authorization: String(request.headers!.authorization).replace(/SignedHeaders=[^,]+/, `SignedHeaders=${list}`),
    },
  });

  test.each([['x-absent'], ['constructor'], ['__proto__'], ['toString'], ['hasOwnProperty'], ['']])(
    'SignedHeaders naming %j is 403 InvalidSignatureException',
    async (name) => {
      const request = await signed(service.url, { path: path() }, { credentials });

      const response = await send(service.url, withSignedHeaders(request, `host;${name};x-amz-date`));

      expect(response.status).toBe(403);
      expect(response.headers['x-amzn-errortype']).toBe('InvalidSignatureException');
      expect(isAwsShapedError(response)).toBe(true);
    },
  );

  test('a presigned URL may live a week, and no longer: X-Amz-Expires over 604800 is 403 saying so', async () => {
    const week = await presigned(service.url, { path: path() }, { credentials }, MAX_PRESIGNED_SECONDS);

    const ok = await send(service.url, week);
    const longer = await send(service.url, {
      ...week,
      path: week.path.replace(`X-Amz-Expires=${MAX_PRESIGNED_SECONDS}`, `X-Amz-Expires=${MAX_PRESIGNED_SECONDS + 1}`),
    });

    expect(ok.status).toBe(200);
    expect(longer.status).toBe(403);
    expect(longer.headers['x-amzn-errortype']).toBe('InvalidSignatureException');
    expect(longer.json).toEqual({
      message: 'X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds',
    });
  });

  test('a Credential scope dated another day than X-Amz-Date is 403 saying which dates differ', async () => {
    const request = await signed(service.url, { path: path() }, { credentials });
    const amzDate = String(request.headers!['x-amz-date']);

    const response = await send(service.url, {
      ...request,
      headers: {
        ...request.headers,
        authorization: String(request.headers!.authorization).replace(`/${amzDate.slice(0, 8)}/`, '/20200101/'),
      },
    });

    expect(response.status).toBe(403);
    expect(response.json).toEqual({
      message: `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20200101' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    });
  });
});

describe('with AUTH=sigv4, a signed request changed in any way after signing', () => {
  /** Changes that must each break the signature (or leave no route): none may get in. */
  const mutations: Record<string, (r: RawRequest & { headers: Record<string, string> }) => RawRequest> = {
    'a signature character': (r) => ({
      ...r,
      headers: {
        ...r.headers,
        authorization: r.headers.authorization!.replace(/Signature=(.)/, (_, c: string) => `Signature=${c === 'a' ? 'b' : 'a'}`),
      },
    }),
    'the date by a second': (r) => ({
      ...r,
      headers: { ...r.headers, 'x-amz-date': r.headers['x-amz-date']!.replace(/\d(Z)$/, (d) => `${(Number(d[0]) + 1) % 10}Z`) },
    }),
    'the scope region': (r) => ({
      ...r,
      headers: { ...r.headers, authorization: r.headers.authorization!.replace('/us-east-1/', '/eu-west-1/') },
    }),
    'the access key': (r) => ({
      ...r,
      headers: { ...r.headers, authorization: r.headers.authorization!.replace(credentials.accessKeyId, `${credentials.accessKeyId}X`) },
    }),
    'the path': (r) => ({ ...r, path: r.path.replace(id, 'zzzzzz') }),
    'the query': (r) => ({ ...r, path: `${r.path}?extra=1` }),
    'the body': (r) => ({ ...r, body: String(r.body).replace('original', 'originaL') }),
    'the content type': (r) => ({ ...r, headers: { ...r.headers, 'content-type': 'text/plain' } }),
    'the host': (r) => ({ ...r, headers: { ...r.headers, host: 'localhost:1' } }),
    'the signed header list': (r) => ({
      ...r,
      headers: { ...r.headers, authorization: r.headers.authorization!.replace('SignedHeaders=', 'SignedHeaders=x-extra;') },
    }),
    'the algorithm': (r) => ({
      ...r,
      headers: { ...r.headers, authorization: r.headers.authorization!.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA1') },
    }),
  };

  test('is refused in the API error shape, and changes nothing', async () => {
    const original = (await signed(
      service.url,
      {
        method: 'PATCH',
        path: `/clientcertificates/${id}`,
        headers: { 'content-type': 'application/json' },
        // Sets what is already there: the unchanged request, sent last, must get in and change nothing either.
        body: JSON.stringify(replaceDescription('original')),
      },
      { credentials },
    )) as RawRequest & { headers: Record<string, string> };
    let tried = 0;

    await fc.assert(
      fc.asyncProperty(fc.subarray(Object.keys(mutations), { minLength: 1 }), fc.string({ maxLength: 300 }), async (names, garbage) => {
        tried++;
        const mutated = names.reduce((request, name) => mutations[name]!(request as typeof original), original as RawRequest);
        const withGarbage = {
          ...original,
          headers: { ...original.headers, authorization: `AWS4-HMAC-SHA256 ${garbage.replace(/[^\x20-\x7e]/g, '')}` },
        };
        for (const request of [mutated, withGarbage]) {
          const response = await send(service.url, request);
          expect([403, 404]).toContain(response.status);
          expect(isAwsShapedError(response)).toBe(true);
        }
      }),
      { seed: 20261127, numRuns: 100 },
    );

    expect(tried).toBe(100);
    expect(await description()).toBe('original');
    expect((await send(service.url, original)).status).toBe(200);
  });
});

describe('with AUTH=sigv4, the real AWS CLI v2', () => {
  const run = promisify(execFile);
  const cli = (keys: typeof credentials) =>
    run(
      '/usr/bin/aws',
      ['apigateway', 'get-client-certificate', '--client-certificate-id', id, '--endpoint-url', service.url, '--region', region],
      {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          AWS_ACCESS_KEY_ID: keys.accessKeyId,
          AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
          AWS_MAX_ATTEMPTS: '1',
          AWS_PAGER: '',
        },
      },
    );

  test('with the right keys gets the certificate', async () => {
    const { stdout } = await cli(credentials);

    expect(JSON.parse(stdout)).toMatchObject({ clientCertificateId: id, description: 'original' });
  });

  test('with the wrong secret exits 254 naming InvalidSignatureException', async () => {
    const error = await rejection(cli({ ...credentials, secretAccessKey: 'wrong' }));

    expect(error).toMatchObject({ code: 254 });
    expect((error as unknown as { stderr: string }).stderr).toContain(
      '(InvalidSignatureException) when calling the GetClientCertificate operation',
    );
  });
});

describe('the signing service is a setting', () => {
  test('a verifier for execute-api accepts requests signed for execute-api and refuses apigateway ones', async () => {
    const verify = sigv4Verifier({ credentials, service: 'execute-api' });
    const forExecuteApi = await signed(service.url, { path: '/clientcertificates' }, { credentials, service: 'execute-api' });
    const forApiGateway = await signed(service.url, { path: '/clientcertificates' }, { credentials });
    const received = (r: typeof forExecuteApi) => ({
      method: 'GET',
      target: r.path,
      headers: lowerCased(r.headers!),
      body: Buffer.alloc(0),
    });

    expect(await verify(received(forExecuteApi))).toBeUndefined();
    expect((await verify(received(forApiGateway)))?.message).toBe("Credential should be scoped to correct service: 'execute-api'. ");
  });
});

const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

const lowerCased = (headers: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), String(value)]));
