import type { ClientCertificate, TagResourceCommandInput, UntagResourceCommandInput } from '@aws-sdk/client-api-gateway';
import {
  APIGatewayClient,
  APIGatewayServiceException,
  BadRequestException,
  ConflictException,
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
import { failureOf, resource } from '../support/sdk.js';
import type { ConformanceTarget } from '../support/target.js';
import { certificateArn, openTarget, settings } from '../support/target.js';

/**
 * The whole ClientCertificate lifecycle through the real `@aws-sdk/client-api-gateway`, every error
 * type the API documents provoked and checked by the class and message the SDK reports, and the
 * promises that only hold under concurrency: paging while others change the collection, an update
 * racing a delete, concurrent tagging.
 *
 * Not here: LimitExceededException (quota.test.ts, which needs a small quota set before the handlers
 * load), TooManyRequestsException and ServiceUnavailableException (test/lambda/store/dynamodb-store.failures.test.ts,
 * which can make the store throttle or vanish).
 */

const REGION = settings.region;
/** A region other than the target's, for ARNs that must name nothing there. */
const OTHER_REGION = REGION === 'eu-west-1' ? 'eu-central-1' : 'eu-west-1';
const UNKNOWN_ID = 'zzzzzz';
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

const generate = (input: { description?: string; tags?: Record<string, string> } = {}, via = client) =>
  via.send(new GenerateClientCertificateCommand(input));

const get = (clientCertificateId: string) => client.send(new GetClientCertificateCommand({ clientCertificateId }));

const describeAs = (clientCertificateId: string, description: string, via = client) =>
  via.send(
    new UpdateClientCertificateCommand({
      clientCertificateId,
      patchOperations: [{ op: 'replace', path: '/description', value: description }],
    }),
  );

const remove = (clientCertificateId: string, via = client) =>
  via.send(new DeleteClientCertificateCommand({ clientCertificateId }));

const tagsOf = async (id: string) => (await client.send(new GetTagsCommand({ resourceArn: certificateArn(id) }))).tags;

/** Every id a full walk with the SDK paginator returns, in order, duplicates kept. */
const listedIds = async (pageSize = 100): Promise<string[]> => {
  const ids: string[] = [];
  for await (const page of paginateGetClientCertificates({ client, pageSize }, {})) {
    ids.push(...(page.items ?? []).map((c) => c.clientCertificateId!));
  }
  return ids;
};

const occurrences = (ids: readonly string[], id: string): number => ids.filter((x) => x === id).length;

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
    expect(await tagsOf(id)).toEqual({ team: 'payments', env: 'prod', 'cost-center': '42', owner: 'alice', tier: '1' });
  });

  test('UntagResource with two keys answers 204 and removes exactly those two', async () => {
    const output = await client.send(new UntagResourceCommand({ resourceArn: certificateArn(id), tagKeys: ['owner', 'team'] }));

    expect(output.$metadata.httpStatusCode).toBe(204);
    expect(await tagsOf(id)).toEqual({ env: 'prod', 'cost-center': '42', tier: '1' });
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
    const ids = await listedIds(2);

    expect(ids).not.toContain(id);
    for (const sibling of siblings) expect(occurrences(ids, sibling)).toBe(1);
    await Promise.all(siblings.map((sibling) => remove(sibling)));
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
      ['a real one with a character prepended', 'X' + Buffer.from(JSON.stringify(['v1', 'abcdef'])).toString('base64url')],
    ])('GetClientCertificates with a position that is %s', async (_, position) => {
      const error = await failureOf(client.send(new GetClientCertificatesCommand({ position })));

      expect(error).toBeInstanceOf(BadRequestException);
      expect(error.$metadata.httpStatusCode).toBe(400);
      expect(error.message).toBe(INVALID_POSITION);
    });

    const badKey = (key: string) => `Invalid tag key '${key}': 1 to 128 characters from ${TAG_CHARACTERS}`;
    const badValue = (key: string) => `Invalid tag value for key '${key}': at most 256 characters from ${TAG_CHARACTERS}`;

    test.each([
      ['reserved prefix', { 'aws:x': 'y' }, "Invalid tag key 'aws:x': the prefix 'aws:' is reserved"],
      ['reserved prefix in capitals', { 'AWS:x': 'y' }, "Invalid tag key 'AWS:x': the prefix 'aws:' is reserved"],
      ['key of 129 characters', { ['k'.repeat(129)]: 'v' }, badKey('k'.repeat(129))],
      ['key with a character outside the set', { 'a#b': 'v' }, badKey('a#b')],
      ['value of 257 characters', { k: 'v'.repeat(257) }, badValue('k')],
      ['value with a character outside the set', { k: 'a;b' }, badValue('k')],
    ])('GenerateClientCertificate and TagResource with a tag %s; nothing is written', async (_, tags, message) => {
      const listedBefore = await listedIds();

      const onGenerate = await failureOf(generate({ tags }));
      const onTag = await failureOf(client.send(new TagResourceCommand({ resourceArn: certificateArn(id), tags })));

      for (const error of [onGenerate, onTag]) {
        expect(error).toBeInstanceOf(BadRequestException);
        expect(error.$metadata.httpStatusCode).toBe(400);
        expect(error.message).toBe(message);
      }
      expect(await listedIds()).toEqual(listedBefore);
      expect(await tagsOf(id)).toEqual({ keep: 'me' });
    });

    test('tags at the limits are accepted: a 128-character key, a 256-character value, every allowed character', async () => {
      const tags = { ['k'.repeat(128)]: 'v'.repeat(256), 'aA0+-=._:/ @': 'aA0+-=._:/ @', 'équipe 東京': 'données ٣' };

      await client.send(new TagResourceCommand({ resourceArn: certificateArn(id), tags }));

      expect(await tagsOf(id)).toEqual({ keep: 'me', ...tags });
      await client.send(new UntagResourceCommand({ resourceArn: certificateArn(id), tagKeys: Object.keys(tags) }));
    });
  });

  // The API Gateway model declares no ValidationException shape, so the SDK has no class for it: it
  // reports the base APIGatewayServiceException named after x-amzn-ErrorType.
  describe('ValidationException (400)', () => {
    test('UpdateClientCertificate with an op outside the enum', async () => {
      const error = await failureOf(
        client.send(
          new UpdateClientCertificateCommand({
            clientCertificateId: id,
            patchOperations: [{ op: 'bogus' as 'replace', path: '/description', value: 'x' }],
          }),
        ),
      );

      expect(error).toBeInstanceOf(APIGatewayServiceException);
      expect(error.name).toBe('ValidationException');
      expect(error.$metadata.httpStatusCode).toBe(400);
      expect(error.message).toBe(
        "1 validation error detected: Value 'bogus' at 'updateClientCertificateInput.patchOperations.1.member.op' " +
          'failed to satisfy constraint: Member must satisfy enum value set: [add, remove, move, test, replace, copy]',
      );
    });

    // The SDK does not check required members itself: it sends `{}` and no tagKeys, as a user's
    // JavaScript (no type-checker) would, and reports what the service says.
    test('TagResource without tags', async () => {
      const error = await failureOf(
        client.send(new TagResourceCommand({ resourceArn: certificateArn(id) } as TagResourceCommandInput)),
      );

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
      expect(await tagsOf(id)).toEqual({ keep: 'me' });
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
      const error = await failureOf(
        client.send(new GetTagsCommand({ resourceArn: certificateArn(id, OTHER_REGION) })),
      );

      expect(error).toBeInstanceOf(NotFoundException);
      expect(error.message).toBe(INVALID_RESOURCE);
    });
  });

  describe('the wire below the SDK', () => {
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
});

