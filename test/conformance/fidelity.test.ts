import { X509Certificate } from 'node:crypto';
import {
  APIGatewayClient,
  GenerateClientCertificateCommand,
  GetClientCertificateCommand,
  GetClientCertificatesCommand,
  GetTagsCommand,
  NotFoundException,
  TagResourceCommand,
  UpdateClientCertificateCommand,
} from '@aws-sdk/client-api-gateway';
import type { ChildService } from '../support/child-service.js';
import { spawnService } from '../support/child-service.js';
import { cliSkipReason, output, runAws, testIfCli } from '../support/cli.js';
import { send } from '../support/http.js';
import { failureOf } from '../support/sdk.js';
import type { ConformanceTarget } from '../support/target.js';
import { apiGatewayClientConfig, certificateArn, errorTypeOf, openTarget, testLocalOnly } from '../support/target.js';
import { skipMark } from '../support/target-settings.js';

/**
 * The behaviours docs/fidelity.md decides from recorded AWS answers, each seen as the AWS SDK, the
 * AWS CLI and a raw HTTP client see it. Where the CLI cannot show a behaviour, the table says why.
 */

const JSON_TYPE = 'application/json';
const BOOLEAN = 'class java.lang.Boolean can not be converted to an String';
const NUMBER = 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String';
/** `openssl x509 -text` of a real API Gateway client certificate: subject and issuer C=US, L=Seattle, CN=ApiGateway. */
const API_GATEWAY_NAME = 'C=US\nL=Seattle\nCN=ApiGateway';

let target: ConformanceTarget;
let client: APIGatewayClient;

beforeAll(async () => {
  target = await openTarget();
  client = target.sdkClient();
});

afterAll(async () => {
  client?.destroy();
  await target?.close();
});

const generate = (input: { description?: string; tags?: Record<string, string> } = {}) =>
  client.send(new GenerateClientCertificateCommand(input));

/** A raw request as an AWS SDK would send it: JSON body, `Accept: application/json`. */
const asSdk = (method: string, path: string, body?: unknown) =>
  target.request(path, {
    method,
    headers: { accept: JSON_TYPE, ...(body === undefined ? {} : { 'content-type': JSON_TYPE }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });

/** `testLocalOnly`'s signature, for a check the missing CLI skips. */
const skipForCli = (_: string, name: string, fn: jest.ProvidesCallback): void => test.skip(`${name}${skipMark(cliSkipReason!)}`, fn);

describe('1. the representation follows Accept: plain JSON only when it names application/json', () => {
  test('SDK: every request carries Accept: application/json, and the answer is plain JSON', async () => {
    const seen: { accept?: string; contentType?: string }[] = [];
    const spy = target.sdkClient();
    spy.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const request = args.request as { headers: Record<string, string> };
        const response = result.response as { headers: Record<string, string> };
        seen.push({ accept: request.headers.accept, contentType: response.headers['content-type'] });
        return result;
      },
      { step: 'finalizeRequest', name: 'fidelityAcceptSpy' },
    );

    const { clientCertificateId } = await spy.send(new GenerateClientCertificateCommand({}));
    await spy.send(new GetClientCertificateCommand({ clientCertificateId }));
    spy.destroy();

    expect(seen).toEqual([
      { accept: JSON_TYPE, contentType: JSON_TYPE },
      { accept: JSON_TYPE, contentType: JSON_TYPE },
    ]);
  });

  testIfCli('CLI: every request carries Accept: application/json (botocore add_accept_header)', async () => {
    const { clientCertificateId } = await generate();

    const result = await runAws(target, 'apigateway', 'get-client-certificate', '--client-certificate-id', clientCertificateId!, '--debug');

    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/Sending http request: .*'Accept': b'application\/json'/);
  });

  test('raw HTTP: no Accept and */* get HAL, Accept: application/json plain JSON (the rest is in hal.test.ts)', async () => {
    const { clientCertificateId } = await generate();
    const path = `/clientcertificates/${clientCertificateId}`;

    const [none, any, json] = await Promise.all([
      target.request(path),
      target.request(path, { headers: { accept: '*/*' } }),
      target.request(path, { headers: { accept: JSON_TYPE } }),
    ]);

    expect([none, any, json].map((r) => r.headers['content-type'])).toEqual(['application/hal+json', 'application/hal+json', JSON_TYPE]);
    expect(none.json).toHaveProperty('_links');
    expect(json.json).not.toHaveProperty('_links');
  });
});

