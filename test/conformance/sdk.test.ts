import { X509Certificate } from 'node:crypto';
import type { ClientCertificate, PatchOperation, TagResourceCommandInput, UntagResourceCommandInput } from '@aws-sdk/client-api-gateway';
import {
  type APIGatewayClient,
  APIGatewayServiceException,
  BadRequestException,
  DeleteClientCertificateCommand,
  GenerateClientCertificateCommand,
  GetClientCertificateCommand,
  GetClientCertificatesCommand,
  GetTagsCommand,
  NotFoundException,
  paginateGetClientCertificates,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateClientCertificateCommand,
} from '@aws-sdk/client-api-gateway';
import { failureOf, listedIds, occurrences, resource, tagsOf } from '../support/sdk.js';
import type { ConformanceTarget } from '../support/target.js';
import { certificateArn, errorTypeOf, openTarget, settings, testUnlessApiGateway } from '../support/target.js';

/**
 * The real AWS SDK v3 against the conformance target: what a user of `@aws-sdk/client-api-gateway`
 * sees, down to the error classes it picks from `x-amzn-ErrorType`. The whole ClientCertificate
 * lifecycle, then each operation on its own, every error type the API documents provoked and checked
 * by the class and message the SDK reports, and the wire below the SDK.
 *
 * Not here: what only holds under concurrency (concurrency.test.ts); LimitExceededException
 * (quota.test.ts, which needs a small quota set before the handlers load); TooManyRequestsException and
 * ServiceUnavailableException (test/lambda/store/dynamodb-store.failures.test.ts, which can make the
 * store throttle or vanish).
 */

const REGION = settings.region;
/** A region other than the target's, for ARNs that must name nothing there. */
const OTHER_REGION = REGION === 'eu-west-1' ? 'eu-central-1' : 'eu-west-1';
const YEAR_MS = 365 * 24 * 60 * 60 * 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const UNKNOWN_ID = 'zzzzzz';
const ENUM = '[add, remove, move, test, replace, copy]';
const INVALID_ID = 'Invalid ClientCertificate identifier specified';
const INVALID_RESOURCE = 'Invalid resource identifier specified';
const INVALID_LIMIT = 'Invalid limit: must be an integer';
const INVALID_POSITION = 'Invalid position specified';
const TAG_CHARACTERS = 'letters, numbers, spaces and + - = . _ : / @';
const missingMember = (at: string) =>
  `1 validation error detected: Value null at '${at}' failed to satisfy constraint: Member must not be null`;

let target: ConformanceTarget;
let client: APIGatewayClient;

const newClient = () => target.sdkClient();

beforeAll(async () => {
  target = await openTarget();
  client = newClient();
});

afterAll(async () => {
  client?.destroy();
  await target?.close();
});

const generate = (input: { description?: string; tags?: Record<string, string> } = {}) =>
  client.send(new GenerateClientCertificateCommand(input));

const get = (clientCertificateId: string) => client.send(new GetClientCertificateCommand({ clientCertificateId }));

const update = (clientCertificateId: string, patchOperations?: PatchOperation[]) =>
  client.send(new UpdateClientCertificateCommand({ clientCertificateId, patchOperations }));

const describeAs = (clientCertificateId: string, description: string) =>
  update(clientCertificateId, [{ op: 'replace', path: '/description', value: description }]);

const remove = (clientCertificateId: string) => client.send(new DeleteClientCertificateCommand({ clientCertificateId }));

const enumError = (value: string, index: number): string =>
  `Value '${value}' at 'updateClientCertificateInput.patchOperations.${index}.member.op' failed to satisfy constraint: Member must satisfy enum value set: ${ENUM}`;