describe('GetClientCertificates while the collection changes', () => {
  const STABLE = 30;
  const DOOMED = 6;
  let stable: string[] = [];
  let doomed: string[] = [];
  const created: string[] = [];

  beforeAll(async () => {
    stable = await Promise.all(
      Array.from({ length: STABLE }, async (_, i) => (await generate({ description: `stable ${i}` })).clientCertificateId!),
    );
  });

  afterAll(async () => {
    await Promise.allSettled([...stable, ...doomed, ...created].map((id) => remove(id)));
  });

  test('paging with limit 7 while others come and go between pages lists each lasting certificate exactly once', async () => {
    doomed = await Promise.all(
      Array.from({ length: DOOMED }, async () => (await generate({ description: 'doomed' })).clientCertificateId!),
    );
    const seen: string[] = [];
    let pages = 0;

    for await (const page of paginateGetClientCertificates({ client, pageSize: 7 }, {})) {
      pages++;
      seen.push(...(page.items ?? []).map((c) => c.clientCertificateId!));
      // Between two page fetches: one certificate appears, one disappears.
      const [born] = await Promise.all([
        generate({ description: 'churn' }),
        doomed.length > 0 ? remove(doomed.pop()!) : undefined,
      ]);
      created.push(born.clientCertificateId!);
    }

    expect(pages).toBeGreaterThanOrEqual(5);
    for (const id of stable) expect(occurrences(seen, id)).toBe(1);
    expect(new Set(seen).size).toBe(seen.length);
  });

  test('a position stays valid after the certificate it points after is deleted', async () => {
    const everything = await listedIds();
    const first = await client.send(new GetClientCertificatesCommand({ limit: 5 }));
    const anchor = first.items!.at(-1)!.clientCertificateId!;
    await remove(anchor);

    const rest: string[] = [];
    for await (const page of paginateGetClientCertificates({ client, pageSize: 5, startingToken: first.position! }, {})) {
      rest.push(...(page.items ?? []).map((c) => c.clientCertificateId!));
    }

    const walk = [...first.items!.map((c) => c.clientCertificateId!), ...rest];
    expect(walk.filter((x) => x !== anchor).sort()).toEqual(everything.filter((x) => x !== anchor).sort());
    expect(new Set(walk).size).toBe(walk.length);
  });
});