describe('2. a boolean or a number where the model has a string is a SerializationException', () => {
  let id: string;

  beforeAll(async () => {
    id = (await generate({ description: 'serialization', tags: { keep: 'me' } })).clientCertificateId!;
  });

  test.each([
    ['Generate, a number as the description', () => generate({ description: 5 as unknown as string }), NUMBER],
    ['Generate, a boolean as a tag value', () => generate({ tags: { a: true as unknown as string } }), BOOLEAN],
    [
      'Update, a boolean as a patch value',
      () =>
        client.send(
          new UpdateClientCertificateCommand({
            clientCertificateId: id,
            patchOperations: [{ op: 'replace', path: '/description', value: true as unknown as string }],
          }),
        ),
      BOOLEAN,
    ],
    [
      'TagResource, a number as a tag value',
      () => client.send(new TagResourceCommand({ resourceArn: certificateArn(id), tags: { a: 1 as unknown as string } })),
      NUMBER,
    ],
  ])('SDK: %s', async (_, call, message) => {
    const error = await failureOf(call());

    expect(error.name).toBe('SerializationException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe(message);
    const { description, tags } = await client.send(new GetClientCertificateCommand({ clientCertificateId: id }));
    expect({ description, tags }).toEqual({ description: 'serialization', tags: { keep: 'me' } });
  });

  test('raw HTTP: 400, x-amzn-ErrorType SerializationException, the Java class named in message', async () => {
    const response = await asSdk('PATCH', `/clientcertificates/${id}`, {
      patchOperations: [{ op: 'replace', path: '/description', value: false }],
    });

    expect(response.status).toBe(400);
    expect(errorTypeOf(response.headers['x-amzn-errortype'])).toBe('SerializationException');
    expect(response.json).toEqual({ message: BOOLEAN });
  });
});

describe('3. any integer limit is answered with a page, as API Gateway answers', () => {
  beforeAll(async () => {
    await generate({ description: 'limit' });
  });

  test.each(['0', '-1', '501', '2147483647'])('raw HTTP: limit=%s is 200 with a page', async (limit) => {
    const response = await asSdk('GET', `/clientcertificates?limit=${limit}`);

    expect(response.status).toBe(200);
    expect((response.json as { item: unknown[] }).item.length).toBeGreaterThan(0);
  });

  test('raw HTTP: a limit that is not an integer stays a 400 BadRequestException (no record of AWS: our decision)', async () => {
    const response = await asSdk('GET', '/clientcertificates?limit=ten');

    expect(response.status).toBe(400);
    expect(errorTypeOf(response.headers['x-amzn-errortype'])).toBe('BadRequestException');
  });
});

describe('4. absent members: no tags and an empty description are left out where API Gateway leaves them out', () => {
  test('SDK: Generate answers no tags and no empty description; Get answers tags {}', async () => {
    const generated = await generate({ description: '' });
    const got = await client.send(new GetClientCertificateCommand({ clientCertificateId: generated.clientCertificateId }));

    expect(generated.tags).toBeUndefined();
    expect(generated.description).toBeUndefined();
    expect(got.tags).toEqual({});
    expect(got.description).toBeUndefined();
  });

  test('SDK: list items leave out tags they do not have and show the ones they have', async () => {
    const bare = await generate({ description: 'bare' });
    const tagged = await generate({ description: 'tagged', tags: { team: 'web' } });

    const { items = [] } = await client.send(new GetClientCertificatesCommand({ limit: 500 }));

    expect(items.find((c) => c.clientCertificateId === bare.clientCertificateId)?.tags).toBeUndefined();
    expect(items.find((c) => c.clientCertificateId === tagged.clientCertificateId)?.tags).toEqual({ team: 'web' });
  });

  testIfCli('CLI: generate prints no "tags" and no empty "description"; get prints "tags": {}', async () => {
    const generated = output(await runAws(target, 'apigateway', 'generate-client-certificate', '--description', ''));
    const got = output(
      await runAws(target, 'apigateway', 'get-client-certificate', '--client-certificate-id', generated.clientCertificateId as string),
    );

    expect(generated).not.toHaveProperty('tags');
    expect(generated).not.toHaveProperty('description');
    expect(got.tags).toEqual({});
  });

  test('raw HTTP: Generate sends no tags member; Get and Update send "tags": {}', async () => {
    const generated = await asSdk('POST', '/clientcertificates', {});
    const id = (generated.json as { clientCertificateId: string }).clientCertificateId;
    const got = await asSdk('GET', `/clientcertificates/${id}`);
    const updated = await asSdk('PATCH', `/clientcertificates/${id}`, { patchOperations: [{ op: 'replace', path: '/description' }] });

    expect(generated.json).not.toHaveProperty('tags');
    expect(got.json).toHaveProperty('tags', {});
    expect(updated.json).toHaveProperty('tags', {});
    expect(updated.json).not.toHaveProperty('description');
  });
});

describe('5. x-amzn-ErrorType', () => {
  // No recorded API Gateway error header was found; the SDKs and the CLI read the type before any
  // ':', so a `Type:http://internal.amazon.com/coral/...` suffix would change nothing for them.
  test('raw HTTP: the bare error type, with nothing after it (our decision: AWS may add a ":<namespace>" suffix)', async () => {
    const response = await asSdk('GET', '/clientcertificates/zzzzzz');

    expect(response.status).toBe(404);
    expect(response.headers['x-amzn-errortype']).toBe('NotFoundException');
  });

  test('SDK: the error class comes from the type, whatever follows it', async () => {
    const error = await failureOf(client.send(new GetClientCertificateCommand({ clientCertificateId: 'zzzzzz' })));

    expect(error).toBeInstanceOf(NotFoundException);
  });
});

describe("6. ARNs in the region's partition: arn:aws-cn: in China (a service of its own in cn-north-1)", () => {
  const REGION = 'cn-north-1';
  let china: ChildService | undefined;
  let chinaClient: APIGatewayClient | undefined;

  beforeAll(async () => {
    if (!target.local) return;
    china = await spawnService({ AWS_REGION: REGION, DATA_DIR: 'memory', POWERTOOLS_LOG_LEVEL: 'SILENT' });
    chinaClient = new APIGatewayClient(
      apiGatewayClientConfig({
        url: china.url,
        region: REGION,
        signing: 'none',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      }),
    );
  }, 90_000);

  afterAll(async () => {
    chinaClient?.destroy();
    await china?.stop();
  });

  testLocalOnly(
    'it needs a service in a China region',
    'SDK: TagResource and GetTags take the arn:aws-cn: ARN; an arn:aws: one names nothing',
    async () => {
      const { clientCertificateId } = await chinaClient!.send(new GenerateClientCertificateCommand({}));
      const arn = `arn:aws-cn:apigateway:${REGION}::/clientcertificates/${clientCertificateId}`;

      await chinaClient!.send(new TagResourceCommand({ resourceArn: arn, tags: { partition: 'aws-cn' } }));
      const { tags } = await chinaClient!.send(new GetTagsCommand({ resourceArn: arn }));
      const error = await failureOf(chinaClient!.send(new GetTagsCommand({ resourceArn: arn.replace('arn:aws-cn:', 'arn:aws:') })));

      expect(tags).toEqual({ partition: 'aws-cn' });
      expect(error).toBeInstanceOf(NotFoundException);
    },
  );

  testLocalOnly('it needs a service in a China region', 'raw HTTP: PUT and GET /tags take the arn:aws-cn: ARN', async () => {
    const post = { method: 'POST', headers: { accept: JSON_TYPE, 'content-type': JSON_TYPE } };
    const created = await send(china!.url, { ...post, path: '/clientcertificates', body: '{}' });
    const arn = encodeURIComponent(
      `arn:aws-cn:apigateway:${REGION}::/clientcertificates/${(created.json as { clientCertificateId: string }).clientCertificateId}`,
    );

    const put = await send(china!.url, { ...post, method: 'PUT', path: `/tags/${arn}`, body: '{"tags":{"k":"v"}}' });
    const got = await send(china!.url, { path: `/tags/${arn}`, headers: { accept: JSON_TYPE } });

    expect([put.status, got.status]).toEqual([204, 200]);
    expect(got.json).toEqual({ tags: { k: 'v' } });
  });

  (cliSkipReason === undefined ? testLocalOnly : skipForCli)(
    'it needs a service in a China region',
    'CLI: get-tags takes the arn:aws-cn: ARN',
    async () => {
      const chinaTarget = { ...target, url: china!.url, region: REGION, signing: 'none' } as ConformanceTarget;
      // Made by the CLI too, so that it is in the CLI's own account.
      const { clientCertificateId } = output(await runAws(chinaTarget, 'apigateway', 'generate-client-certificate', '--tags', 'k=v')) as {
        clientCertificateId: string;
      };

      const result = await runAws(
        chinaTarget,
        'apigateway',
        'get-tags',
        '--resource-arn',
        `arn:aws-cn:apigateway:${REGION}::/clientcertificates/${clientCertificateId}`,
      );

      expect(output(result)).toEqual({ tags: { k: 'v' } });
    },
  );
});

describe('8. tag characters: letters, numbers and spaces of any script, and + - = . _ : / @', () => {
  const UNICODE = { équipe: 'données', '部署 ２': '東京', κλειδί: '٣' };

  test('SDK: TagResource takes them and GetTags gives them back', async () => {
    const { clientCertificateId } = await generate();

    await client.send(new TagResourceCommand({ resourceArn: certificateArn(clientCertificateId!), tags: UNICODE }));

    expect((await client.send(new GetTagsCommand({ resourceArn: certificateArn(clientCertificateId!) }))).tags).toEqual(UNICODE);
  });

  testIfCli('CLI: tag-resource takes them and get-tags prints them', async () => {
    const { clientCertificateId } = await generate();
    const arn = certificateArn(clientCertificateId!);

    // JSON, not shorthand: the CLI's shorthand parser takes only ASCII keys.
    const tagged = await runAws(target, 'apigateway', 'tag-resource', '--resource-arn', arn, '--tags', JSON.stringify(UNICODE));

    expect(tagged.exitCode).toBe(0);
    expect(output(await runAws(target, 'apigateway', 'get-tags', '--resource-arn', arn))).toEqual({ tags: UNICODE });
  });

  test('raw HTTP: Generate with them answers 201 with them', async () => {
    const response = await asSdk('POST', '/clientcertificates', { tags: UNICODE });

    expect(response.status).toBe(201);
    expect((response.json as { tags: unknown }).tags).toEqual(UNICODE);
  });
});

describe('9. the certificate: subject and issuer C=US, L=Seattle, CN=ApiGateway; a 64-bit serial', () => {
  const expectApiGatewayCertificate = (pem: string) => {
    const certificate = new X509Certificate(pem);
    expect(certificate.subject).toBe(API_GATEWAY_NAME);
    expect(certificate.issuer).toBe(API_GATEWAY_NAME);
    // Positive and at most 8 bytes, as in the recorded 0x657277c1dd48d4d5.
    expect(certificate.serialNumber).toMatch(/^[0-7]?[0-9A-F]{1,15}$/);
    expect(certificate.ca).toBe(false);
  };

  test('SDK', async () => {
    expectApiGatewayCertificate((await generate()).pemEncodedCertificate!);
  });

  testIfCli('CLI', async () => {
    const generated = output(await runAws(target, 'apigateway', 'generate-client-certificate'));

    expectApiGatewayCertificate(generated.pemEncodedCertificate as string);
  });

  test('raw HTTP', async () => {
    const response = await asSdk('POST', '/clientcertificates');

    expectApiGatewayCertificate((response.json as { pemEncodedCertificate: string }).pemEncodedCertificate);
  });
});