/** Each step builds on the one before: one certificate, from birth to 404. */
describe('the lifecycle of one certificate', () => {
  const tags = { team: 'payments', env: 'test', 'cost-center': '42' };
  let generated: ClientCertificate;
  let id: string;
  const siblings: string[] = [];

  test('GenerateClientCertificate with tags answers 201 and echoes description and tags', async () => {
    const output = await generate({ description: 'lifecycle', tags });

    expect(output.$metadata.httpStatusCode).toBe(201);
    expect(output.clientCertificateId).toMatch(/^[a-z0-9]{6}$/);
    expect(output.description).toBe('lifecycle');
    expect(output.tags).toEqual(tags);
    generated = resource(output);
    id = output.clientCertificateId!;
  });

  test('GetClientCertificate returns it exactly as generated, tags included', async () => {
    const output = await get(id);

    expect(output.$metadata.httpStatusCode).toBe(200);
    expect(resource(output)).toEqual(generated);
  });

  test('paginateGetClientCertificates with pageSize 2 walks several pages and lists every certificate once', async () => {
    for (let i = 0; i < 4; i++) siblings.push((await generate({ description: `sibling ${i}` })).clientCertificateId!);
    const pages: number[] = [];
    const ids: string[] = [];
    let lifecycleItem: ClientCertificate | undefined;

    for await (const page of paginateGetClientCertificates({ client, pageSize: 2 }, {})) {
      pages.push(page.items?.length ?? 0);
      for (const item of page.items ?? []) {
        ids.push(item.clientCertificateId!);
        if (item.clientCertificateId === id) lifecycleItem = item;
      }
    }

    expect(pages.length).toBe(3);
    expect(pages.every((n) => n <= 2)).toBe(true);
    expect(ids).toHaveLength(5);
    for (const expected of [id, ...siblings]) expect(occurrences(ids, expected)).toBe(1);
    expect(lifecycleItem).toEqual(generated);
  });

  test('UpdateClientCertificate replaces the description; GetClientCertificate sees it', async () => {
    const output = await describeAs(id, 'lifecycle, renamed');

    expect(output.$metadata.httpStatusCode).toBe(200);
    expect(resource(output)).toEqual({ ...generated, description: 'lifecycle, renamed' });
    expect(resource(await get(id))).toEqual({ ...generated, description: 'lifecycle, renamed' });
  });

  test('TagResource on the ARN answers 204, adds new keys and overwrites existing ones', async () => {
    const output = await client.send(
      new TagResourceCommand({ resourceArn: certificateArn(id), tags: { env: 'prod', owner: 'alice', tier: '1' } }),
    );

    expect(output.$metadata.httpStatusCode).toBe(204);
    expect(await tagsOf(client, id)).toEqual({ team: 'payments', env: 'prod', 'cost-center': '42', owner: 'alice', tier: '1' });
  });

  test('UntagResource with two keys answers 204 and removes exactly those two', async () => {
    const output = await client.send(new UntagResourceCommand({ resourceArn: certificateArn(id), tagKeys: ['owner', 'team'] }));

    expect(output.$metadata.httpStatusCode).toBe(204);
    expect(await tagsOf(client, id)).toEqual({ env: 'prod', 'cost-center': '42', tier: '1' });
  });

  test('GetTags and GetClientCertificate agree on the tags; the tag calls changed nothing else', async () => {
    const output = await client.send(new GetTagsCommand({ resourceArn: certificateArn(id) }));

    expect(output.$metadata.httpStatusCode).toBe(200);
    expect(output.tags).toEqual({ env: 'prod', 'cost-center': '42', tier: '1' });
    expect(resource(await get(id))).toEqual({ ...generated, description: 'lifecycle, renamed', tags: output.tags });
  });

  test('DeleteClientCertificate answers 202 with nothing but metadata', async () => {
    const output = await remove(id);

    expect(output.$metadata.httpStatusCode).toBe(202);
    expect(Object.keys(output)).toEqual(['$metadata']);
  });

  test.each([
    ['GetClientCertificate', () => get(id)],
    ['UpdateClientCertificate', () => describeAs(id, 'too late')],
    ['DeleteClientCertificate', () => remove(id)],
    ['GetTags', () => client.send(new GetTagsCommand({ resourceArn: certificateArn(id) }))],
    ['TagResource', () => client.send(new TagResourceCommand({ resourceArn: certificateArn(id), tags: { a: 'b' } }))],
    ['UntagResource', () => client.send(new UntagResourceCommand({ resourceArn: certificateArn(id), tagKeys: ['env'] }))],
  ])('after the delete, %s is NotFoundException (404)', async (_, call) => {
    const error = await failureOf(call());

    expect(error).toBeInstanceOf(NotFoundException);
    expect(error.$metadata.httpStatusCode).toBe(404);
    expect(error.message).toBe(INVALID_ID);
  });

  test('after the delete, the list no longer has it, and still has the others once each', async () => {
    const ids = await listedIds(client, 2);

    expect(ids).not.toContain(id);
    for (const sibling of siblings) expect(occurrences(ids, sibling)).toBe(1);
    await Promise.all(siblings.map((sibling) => remove(sibling)));
  });
});

