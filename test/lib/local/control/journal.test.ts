import {
  APIGatewayClient,
  GenerateClientCertificateCommand,
  GetClientCertificateCommand,
  GetClientCertificatesCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateClientCertificateCommand,
} from '@aws-sdk/client-api-gateway';
import type { JournalRequest } from '../../../../lib/local/control/journal.js';
import { MAX_JOURNAL_ENTRIES, RequestJournal } from '../../../../lib/local/control/journal.js';
import { controlClient } from '../../../../lib/local/control-client.js';
import type { SigV4Credentials } from '../../../../lib/local/front/sigv4.js';
import type { LocalService } from '../../../../lib/local/service.js';
import { send, sendRaw } from '../../../support/http.js';
import { failureOf } from '../../../support/sdk.js';
import { startTestService } from '../../../support/service.js';
import { presigned, signed } from '../../../support/signing.js';

/**
 * The request journal: each namespace's recent API requests, refused ones included, with the
 * parameters that matter and nothing secret, filtered and counted for a harness's assertions.
 */

const REGION = 'us-east-1';

describe('RequestJournal', () => {
  const request = (namespace: string, at = Date.now()): JournalRequest => ({
    time: at,
    namespace,
    method: 'GET',
    path: '/clientcertificates',
    operation: 'GetClientCertificates',
    refused: false,
  });
  const answer = { requestId: 'r', status: 200, durationMs: 1 };

  test('keeps the last `size` requests of each namespace, counting those that fell out', () => {
    const journal = new RequestJournal(3);
    for (let i = 0; i < 5; i++) journal.record({ ...request('111111111111#us-east-1'), path: `/p${i}` }, answer);
    journal.record(request('222222222222#us-east-1'), answer);

    const { requests, dropped } = journal.list({ namespace: '111111111111#us-east-1' });
    expect(requests.map(({ path }) => path)).toEqual(['/p2', '/p3', '/p4']);
    expect(dropped).toBe(2);
    expect(journal.count({ namespace: '222222222222#us-east-1' })).toBe(1);
  });

  test('holds at most MAX_JOURNAL_ENTRIES in all: the namespace holding the most loses its oldest first', () => {
    const journal = new RequestJournal(MAX_JOURNAL_ENTRIES);
    for (let i = 0; i < MAX_JOURNAL_ENTRIES; i++) journal.record(request('111111111111#us-east-1'), answer);
    journal.record(request('222222222222#us-east-1'), answer);
    journal.record(request('222222222222#us-east-1'), answer);

    expect(journal.count()).toBe(MAX_JOURNAL_ENTRIES);
    expect(journal.list({ namespace: '111111111111#us-east-1' }).dropped).toBe(2);
    expect(journal.count({ namespace: '222222222222#us-east-1' })).toBe(2);
  });

  test('a busy namespace filling the bound loses its own oldest, not a quiet one’s few entries', () => {
    const journal = new RequestJournal(MAX_JOURNAL_ENTRIES);
    for (let i = 0; i < 3; i++) journal.record(request('222222222222#us-east-1'), answer);
    for (let i = 0; i < MAX_JOURNAL_ENTRIES; i++) journal.record(request('111111111111#us-east-1'), answer);

    expect(journal.list({ namespace: '222222222222#us-east-1' })).toMatchObject({ dropped: 0, requests: [{}, {}, {}] });
    expect(journal.list({ namespace: '111111111111#us-east-1' }).dropped).toBe(3);
    expect(journal.count()).toBe(MAX_JOURNAL_ENTRIES);
  });

  test('callers spraying many namespaces take a quiet one’s entries only down to what each of theirs holds', () => {
    const journal = new RequestJournal();
    for (let i = 0; i < 20; i++) journal.record(request('222222222222#us-east-1'), answer);
    const spray = MAX_JOURNAL_ENTRIES / 10;
    for (let round = 0; round < 10; round++)
      for (let i = 0; i < spray; i++) journal.record(request(`${String(i).padStart(12, '0')}#us-west-2`), answer);

    expect(journal.count({ namespace: '222222222222#us-east-1' })).toBe(10);
    expect(journal.count()).toBe(MAX_JOURNAL_ENTRIES);
  });

  test('one key signing for many regions takes a quiet namespace’s entries only down to what its account holds, in all its regions', () => {
    const journal = new RequestJournal();
    for (let i = 0; i < 20; i++) journal.record(request('222222222222#us-east-1'), answer);
    for (let i = 0; i < MAX_JOURNAL_ENTRIES; i++) journal.record(request(`111111111111#us-west-${i}`), answer);

    expect(journal.count({ namespace: '222222222222#us-east-1' })).toBe(20);
    expect(journal.count()).toBe(MAX_JOURNAL_ENTRIES);
  });

  test('once a namespace is cleared, the next largest is the one to lose entries', () => {
    const journal = new RequestJournal(MAX_JOURNAL_ENTRIES);
    for (let i = 0; i < 5; i++) journal.record(request('222222222222#us-east-1'), answer);
    for (let i = 0; i < 50; i++) journal.record(request('333333333333#us-east-1'), answer);
    journal.clear('333333333333#us-east-1');
    for (let i = 0; i < MAX_JOURNAL_ENTRIES; i++) journal.record(request('111111111111#us-east-1'), answer);

    expect(journal.count({ namespace: '222222222222#us-east-1' })).toBe(5);
    expect(journal.count()).toBe(MAX_JOURNAL_ENTRIES);
  });

  test('of size 0 keeps nothing', () => {
    const journal = new RequestJournal(0);
    journal.record(request('111111111111#us-east-1'), answer);
    expect(journal.list()).toEqual({ requests: [], dropped: 0 });
  });

  test('reads any JSON a client sends as text, objects that cannot be converted to a string included', () => {
    const journal = new RequestJournal(10);
    const body = '{"patchOperations":[{"op":{"toString":"x"},"path":{"valueOf":1},"value":[1]},7,null],"description":{"a":1},"tags":[1]}';
    journal.record({ ...request('111111111111#us-east-1'), operation: 'UpdateClientCertificate', body: Buffer.from(body) }, answer);

    expect(journal.list().requests[0]!.parameters).toEqual({
      patchOperations: [
        { op: '{"toString":"x"}', path: '{"valueOf":1}', value: '[1]' },
        { op: '', path: '' },
        { op: '', path: '' },
      ],
      tagKeys: ['0'],
    });
  });

  test('cuts long values and keeps no more than five patch operations or tag keys, and never a tag value', () => {
    const journal = new RequestJournal(10);
    const long = 'x'.repeat(1_000);
    journal.record(
      {
        ...request('111111111111#us-east-1'),
        path: `/clientcertificates/${long}`,
        operation: 'UpdateClientCertificate',
        pathParameters: { clientcertificate_id: long },
        body: Buffer.from(
          JSON.stringify({
            patchOperations: Array.from({ length: 20 }, () => ({ op: 'replace', path: '/description', value: long })),
            tags: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`key${i}`, 'tag-value-secret'])),
          }),
        ),
      },
      answer,
    );

    const [entry] = journal.list().requests;
    expect(JSON.stringify(entry).length).toBeLessThan(1_500);
    expect(entry!.parameters.patchOperations).toHaveLength(5);
    expect(entry!.parameters.patchOperations![0]!.value).toBe(`${'x'.repeat(64)}...`);
    expect(entry!.parameters.tagKeys).toEqual(['key0', 'key1', 'key2', 'key3', 'key4']);
    expect(JSON.stringify(entry)).not.toContain('tag-value-secret');
  });
});