describe('races', () => {
  test('UpdateClientCertificate racing DeleteClientCertificate never resurrects the certificate (10 rounds)', async () => {
    const updater = newClient();
    const deleter = newClient();
    const outcomes: string[] = [];
    try {
      for (let round = 0; round < 10; round++) {
        const { clientCertificateId } = await generate({ description: `round ${round}` });
        const id = clientCertificateId!;

        // The delete starts 0 to 4 ms after the update, so some rounds land it between the update's read and write.
        const [updated, deleted] = await Promise.allSettled([
          describeAs(id, `updated in round ${round}`, updater),
          new Promise((resolve) => setTimeout(resolve, round % 5)).then(() => remove(id, deleter)),
        ]);

        expect(deleted.status).toBe('fulfilled');
        if (updated.status === 'fulfilled') {
          expect(updated.value.$metadata.httpStatusCode).toBe(200);
          expect(updated.value.description).toBe(`updated in round ${round}`);
          outcomes.push('200');
        } else {
          expect(updated.reason).toBeInstanceOf(NotFoundException);
          expect((updated.reason as NotFoundException).message).toBe(INVALID_ID);
          outcomes.push('404');
        }
        const after = await failureOf(get(id));
        expect(after).toBeInstanceOf(NotFoundException);
        expect(await listedIds()).not.toContain(id);
      }
    } finally {
      updater.destroy();
      deleter.destroy();
    }
    console.info(`update vs delete: ${outcomes.join(' ')}`);
  });

  test('10 concurrent TagResource calls, each retried on ConflictException (409) until it lands: no tag is lost', async () => {
    const WRITERS = 10;
    const { clientCertificateId } = await generate({ description: 'tagged concurrently', tags: { base: '0' } });
    const resourceArn = certificateArn(clientCertificateId!);
    const writers = Array.from({ length: WRITERS }, () => newClient());
    const conflicts: APIGatewayServiceException[] = [];
    const tagUntilLanded = async (writer: APIGatewayClient, i: number): Promise<number> => {
      for (let attempt = 1; attempt <= 50; attempt++) {
        try {
          await writer.send(new TagResourceCommand({ resourceArn, tags: { [`key${i}`]: `value${i}` } }));
          return attempt;
        } catch (error) {
          if (!(error instanceof ConflictException)) throw error;
          conflicts.push(error);
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 10));
        }
      }
      throw new Error(`writer ${i} never landed its tag`);
    };

    try {
      await Promise.all(writers.map(tagUntilLanded));
    } finally {
      for (const writer of writers) writer.destroy();
    }

    const expected = Object.fromEntries(Array.from({ length: WRITERS }, (_, i) => [`key${i}`, `value${i}`]));
    expect(await tagsOf(clientCertificateId!)).toEqual({ base: '0', ...expected });
    console.info(`concurrent tagging: ${conflicts.length} conflicts retried`);
    // Ten writers on separate sockets interleave: with no conflict the race did not happen.
    expect(conflicts.length).toBeGreaterThanOrEqual(1);
    for (const conflict of conflicts) {
      expect(conflict.$metadata.httpStatusCode).toBe(409);
      expect(conflict.message).toBe(
        `Concurrent modification of client certificate ${clientCertificateId}; retry the request`,
      );
    }
  });
});