describe('GenerateClientCertificate', () => {
  test('answers 201 with a new certificate the SDK reads as a ClientCertificate', async () => {
    const before = Math.floor(Date.now() / 1000) * 1000;

    const output = await generate({ description: 'conformance: generate' });

    const after = Date.now();
    expect(output.$metadata.httpStatusCode).toBe(201);
    expect(output.clientCertificateId).toMatch(/^[a-z0-9]{6}$/);
    expect(output.description).toBe('conformance: generate');
    // API Gateway leaves tags out of a creation's answer when there are none, as for API keys and usage plans.
    expect(output.tags).toBeUndefined();
    expect(output.createdDate).toBeInstanceOf(Date);
    expect(output.expirationDate).toBeInstanceOf(Date);
    expect(output.createdDate!.getTime()).toBeGreaterThanOrEqual(before);
    expect(output.createdDate!.getTime()).toBeLessThanOrEqual(after);
    expect(output.expirationDate!.getTime() - output.createdDate!.getTime()).toBe(YEAR_MS);
  });

  test('issues a self-signed RSA-2048 X.509 certificate valid exactly from createdDate to expirationDate', async () => {
    const output = await generate();

    const pem = output.pemEncodedCertificate!;
    expect(pem.match(/-----BEGIN [A-Z ]+-----/g)).toEqual(['-----BEGIN CERTIFICATE-----']);
    const certificate = new X509Certificate(pem);
    expect(certificate.publicKey.asymmetricKeyType).toBe('rsa');
    expect(certificate.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    // Self-signed: issued by its own subject and signed with its own key. (checkIssued would be
    // false: OpenSSL wants keyCertSign there, which a client certificate rightly lacks.)
    expect(certificate.issuer).toBe(certificate.subject);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(certificate.validFromDate).toEqual(output.createdDate);
    expect(certificate.validToDate).toEqual(output.expirationDate);
    expect(JSON.stringify(output)).not.toMatch(/PRIVATE KEY/);
  });

  test('omits the description when none is given and echoes the tags it was given', async () => {
    const output = await generate({ tags: { team: 'payments', 'cost:center': '42' } });

    expect(output.description).toBeUndefined();
    expect(output.tags).toEqual({ team: 'payments', 'cost:center': '42' });
  });

  test('keeps an empty tag value: Generate, Get, TagResource and GetTags round-trip it', async () => {
    const output = await generate({ tags: { empty: '' } });
    await client.send(new TagResourceCommand({ resourceArn: certificateArn(output.clientCertificateId!), tags: { alsoEmpty: '' } }));

    expect(output.tags).toEqual({ empty: '' });
    expect((await get(output.clientCertificateId!)).tags).toEqual({ empty: '', alsoEmpty: '' });
    expect(await tagsOf(client, output.clientCertificateId!)).toEqual({ empty: '', alsoEmpty: '' });
  });

  test('issues distinct ids and certificates', async () => {
    const [a, b] = await Promise.all([generate(), generate()]);

    expect(a.clientCertificateId).not.toBe(b.clientCertificateId);
    expect(a.pemEncodedCertificate).not.toBe(b.pemEncodedCertificate);
  });
});

describe('UpdateClientCertificate', () => {
  test('replace /description returns the updated certificate and persists it; nothing else changes', async () => {
    const generated = await generate({ description: 'before' });

    const output = await update(generated.clientCertificateId!, [{ op: 'replace', path: '/description', value: 'after' }]);

    expect(output.$metadata.httpStatusCode).toBe(200);
    // Generate left out the tags it did not have; Update shows them as {}, as API Gateway answers for usage plans.
    expect(resource(output)).toEqual({ ...resource(generated), description: 'after', tags: {} });
    expect(resource(await get(generated.clientCertificateId!))).toEqual(resource(output));
  });

  test('sets a description on a certificate generated without one', async () => {
    const generated = await generate();

    const output = await update(generated.clientCertificateId!, [{ op: 'replace', path: '/description', value: 'now described' }]);

    expect(output.description).toBe('now described');
  });

  test('applies operations in list order: the last replace wins', async () => {
    const generated = await generate({ description: 'original' });

    const output = await update(generated.clientCertificateId!, [
      { op: 'replace', path: '/description', value: 'first' },
      { op: 'replace', path: '/description', value: 'second' },
    ]);

    expect(output.description).toBe('second');
    expect((await get(generated.clientCertificateId!)).description).toBe('second');
  });

  // An empty description is left out, as API Gateway leaves out a model's emptied one.
  test.each([[undefined], ['']])('replace /description with value %p clears it: the description is left out', async (value) => {
    const generated = await generate({ description: 'to be cleared' });

    const output = await update(generated.clientCertificateId!, [{ op: 'replace', path: '/description', value }]);

    expect(output.description).toBeUndefined();
    expect((await get(generated.clientCertificateId!)).description).toBeUndefined();
  });

  // As API Gateway answers it for a RestApi's description (docs/fidelity.md).
  test('remove /description clears it: the description is left out, the rest unchanged', async () => {
    const generated = await generate({ description: 'to be removed', tags: { kept: 'yes' } });

    const output = await update(generated.clientCertificateId!, [{ op: 'remove', path: '/description' }]);

    expect(output.description).toBeUndefined();
    expect(resource(await get(generated.clientCertificateId!))).toEqual({ ...resource(generated), description: undefined });
  });

  test('an empty patchOperations list answers 200 with the certificate unchanged', async () => {
    const generated = await generate({ description: 'untouched', tags: { untouched: 'yes' } });

    const output = await update(generated.clientCertificateId!, []);

    expect(output.$metadata.httpStatusCode).toBe(200);
    expect(resource(output)).toEqual(resource(generated));
    expect(resource(await get(generated.clientCertificateId!))).toEqual(resource(generated));
  });

  test('accepts a description of exactly 125000 characters, even of multi-byte characters', async () => {
    const generated = await generate();
    const description = '€'.repeat(125_000);

    const output = await update(generated.clientCertificateId!, [{ op: 'replace', path: '/description', value: description }]);

    expect(output.description).toBe(description);
    expect((await get(generated.clientCertificateId!)).description).toBe(description);
  });

  test('the largest certificate the tag and description rules allow is stored whole', async () => {
    // 50 maximal tags plus 125000 three-byte characters: about 394 KB, just inside DynamoDB's 400 KB item.
    const tags = Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [`${String(i).padStart(3, '0')}${'k'.repeat(125)}`, 'v'.repeat(256)]),
    );
    const generated = resource(await generate({ description: 'small', tags }));

    const updated = resource(
      await update(generated.clientCertificateId!, [{ op: 'replace', path: '/description', value: '€'.repeat(125_000) }]),
    );

    expect(updated.description).toHaveLength(125_000);
    expect(resource(await get(generated.clientCertificateId!))).toEqual(updated);
  });

  test('successful responses carry a UUID request id too', async () => {
    const generated = await generate();

    const output = await update(generated.clientCertificateId!, []);

    expect(generated.$metadata.requestId).toMatch(UUID);
    expect(output.$metadata.requestId).toMatch(UUID);
  });
});