describe('GET /_local/requests on the service', () => {
  let service: LocalService;
  const clients: APIGatewayClient[] = [];
  /** Each test's own namespace: a 12-digit key of its own (AUTH=none). */
  let n = 0;
  const worker = () => {
    const accessKeyId = String(100_000_000_000 + ++n + Math.floor(Math.random() * 1e6) * 100);
    const credentials = { accessKeyId, secretAccessKey: 'any-secret-key-value' };
    const sdk = new APIGatewayClient({ endpoint: service.url, region: REGION, credentials, maxAttempts: 1 });
    clients.push(sdk);
    return { sdk, local: controlClient({ endpoint: service.url, credentials }), namespace: { account: accessKeyId, region: REGION } };
  };

  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await service.close();
  });

  test('lists the caller’s requests oldest first, with operation, status, error type and the parameters that matter', async () => {
    const { sdk, local } = worker();
    const id = (await sdk.send(new GenerateClientCertificateCommand({ description: 'first', tags: { team: 'blue' } })))
      .clientCertificateId!;
    await sdk.send(
      new UpdateClientCertificateCommand({
        clientCertificateId: id,
        patchOperations: [{ op: 'replace', path: '/description', value: 'second' }],
      }),
    );
    await sdk.send(new GetClientCertificatesCommand({ limit: 7 }));
    await failureOf(sdk.send(new GetClientCertificateCommand({ clientCertificateId: 'nosuchid00' })));

    const { requests, dropped } = await local.requests();

    expect(dropped).toBe(0);
    expect(requests.map(({ operation, status, errorType }) => [operation, status, errorType])).toEqual([
      ['GenerateClientCertificate', 201, null],
      ['UpdateClientCertificate', 200, null],
      ['GetClientCertificates', 200, null],
      ['GetClientCertificate', 404, 'NotFoundException'],
    ]);
    expect(requests.map(({ parameters }) => parameters)).toEqual([
      { description: 'first', tagKeys: ['team'] },
      { clientCertificateId: id, patchOperations: [{ op: 'replace', path: '/description', value: 'second' }] },
      { limit: '7' },
      { clientCertificateId: 'nosuchid00' },
    ]);
    expect(requests[0]).toMatchObject({ method: 'POST', path: '/clientcertificates', refusedBy: null });
    expect(requests[0]!.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(requests[0]!.time)).toBeLessThanOrEqual(Date.parse(requests[3]!.time));
    expect(requests[0]!.durationMs).toBeGreaterThan(0);
  });

  test('names the tag keys of TagResource and UntagResource, and their certificate', async () => {
    const { sdk, local } = worker();
    const id = (await sdk.send(new GenerateClientCertificateCommand({}))).clientCertificateId!;
    const arn = `arn:aws:apigateway:${REGION}::/clientcertificates/${id}`;
    await sdk.send(new TagResourceCommand({ resourceArn: arn, tags: { owner: 'someone' } }));
    await sdk.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['owner', 'other'] }));

    const requests = (await local.requests()).requests.slice(1);
    expect(requests.map(({ operation, parameters }) => [operation, parameters])).toEqual([
      ['TagResource', { clientCertificateId: id, tagKeys: ['owner'] }],
      ['UntagResource', { clientCertificateId: id, tagKeys: ['owner', 'other'] }],
    ]);
  });

  test('holds no PEM, no Authorization value and no secret key', async () => {
    const { sdk, local } = worker();
    const id = (await sdk.send(new GenerateClientCertificateCommand({}))).clientCertificateId!;
    await sdk.send(new GetClientCertificateCommand({ clientCertificateId: id }));

    const text = JSON.stringify(await local.requests());
    expect(text).toContain(id);
    expect(text).not.toContain('BEGIN CERTIFICATE');
    expect(text).not.toContain('AWS4-HMAC-SHA256');
    expect(text).not.toContain('Signature=');
    expect(text).not.toContain('any-secret-key-value');
  });

  test('shows requests refused before routing, marked as refused by the front end', async () => {
    const { local, namespace } = worker();
    const as = { credentials: { accessKeyId: namespace.account, secretAccessKey: 'x' }, region: REGION };
    const noRoute = await send(service.url, await signed(service.url, { path: '/nowhere' }, as));
    expect(noRoute.status).toBe(404);
    const longPath = await send(service.url, await signed(service.url, { path: `/nowhere/${'x'.repeat(300)}` }, as));
    expect(longPath.status).toBe(404);

    const refused = (await local.requests()).requests.filter(({ refusedBy }) => refusedBy === 'front');
    expect(refused.map(({ path, status, errorType, operation }) => [path, status, errorType, operation])).toEqual([
      ['/nowhere', 404, 'NotFoundException', null],
      [`/nowhere/${'x'.repeat(247)}...`, 404, 'NotFoundException', null],
    ]);
  });

  test('does not journal a request the web pages check refused, whatever namespace it claims: any page could flood one', async () => {
    const { local, namespace } = worker();
    const credential = `X-Amz-Credential=${namespace.account}%2F20261207%2F${REGION}%2Fapigateway%2Faws4_request`;
    const { host } = new URL(service.url);
    const refusals: { path: string; headers: Record<string, string> }[] = [
      { path: `/clientcertificates?${credential}`, headers: { 'sec-fetch-site': 'cross-site' } },
      { path: `/nowhere?${credential}`, headers: { origin: 'http://attacker.example' } },
      { path: `/clientcertificates?${credential}`, headers: { host: 'attacker.example' } },
      { path: `/clientcertificates?${credential}`, headers: { host, origin: 'null' } },
    ];
    for (const request of refusals) expect((await send(service.url, request)).status).toBe(403);

    expect(await local.requests()).toEqual({ requests: [], dropped: 0 });
    expect(service.control.requests().requests.filter(({ errorType }) => errorType === 'AccessDeniedException')).toEqual([]);
  });

  test('shows a request refused for its size, unsigned, in the unsigned namespace', async () => {
    const unsigned = { account: '000000000000', region: REGION };
    const { host } = new URL(service.url);
    const tooLarge = await sendRaw(service.url, `POST /clientcertificates HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 20000000\r\n\r\n`);
    expect(tooLarge.status).toBe(413);

    expect(service.control.requests({ namespace: unsigned, status: 413 }).requests).toMatchObject([
      { method: 'POST', path: '/clientcertificates', errorType: 'RequestEntityTooLargeException', refusedBy: 'front', parameters: {} },
    ]);
  });

  test('files a request claiming a region longer than any AWS region under the unsigned namespace, refused', async () => {
    const region = `us-${'a'.repeat(8000)}-1`;
    const as = { credentials: { accessKeyId: '444444444444', secretAccessKey: 'x' }, region };
    const answer = await send(service.url, await signed(service.url, { method: 'POST', path: '/clientcertificates', body: '{}' }, as));

    expect([answer.status, answer.headers['x-amzn-errortype']]).toEqual([403, 'InvalidSignatureException']);
    const namespaces = service.control.requests().requests.map(({ namespace }) => namespace);
    expect(namespaces.filter((namespace) => namespace.length > 50)).toEqual([]);
    expect(service.control.requests({ namespace: { account: '000000000000', region: REGION }, status: 403 }).requests).toContainEqual(
      expect.objectContaining({ path: '/clientcertificates', errorType: 'InvalidSignatureException', refusedBy: 'front' }),
    );
  });

  test('cuts an error type and request id an upstream answered with, as it cuts every value', () => {
    const journal = new RequestJournal();
    journal.record(
      { time: Date.now(), namespace: '111111111111#us-east-1', method: 'GET', path: '/restapis', refused: false },
      { requestId: 'r'.repeat(10_000), status: 400, errorType: 'E'.repeat(10_000), durationMs: 1 },
    );

    const [entry] = journal.list().requests;
    expect([entry?.requestId, entry?.errorType]).toEqual([`${'r'.repeat(64)}...`, `${'E'.repeat(64)}...`]);
  });

  test('filters by operation, status (exact or a class) and time, and counts', async () => {
    const { sdk, local } = worker();
    const before = new Date();
    await sdk.send(new GenerateClientCertificateCommand({}));
    await failureOf(sdk.send(new GetClientCertificateCommand({ clientCertificateId: 'nosuchid00' })));
    await failureOf(sdk.send(new GetClientCertificateCommand({ clientCertificateId: 'nosuchid01' })));
    const after = new Date(Date.now() + 1);

    expect(await local.countRequests({ operation: 'GetClientCertificate' })).toBe(2);
    expect(await local.countRequests({ status: '4xx' })).toBe(2);
    expect(await local.countRequests({ status: 201 })).toBe(1);
    expect(await local.countRequests({ status: '5xx' })).toBe(0);
    expect(await local.countRequests({ since: before, until: after })).toBe(3);
    expect(await local.countRequests({ since: after })).toBe(0);
    expect((await local.requests({ operation: 'GenerateClientCertificate' })).requests).toHaveLength(1);
    expect((await local.requests({ status: '4xx', last: 1 })).requests.map(({ parameters }) => parameters)).toEqual([
      { clientCertificateId: 'nosuchid01' },
    ]);
  });

  test('DELETE clears the caller’s requests and no other namespace’s', async () => {
    const one = worker();
    const two = worker();
    await one.sdk.send(new GetClientCertificatesCommand({}));
    await two.sdk.send(new GetClientCertificatesCommand({}));

    expect(await one.local.clearRequests()).toBe(1);
    expect(await one.local.countRequests()).toBe(0);
    expect(await two.local.countRequests()).toBe(1);
  });

  test('does not journal control requests', async () => {
    const { local } = worker();
    await local.reset();
    await local.faults();
    await send(service.url, { path: '/clientcertificates/../_local/health' });
    await send(service.url, { path: '/_local/nowhere', headers: { 'sec-fetch-site': 'cross-site' } });
    expect(await local.countRequests()).toBe(0);
    expect(service.control.requests({ namespace: { account: '000000000000', region: REGION }, status: '2xx' }).requests).toEqual([]);
  });

  test('?last=N lists only the newest N that the filter takes, oldest first, with the namespace’s dropped count', async () => {
    const { sdk, local } = worker();
    for (const limit of [1, 2, 3, 4]) await sdk.send(new GetClientCertificatesCommand({ limit }));
    await failureOf(sdk.send(new GetClientCertificateCommand({ clientCertificateId: 'nosuchid00' })));

    const namespace = new URLSearchParams({ account: (await local.requests()).requests[0]!.namespace.split('#')[0]!, region: REGION });
    const newest = await send(service.url, { path: `/_local/requests?${namespace}&operation=GetClientCertificates&last=2` });
    expect(newest.json).toEqual({
      requests: [expect.objectContaining({ parameters: { limit: '3' } }), expect.objectContaining({ parameters: { limit: '4' } })],
      dropped: 0,
    });
    const all = await send(service.url, { path: `/_local/requests?${namespace}&last=10000` });
    expect((all.json as { requests: unknown[] }).requests).toHaveLength(5);
  });

  test('answers a bad query 400 with an AWS-shaped error, and changes nothing', async () => {
    const { sdk, local } = worker();
    await sdk.send(new GetClientCertificatesCommand({}));
    for (const query of [
      'operation=DropTable',
      'operation=',
      'status=200x',
      'status=4XX',
      'status=',
      'since=yesterday',
      'until=2026-13-45T00:00:00Z',
      'since=2026-02-31',
      'until=2026-04-31T10:00:00Z',
      'since=2026-12-07T24:00:00Z',
      'since=2026-12-07T10:00:00Z&since=2026-12-07T11:00:00Z',
      'count=yes',
      'limit=10',
      `${'x'.repeat(5000)}=1`,
      'all=maybe',
      'last=0',
      'last=10001',
      'last=2.5',
      'last=',
      'last=1&last=2',
      'count&last=1',
    ]) {
      const response = await send(service.url, { path: `/_local/requests?${query}` });
      expect({ query: query.slice(0, 40), status: response.status, type: response.headers['x-amzn-errortype'] }).toEqual({
        query: query.slice(0, 40),
        status: 400,
        type: 'BadRequestException',
      });
      expect((response.json as { message: string }).message.length).toBeLessThan(200);
    }
    const filtered = await send(service.url, { method: 'DELETE', path: '/_local/requests?status=200' });
    expect(filtered.status).toBe(400);
    expect(await local.countRequests()).toBe(1);
  });

  test('in-process, service.control lists, filters and clears a namespace’s requests, and refuses a bad filter', async () => {
    const { sdk, namespace } = worker();
    await sdk.send(new GetClientCertificatesCommand({}));

    expect(service.control.requests({ namespace }).requests.map(({ operation }) => operation)).toEqual(['GetClientCertificates']);
    expect(service.control.requests({ namespace, status: '4xx' }).requests).toEqual([]);
    expect(() => service.control.requests({ namespace, status: 'teapot' })).toThrow("'status' must be");
    expect(service.control.clearRequests(namespace)).toBe(1);
    expect(service.control.requests({ namespace }).requests).toEqual([]);
  });
});

