import {
  APIGatewayClient,
  GenerateClientCertificateCommand,
  GetClientCertificateCommand,
  GetClientCertificatesCommand,
} from '@aws-sdk/client-api-gateway';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { ControlClient } from '../../lib/local/control-client.js';
import { controlClient } from '../../lib/local/control-client.js';
import type { LocalService } from '../../lib/local/service.js';
import { failureOf } from '../support/sdk.js';
import { startTestService, startTestServiceBehindProxy } from '../support/service.js';
import { storeClient } from '../support/table.js';

/**
 * Two callers on one service at once, unsigned (AUTH=none, the key id is the account) and signed
 * (AUTH=sigv4, each its own key): one caller's control calls, flood and injected faults change
 * nothing the other sees.
 */

const KEYS = [
  { accessKeyId: '111111111111', secretAccessKey: 'one-secret', accountId: '111111111111' },
  { accessKeyId: '222222222222', secretAccessKey: 'two-secret', accountId: '222222222222' },
];

interface Caller {
  readonly api: APIGatewayClient;
  readonly control: ControlClient;
}

describe.each([
  ['unsigned (AUTH=none)', false],
  ['signed (AUTH=sigv4)', true],
])('two callers, %s', (_, signed) => {
  let service: LocalService;
  let a: Caller;
  let b: Caller;

  const caller = (key: (typeof KEYS)[number]): Caller => ({
    api: new APIGatewayClient({ endpoint: service.url, region: 'us-east-1', credentials: key, maxAttempts: 1 }),
    control: controlClient({ endpoint: service.url, credentials: key }),
  });
  const generate = async ({ api }: Caller): Promise<string> =>
    (await api.send(new GenerateClientCertificateCommand({}))).clientCertificateId!;
  const ids = async ({ api }: Caller): Promise<string[]> =>
    ((await api.send(new GetClientCertificatesCommand({ limit: 500 }))).items ?? []).map((item) => item.clientCertificateId!).sort();
  /** What a caller sees: its clock, its next id, its journal (read before the listing adds to it) and its certificates. */
  const view = async (c: Caller) => ({
    clock: await c.control.clock(),
    ids: await c.control.ids(),
    journal: (await c.control.requests()).requests.map(({ requestId, status }) => ({ requestId, status })),
    certificates: await ids(c),
  });

  beforeAll(async () => {
    service = await startTestService(signed ? { sigv4: { credentials: KEYS } } : {});
    [a, b] = KEYS.map(caller) as [Caller, Caller];
  });

  afterAll(async () => {
    a.api.destroy();
    b.api.destroy();
    await service.close();
  });

  test("one caller's clock, id seed, reset and journal clearing change nothing the other sees", async () => {
    await b.control.setClock({ time: '2031-02-03T04:05:06Z' });
    await b.control.setIdSeed('b-seed');
    await generate(b);
    await generate(a);
    const before = await view(b);
    expect(before.certificates).toHaveLength(1);
    expect(before.journal.length).toBeGreaterThan(0);

    await a.control.setClock({ time: '2040-01-01T00:00:00Z' });
    await a.control.setIdSeed('a-seed');
    await a.control.reset();
    await a.control.clearRequests();

    const after = await view(b);
    expect(after).toEqual({ ...before, journal: [...before.journal, expect.objectContaining({ status: 200 })] });
    expect(await ids(a)).toEqual([]);
    expect((await a.control.requests()).requests.filter((entry) => entry.operation !== null)).toEqual([
      expect.objectContaining({ operation: 'GetClientCertificates' }),
    ]);
  });

  test("the store's own port, which every process on the machine can reach, takes neither caller's key, nor none: the other's certificates stay unread there", async () => {
    const id = await generate(a);
    const scanWith = async (credentials: { accessKeyId: string; secretAccessKey: string }) => {
      const client = new DynamoDBClient({ endpoint: service.store.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
      try {
        return (await client.send(new ScanCommand({ TableName: service.store.tableName }))).Items ?? [];
      } catch (error) {
        return (error as Error).name;
      } finally {
        client.destroy();
      }
    };
    const unsigned = await fetch(service.store.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.Scan' },
      body: JSON.stringify({ TableName: service.store.tableName }),
    });

    expect(await scanWith(KEYS[1]!)).toBe('UnrecognizedClientException');
    expect(await scanWith({ accessKeyId: 'local', secretAccessKey: 'local' })).toBe('UnrecognizedClientException');
    expect(unsigned.status).toBe(400);
    expect(await unsigned.text()).not.toContain(id);
    // The service's own clients, which know its key, still read it.
    const own = storeClient(service.store);
    expect(JSON.stringify((await own.client.send(new ScanCommand({ TableName: own.tableName }))).Items)).toContain(id);
    own.client.destroy();
  });

  test("a burst of 50 Generates from one caller does not hold the other's Get", async () => {
    const id = await generate(b);
    // Ordered by events, not timed against a limit: each Generate makes its own key pair (some 50 ms
    // of CPU), so the burst lasts seconds, and a Get queued behind it would answer after its end.
    const finished: string[] = [];
    const burst = Promise.allSettled(Array.from({ length: 50 }, () => generate(a))).finally(() => finished.push('burst'));
    const started = Date.now();
    const got = await b.api.send(new GetClientCertificateCommand({ clientCertificateId: id }));
    finished.push('get');
    const waited = Date.now() - started;
    const outcomes = await burst;
    process.stdout.write(
      `${signed ? 'sigv4' : 'none'}: Get waited ${waited} ms; burst ${outcomes.filter((o) => o.status === 'fulfilled').length}/50 created\n`,
    );

    expect(got.clientCertificateId).toBe(id);
    expect(finished).toEqual(['get', 'burst']);
  });

  test('a Generate refused by an injected fault leaves no certificate and no journal entry of a 201', async () => {
    await a.control.reset();
    await a.control.clearRequests();
    await b.control.clearRequests();
    const rule = await a.control.addFault({
      operations: ['GenerateClientCertificate'],
      action: { error: { type: 'ServiceUnavailableException' } },
    });

    const failure = await failureOf(generate(a));
    const fromB = await generate(b);

    expect(failure).toMatchObject({ name: 'ServiceUnavailableException', $metadata: { httpStatusCode: 503 } });
    expect(await ids(a)).toEqual([]);
    const generates = (await a.control.requests({ operation: 'GenerateClientCertificate' })).requests;
    expect(generates.map(({ status, errorType }) => ({ status, errorType }))).toEqual([
      { status: 503, errorType: 'ServiceUnavailableException' },
    ]);
    expect(await b.control.countRequests({ status: 201 })).toBe(1);
    expect(await ids(b)).toContain(fromB);
    await a.control.removeFaults(rule);
  });
});

describe('two callers, the store unreachable while one generates', () => {
  test('the refused Generate leaves no certificate and no journal entry of a 201, and the other caller sees none of it', async () => {
    const { service, proxy } = await startTestServiceBehindProxy();
    const [a, b] = KEYS.map((key) => ({
      api: new APIGatewayClient({ endpoint: service.url, region: 'us-east-1', credentials: key, maxAttempts: 1 }),
      control: controlClient({ endpoint: service.url, credentials: key }),
    })) as [Caller, Caller];
    try {
      proxy.set({ mode: 'down' });
      const failure = await failureOf(a.api.send(new GenerateClientCertificateCommand({})));
      proxy.set({ mode: 'pass' });

      expect(failure.$metadata.httpStatusCode).toBe(503);
      expect((await a.api.send(new GetClientCertificatesCommand({}))).items ?? []).toEqual([]);
      expect((await a.control.requests({ operation: 'GenerateClientCertificate' })).requests).toEqual([
        expect.objectContaining({ status: 503, errorType: 'ServiceUnavailableException' }),
      ]);
      expect((await b.control.requests()).requests).toEqual([]);
    } finally {
      a.api.destroy();
      b.api.destroy();
      await service.close();
      await proxy.close();
    }
  });
});