describe('errors, by the class and message the SDK reports', () => {
  let id: string;

  beforeAll(async () => {
    id = (await generate({ description: 'errors', tags: { keep: 'me' } })).clientCertificateId!;
  });

  describe('BadRequestException (400)', () => {
    test.each(['abc', '1.5'])('GetClientCertificates with limit %p, not an integer', async (limit) => {
      // The SDK serializes whatever it is given with toString(), so non-numbers reach the wire too.
      const error = await failureOf(client.send(new GetClientCertificatesCommand({ limit: limit as unknown as number })));

      expect(error).toBeInstanceOf(BadRequestException);
      expect(error.$metadata.httpStatusCode).toBe(400);
      expect(error.message).toBe(INVALID_LIMIT);
    });

    test.each([1, 500])('GetClientCertificates accepts the boundary limit %p', async (limit) => {
      const output = await client.send(new GetClientCertificatesCommand({ limit }));

      expect(output.$metadata.httpStatusCode).toBe(200);
      expect(output.items!.length).toBeGreaterThanOrEqual(1);
      expect(output.items!.length).toBeLessThanOrEqual(limit);
    });

    // As API Gateway answers (GetApiKeys with limit -1: 200; GetUsage up to 2^31-1): no error.
    test.each([0, -1, 501, 1000, 2147483647])('GetClientCertificates accepts limit %p outside 1 to 500', async (limit) => {
      const output = await client.send(new GetClientCertificatesCommand({ limit }));

      expect(output.$metadata.httpStatusCode).toBe(200);
      expect(output.items!.map((c) => c.clientCertificateId)).toContain(id);
    });

    test.each([
      ['garbled', 'not a position!'],
      ['empty', ''],
      ['standard base64 of plain text', Buffer.from('hello, world').toString('base64')],
      ['base64url of a JSON object', Buffer.from(JSON.stringify({ after: 'abcdef' })).toString('base64url')],
      ['base64url of another version', Buffer.from(JSON.stringify(['v2', 'abcdef'])).toString('base64url')],
      ['base64url naming an id no certificate can have', Buffer.from(JSON.stringify(['v1', 'ABC!'])).toString('base64url')],
      ['a real one with a character prepended', `X${Buffer.from(JSON.stringify(['v1', 'abcdef'])).toString('base64url')}`],
    ])('GetClientCertificates with a position that is %s', async (_, position) => {
      const error = await failureOf(client.send(new GetClientCertificatesCommand({ position })));

      expect(error).toBeInstanceOf(BadRequestException);
      expect(error.$metadata.httpStatusCode).toBe(400);
      expect(error.message).toBe(INVALID_POSITION);
    });

    const badKey = (key: string) => `Invalid tag key '${key}': 1 to 128 characters from ${TAG_CHARACTERS}`;
    const badValue = (key: string) => `Invalid tag value for key '${key}': at most 256 characters from ${TAG_CHARACTERS}`;

    test.each([
      ['reserved prefix', { 'aws:x': 'y' }, "Invalid tag key. Tag keys cannot start with 'aws:' (case insensitive)"],
      ['reserved prefix in capitals', { 'AWS:x': 'y' }, "Invalid tag key. Tag keys cannot start with 'aws:' (case insensitive)"],
      ['key of 129 characters', { ['k'.repeat(129)]: 'v' }, badKey('k'.repeat(129))],
      ['key with a character outside the set', { 'a#b': 'v' }, badKey('a#b')],
      ['value of 257 characters', { k: 'v'.repeat(257) }, badValue('k')],
      ['value with a character outside the set', { k: 'a;b' }, badValue('k')],
    ])('GenerateClientCertificate and TagResource with a tag %s; nothing is written', async (_, tags, message) => {
      const listedBefore = await listedIds(client);

      const onGenerate = await failureOf(generate({ tags }));
      const onTag = await failureOf(client.send(new TagResourceCommand({ resourceArn: certificateArn(id), tags })));

      for (const error of [onGenerate, onTag]) {
        expect(error).toBeInstanceOf(BadRequestException);
        expect(error.$metadata.httpStatusCode).toBe(400);
        expect(error.message).toBe(message);
      }
      expect(await listedIds(client)).toEqual(listedBefore);
      expect(await tagsOf(client, id)).toEqual({ keep: 'me' });
    });

    test('tags at the limits are accepted: a 128-character key, a 256-character value, every allowed character', async () => {
      const tags = { ['k'.repeat(128)]: 'v'.repeat(256), 'aA0+-=._:/ @': 'aA0+-=._:/ @', 'équipe 東京': 'données ٣' };

      await client.send(new TagResourceCommand({ resourceArn: certificateArn(id), tags }));

      expect(await tagsOf(client, id)).toEqual({ keep: 'me', ...tags });
      await client.send(new UntagResourceCommand({ resourceArn: certificateArn(id), tagKeys: Object.keys(tags) }));
    });

    test('a 51st tag is a BadRequestException', async () => {
      const tags = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));

      const error = await failureOf(generate({ description: 'too many tags', tags }));

      expect(error).toBeInstanceOf(BadRequestException);
      expect(error.message).toBe('Too many tags: a resource can have at most 50 tags');
    });
  });

  // The API Gateway model declares no ValidationException shape, so the SDK has no class for it: it
  // reports the base APIGatewayServiceException named after x-amzn-ErrorType.
  describe('ValidationException (400)', () => {
    // The SDK does not check required members itself: it sends `{}` and no tagKeys, as a user's
    // JavaScript (no type-checker) would, and reports what the service says.
    test('TagResource without tags', async () => {
      const error = await failureOf(client.send(new TagResourceCommand({ resourceArn: certificateArn(id) } as TagResourceCommandInput)));

      expect(error).toBeInstanceOf(APIGatewayServiceException);
      expect(error.name).toBe('ValidationException');
      expect(error.$metadata.httpStatusCode).toBe(400);
      expect(error.message).toBe(missingMember('tagResourceInput.tags'));
    });

    test('UntagResource without tagKeys', async () => {
      const error = await failureOf(
        client.send(new UntagResourceCommand({ resourceArn: certificateArn(id) } as UntagResourceCommandInput)),
      );

      expect(error).toBeInstanceOf(APIGatewayServiceException);
      expect(error.name).toBe('ValidationException');
      expect(error.$metadata.httpStatusCode).toBe(400);
      expect(error.message).toBe(missingMember('untagResourceInput.tagKeys'));
      expect(await tagsOf(client, id)).toEqual({ keep: 'me' });
    });
  });

  describe('NotFoundException (404)', () => {
    test.each([
      ['GetClientCertificate', () => get(UNKNOWN_ID)],
      ['UpdateClientCertificate', () => describeAs(UNKNOWN_ID, 'x')],
      ['DeleteClientCertificate', () => remove(UNKNOWN_ID)],
      ['GetTags', () => client.send(new GetTagsCommand({ resourceArn: certificateArn(UNKNOWN_ID) }))],
    ])('%s of an unknown certificate id', async (_, call) => {
      const error = await failureOf(call());

      expect(error).toBeInstanceOf(NotFoundException);
      expect(error.$metadata.httpStatusCode).toBe(404);
      expect(error.message).toBe(INVALID_ID);
    });

    const otherArns = [
      ['a REST API', certificateArn(UNKNOWN_ID).replace(`/clientcertificates/${UNKNOWN_ID}`, '/restapis/abc')],
      ['a certificate in another region', certificateArn(UNKNOWN_ID, OTHER_REGION)],
      ['another service', `arn:aws:lambda:${REGION}:000000000000:function:f`],
      ['no ARN at all', 'not-an-arn'],
    ];

    test.each(otherArns)('GetTags, TagResource and UntagResource on the ARN of %s', async (_, resourceArn) => {
      const errors = [
        await failureOf(client.send(new GetTagsCommand({ resourceArn }))),
        await failureOf(client.send(new TagResourceCommand({ resourceArn, tags: { a: 'b' } }))),
        await failureOf(client.send(new UntagResourceCommand({ resourceArn, tagKeys: ['a'] }))),
      ];

      for (const error of errors) {
        expect(error).toBeInstanceOf(NotFoundException);
        expect(error.$metadata.httpStatusCode).toBe(404);
        expect(error.message).toBe(INVALID_RESOURCE);
      }
    });

    test('an existing certificate, named with the ARN of another region, is not found either', async () => {
      const error = await failureOf(client.send(new GetTagsCommand({ resourceArn: certificateArn(id, OTHER_REGION) })));

      expect(error).toBeInstanceOf(NotFoundException);
      expect(error.message).toBe(INVALID_RESOURCE);
    });

    test('answers an id this service could never have issued with NotFoundException', async () => {
      const error = await failureOf(get('not/an:id'));

      expect(error).toBeInstanceOf(NotFoundException);
      expect(error.message).toBe(INVALID_ID);
    });
  });

  describe('UpdateClientCertificate refused: the certificate is left as it was', () => {
    let certificate: ClientCertificate;

    beforeAll(async () => {
      certificate = resource(await generate({ description: 'error cases', tags: { keep: 'me' } }));
    });

    /** Every failed update below must have written nothing. */
    afterEach(async () => {
      expect(resource(await get(certificate.clientCertificateId!))).toEqual(certificate);
    });

    test('an op outside the enum is a ValidationException (400) naming it, 1-based', async () => {
      const error = await failureOf(
        update(certificate.clientCertificateId!, [{ op: 'bogus' as PatchOperation['op'], path: '/description' }]),
      );

      expect(error).toBeInstanceOf(APIGatewayServiceException);
      expect(error.name).toBe('ValidationException');
      expect(error.$metadata.httpStatusCode).toBe(400);
      expect(error.message).toBe(`1 validation error detected: ${enumError('bogus', 1)}`);
    });

    test('every op outside the enum is reported together, joined by "; "', async () => {
      const error = await failureOf(
        update(certificate.clientCertificateId!, [
          { op: 'bogus' as PatchOperation['op'], path: '/description' },
          { op: 'replace', path: '/description', value: 'fine' },
          { op: 'REPLACE' as PatchOperation['op'], path: '/description' },
        ]),
      );

      expect(error.name).toBe('ValidationException');
      expect(error.message).toBe(`2 validation errors detected: ${enumError('bogus', 1)}; ${enumError('REPLACE', 3)}`);
    });

    test('op add is a BadRequestException naming the path and op (two spaces after "path")', async () => {
      const error = await failureOf(update(certificate.clientCertificateId!, [{ op: 'add', path: '/description', value: 'x' }]));

      expect(error).toBeInstanceOf(BadRequestException);
      expect(error.$metadata.httpStatusCode).toBe(400);
      expect(error.message).toBe("Invalid patch path  '/description' specified for op 'add'. Please choose supported operations");
    });

    test('replace /tags is a BadRequestException listing the one updatable path', async () => {
      const error = await failureOf(update(certificate.clientCertificateId!, [{ op: 'replace', path: '/tags', value: 'x' }]));

      expect(error).toBeInstanceOf(BadRequestException);
      expect(error.message).toBe("Invalid patch path  '/tags' specified for op 'replace'. Must be one of: [/description]");
    });

    test('replace of a read-only field (/expirationDate) is a BadRequestException', async () => {
      const error = await failureOf(update(certificate.clientCertificateId!, [{ op: 'replace', path: '/expirationDate', value: '0' }]));

      expect(error).toBeInstanceOf(BadRequestException);
      expect(error.message).toBe("Invalid patch path  '/expirationDate' specified for op 'replace'. Must be one of: [/description]");
    });

    test('an operation without a path is a BadRequestException "Invalid patch path null"', async () => {
      const error = await failureOf(update(certificate.clientCertificateId!, [{ op: 'replace', value: 'x' }]));

      expect(error).toBeInstanceOf(BadRequestException);
      expect(error.message).toBe('Invalid patch path null');
    });

    test('one bad operation rejects the whole request, the valid ones before it included', async () => {
      const error = await failureOf(
        update(certificate.clientCertificateId!, [
          { op: 'replace', path: '/description', value: 'must not be written' },
          { op: 'add', path: '/description', value: 'x' },
        ]),
      );

      expect(error).toBeInstanceOf(BadRequestException);
      expect(error.message).toBe("Invalid patch path  '/description' specified for op 'add'. Please choose supported operations");
    });

    test('a description over 125000 characters is a BadRequestException', async () => {
      const error = await failureOf(
        update(certificate.clientCertificateId!, [{ op: 'replace', path: '/description', value: 'x'.repeat(125_001) }]),
      );

      expect(error).toBeInstanceOf(BadRequestException);
      expect(error.message).toBe('Invalid ClientCertificate description specified.');
    });

    test('op enum validation comes before the lookup: unknown id with a bad op is a ValidationException', async () => {
      const error = await failureOf(update(UNKNOWN_ID, [{ op: 'bogus' as PatchOperation['op'], path: '/description' }]));

      expect(error.name).toBe('ValidationException');
      expect(error.message).toBe(`1 validation error detected: ${enumError('bogus', 1)}`);
    });

    test('the lookup comes before the per-operation check: unknown id with op add is a NotFoundException', async () => {
      const error = await failureOf(update(UNKNOWN_ID, [{ op: 'add', path: '/description', value: 'x' }]));

      expect(error).toBeInstanceOf(NotFoundException);
    });

    test('every error names its request with a UUID request id', async () => {
      const errors = await Promise.all([
        failureOf(get(UNKNOWN_ID)),
        failureOf(update(UNKNOWN_ID, [])),
        failureOf(update(certificate.clientCertificateId!, [{ op: 'bogus' as PatchOperation['op'] }])),
        failureOf(update(certificate.clientCertificateId!, [{ op: 'add', path: '/description' }])),
      ]);

      const requestIds = errors.map((error) => error.$metadata.requestId);
      for (const requestId of requestIds) expect(requestId).toMatch(UUID);
      expect(new Set(requestIds).size).toBe(requestIds.length);
    });
  });
});