test('JOURNAL_SIZE (journalSize) bounds each namespace’s ring on the service, and 0 journals nothing', async () => {
  const [one, none] = await Promise.all([startTestService({ journalSize: 1 }), startTestService({ journalSize: 0 })]);
  const namespace = { account: '000000000000', region: REGION };
  try {
    for (const service of [one, none]) for (const path of ['/a', '/b']) await send(service.url, { path });

    expect(one.control.requests({ namespace })).toMatchObject({ requests: [{ path: '/b' }], dropped: 1 });
    expect(none.control.requests({ namespace })).toEqual({ requests: [], dropped: 0 });
  } finally {
    await Promise.all([one.close(), none.close()]);
  }
});

describe('the journal’s scope under AUTH=sigv4', () => {
  const ONE: SigV4Credentials = { accessKeyId: 'AKIDWORKERONE', secretAccessKey: 'one-secret', accountId: '111111111111' };
  const ADMIN: SigV4Credentials = {
    accessKeyId: 'AKIDADMIN',
    secretAccessKey: 'admin-secret',
    accountId: '999999999999',
    allNamespaces: true,
  };
  let service: LocalService;

  beforeAll(async () => {
    service = await startTestService({ sigv4: { credentials: [ONE, ADMIN] } });
  });
  afterAll(() => service.close());

  const call = async (key: SigV4Credentials, method: string, path: string) =>
    send(service.url, await signed(service.url, { method, path }, { credentials: key, region: REGION }));

  test('a key not marked all-namespaces may not read or clear another namespace’s, or every one’s', async () => {
    await call(ADMIN, 'GET', '/clientcertificates');

    for (const [method, path] of [
      ['GET', '/_local/requests?all'],
      ['GET', '/_local/requests?account=999999999999'],
      ['DELETE', '/_local/requests?all'],
      ['GET', '/_local/requests?all&count'],
    ] as const) {
      const response = await call(ONE, method, path);
      expect({ path, status: response.status, type: response.headers['x-amzn-errortype'] }).toEqual({
        path,
        status: 403,
        type: 'AccessDeniedException',
      });
    }
    expect((await call(ADMIN, 'GET', '/_local/requests?count').then((r) => r.json)) as object).toEqual({ count: 1 });
    expect(((await call(ADMIN, 'GET', '/_local/requests?all').then((r) => r.json)) as { requests: unknown[] }).requests).toHaveLength(1);
  });

  test('a presigned URL lists, counts and clears its own key’s journal, as it calls every other control path: its signature’s parameters are no filter', async () => {
    await call(ONE, 'GET', '/clientcertificates');
    const presignedCall = async (method: string, path: string) =>
      send(service.url, await presigned(service.url, { method, path }, { credentials: ONE, region: REGION }, 60));

    const listed = await presignedCall('GET', '/_local/requests?status=200');
    const counted = await presignedCall('GET', '/_local/requests?count');
    const cleared = await presignedCall('DELETE', '/_local/requests');

    expect([listed.status, (listed.json as { requests: unknown[] }).requests]).toEqual([
      200,
      [expect.objectContaining({ path: '/clientcertificates', status: 200 })],
    ]);
    expect([counted.status, counted.json]).toEqual([200, { count: 1 }]);
    expect([cleared.status, cleared.json]).toEqual([200, { cleared: 1 }]);
    expect((await presignedCall('GET', '/_local/requests?all')).status).toBe(403);
  });

  test('a request refused before its signature is checked is filed under no caller’s namespace, neither the one it claims nor the default account’s: only a key reading every namespace sees it', async () => {
    const forged = await signed(service.url, { path: '/nowhere' }, { credentials: { ...ONE, secretAccessKey: 'wrong' }, region: REGION });
    expect((await send(service.url, forged)).status).toBe(404);

    expect(service.control.requests({ namespace: { account: '111111111111', region: REGION } }).requests).toEqual([]);
    expect(service.control.requests({ namespace: { account: '000000000000', region: REGION } }).requests).toEqual([]);
    const all = (await call(ADMIN, 'GET', '/_local/requests?all').then((r) => r.json)) as { requests: unknown[] };
    expect(all.requests).toContainEqual(expect.objectContaining({ path: '/nowhere', status: 404, refusedBy: 'front' }));
  });
});