describe('the wire, below the SDK', () => {
  const patch = (id: string, body: string | undefined) =>
    target.fetch(`/clientcertificates/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      ...(body === undefined ? {} : { body }),
    });

  /** A certificate tagged `keep: me`, for the tags paths. */
  let id: string;

  beforeAll(async () => {
    id = (await generate({ description: 'the wire', tags: { keep: 'me' } })).clientCertificateId!;
  });

  test('GenerateClientCertificate sends exactly the documented members, dates as integer epoch seconds, no key', async () => {
    const response = await target.fetch('/clientcertificates', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ description: 'raw' }),
    });

    const text = await response.text();
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('x-amzn-RequestId')).toMatch(UUID);
    expect(text).not.toMatch(/PRIVATE/i);
    const body = JSON.parse(text) as Record<string, unknown>;
    // No tags given, no `tags` member: as API Gateway answers the creation of its sibling resources.
    expect(Object.keys(body).sort()).toEqual(
      ['clientCertificateId', 'createdDate', 'description', 'expirationDate', 'pemEncodedCertificate'].sort(),
    );
    expect(Number.isInteger(body.createdDate)).toBe(true);
    expect(body.expirationDate).toBe((body.createdDate as number) + 31_536_000);
  });

  test('malformed JSON to PATCH is a 400 BadRequestException with a {"message"} body', async () => {
    const { clientCertificateId } = await generate({ description: 'malformed' });

    const response = await patch(clientCertificateId!, '{"patchOperations": [');

    expect(response.status).toBe(400);
    expect(errorTypeOf(response.headers.get('x-amzn-ErrorType'))).toBe('BadRequestException');
    expect(response.headers.get('x-amzn-RequestId')).toMatch(UUID);
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['message']);
    expect(body.message).toEqual(expect.any(String));
    expect(body.message).not.toBe('');
  });

  test('a body that is not an object, or a patchOperations that is not a list of objects, is a BadRequestException', async () => {
    const { clientCertificateId } = await generate({ description: 'wrong shapes' });

    const responses = await Promise.all(
      ['[]', '"text"', '{"patchOperations": {}}', '{"patchOperations": ["replace"]}', '{"patchOperations": [{"op": {}}]}'].map((body) =>
        patch(clientCertificateId!, body),
      ),
    );

    for (const response of responses) {
      expect(response.status).toBe(400);
      expect(errorTypeOf(response.headers.get('x-amzn-ErrorType'))).toBe('BadRequestException');
    }
  });

  test('a PATCH with no body or {} answers 200 with the certificate unchanged', async () => {
    const generated = await generate({ description: 'no body' });

    const [noBody, emptyObject] = await Promise.all([
      patch(generated.clientCertificateId!, undefined),
      patch(generated.clientCertificateId!, '{}'),
    ]);

    expect(noBody.status).toBe(200);
    expect(emptyObject.status).toBe(200);
    expect(((await noBody.json()) as { description?: string }).description).toBe('no body');
    expect(((await emptyObject.json()) as { description?: string }).description).toBe('no body');
  });

  testUnlessApiGateway('an unknown route is 404 {"message":"Not Found"}', async () => {
    const response = await target.fetch('/restapis');

    expect(response.status).toBe(404);
    expect(await response.text()).toBe('{"message":"Not Found"}');
  });

  test('the SDK percent-encodes the whole ARN into one path segment; the service decodes it', async () => {
    const paths: string[] = [];
    const spy = newClient();
    spy.middlewareStack.add(
      (next) => async (args) => {
        paths.push((args.request as { path: string }).path);
        return next(args);
      },
      { step: 'finalizeRequest' },
    );

    const output = await spy.send(new GetTagsCommand({ resourceArn: certificateArn(id) }));

    spy.destroy();
    // After the stage's path, if the target's URL has one.
    const base = new URL(target.url).pathname.replace(/\/$/, '');
    expect(paths).toEqual([`${base}/tags/${encodeURIComponent(certificateArn(id))}`]);
    expect(paths[0]).toContain(`%3Aapigateway%3A${REGION}%3A%3A%2Fclientcertificates%2F${id}`);
    expect(output.tags).toEqual({ keep: 'me' });
  });

  test('an ARN sent without percent-encoding, slashes and colons as they are, names the same certificate', async () => {
    const response = await target.fetch(`/tags/${certificateArn(id)}`, { headers: { accept: 'application/json' } });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ tags: { keep: 'me' } });
  });

  // Both keys match the tag rules (letters, numbers, spaces and + - = . _ : / @), so they are tags like
  // any other. Plain HTTP here, so no client-side object handling stands between test and service.
  test.each(['__proto__', 'constructor'])('a tag key named like a JavaScript built-in (%s) is an ordinary tag', async (key) => {
    const body = `{"tags":{"${key}":"v"}}`;
    const tagged = encodeURIComponent(certificateArn((await generate({ description: `tag key ${key}` })).clientCertificateId!));

    const headers = { accept: 'application/json' };
    const generated = await target.fetch('/clientcertificates', { method: 'POST', body, headers });
    const put = await target.fetch(`/tags/${tagged}`, { method: 'PUT', body, headers });
    const got = await target.fetch(`/tags/${tagged}`, { headers });

    expect([generated.status, put.status, got.status]).toEqual([201, 204, 200]);
    // JSON.parse keeps "__proto__" as an own key, so Object.keys sees it.
    expect(Object.keys(((await generated.json()) as { tags: object }).tags)).toEqual([key]);
    expect(Object.keys(((await got.json()) as { tags: object }).tags)).toEqual([key]);
  });
});
