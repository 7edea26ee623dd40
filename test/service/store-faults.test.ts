import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { STORE_TIMEOUTS } from '../../lambda/store/dynamodb-store.js';
import type { LocalService } from '../../lib/local/service.js';
import type { FaultProxy } from '../support/fault-proxy.js';
import type { RawResponse } from '../support/http.js';
import { isAwsShapedError, send } from '../support/http.js';
import { startTestServiceBehindProxy } from '../support/service.js';
import { storeClient, tableSnapshot } from '../support/table.js';

/**
 * The real local service with a fault-injecting proxy between its handlers and the store: whatever
 * the store does, a request is answered in bounded time, with 503 or 429 and a clean body, nothing
 * is half-written, and once the store is back the same service works again without a restart.
 */

/** The deployed function's timeout: an answer must come before Lambda would kill the function. */
const FUNCTION_TIMEOUT_MS = 10_000;

let service: LocalService;
let proxy: FaultProxy;
let store: { client: DynamoDBClient; tableName: string };
let id: string;

const json = { 'content-type': 'application/json' };
const update = (description: string) =>
  send(service.url, {
    method: 'PATCH',
    path: `/clientcertificates/${id}`,
    headers: json,
    body: JSON.stringify({ patchOperations: [{ op: 'replace', path: '/description', value: description }] }),
  });
const get = () => send(service.url, { path: `/clientcertificates/${id}` });
const generate = () => send(service.url, { method: 'POST', path: '/clientcertificates', headers: json, body: '{"description":"new"}' });

const timed = async (request: () => Promise<RawResponse>) => {
  const started = Date.now();
  const response = await request();
  return { response, elapsed: Date.now() - started };
};

/** After the fault: the proxy passes calls again, and the very same service serves them. */
const expectRecovery = async () => {
  proxy.set({ mode: 'pass' });
  const updated = await update('after the fault');
  const read = await get();

  expect(updated.status).toBe(200);
  expect(read.json).toMatchObject({ clientCertificateId: id, description: 'after the fault' });
};

beforeAll(async () => {
  ({ service, proxy } = await startTestServiceBehindProxy());
  // The proxy stands in front of the handlers only; the test reads the store around it.
  store = storeClient(service.store);
  id = ((await generate()).json as { clientCertificateId: string }).clientCertificateId;
});

afterAll(async () => {
  store.client.destroy();
  await service.close();
  await proxy.close();
  process.stdout.write(`store faults: ${proxy.injected()} store calls and connections faulted\n`);
});

describe.each([
  ['unreachable (connections reset)', { mode: 'down' } as const, 503, 'ServiceUnavailableException', 'Service Unavailable'],
  ['stalled (never answers)', { mode: 'blackhole' } as const, 503, 'ServiceUnavailableException', 'Service Unavailable'],
  ['throttling', { mode: 'throttle' } as const, 429, 'TooManyRequestsException', 'Too Many Requests'],
])('a store %s', (_, fault, status, type, message) => {
  test(`fails every operation fast with ${status} ${type}, writes nothing, and recovers by itself`, async () => {
    const before = await snapshotDirect();
    proxy.set(fault);

    const results = await Promise.all([timed(() => update('lost')), timed(get), timed(generate)]);

    for (const { response, elapsed } of results) expectCleanFailure(response, elapsed, status, type, message);
    expect(proxy.calls.faulted.length).toBeGreaterThan(0);
    proxy.set({ mode: 'pass' });
    expect(await snapshotDirect()).toBe(before);
    await expectRecovery();
  });
});

describe('a store slower than the request timeout', () => {
  test('fails fast with 503; what it applies after the answer is whole, never half; then it recovers', async () => {
    const delayMs = STORE_TIMEOUTS.requestTimeout + 1_000;
    const before = itemsById(await snapshotDirect());
    proxy.set({ mode: 'pass', delayMs });

    const results = await Promise.all([timed(() => update('late')), timed(get), timed(generate)]);
    // A timed-out call may still land: DynamoDB makes the same promise. Let the stragglers arrive.
    await new Promise((arrived) => setTimeout(arrived, delayMs + 500));

    for (const { response, elapsed } of results)
      expectCleanFailure(response, elapsed, 503, 'ServiceUnavailableException', 'Service Unavailable');
    proxy.set({ mode: 'pass' });
    const after = itemsById(await snapshotDirect());
    for (const [key, item] of after) {
      // Whole items only: a certificate with every attribute, or a quota slot with its claim.
      expect(Object.keys(item).sort()).toEqual(
        key.startsWith('#quota#')
          ? ['claimedAt', 'clientCertificateId', 'namespace', 'owner']
          : [
              'clientCertificateId',
              'createdDate',
              'description',
              'expirationDate',
              'namespace',
              'pemEncodedCertificate',
              'quotaSlot',
              'tags',
              'version',
            ],
      );
      if (key !== id && before.has(key)) expect(item).toEqual(before.get(key));
    }
    const mine = after.get(id)!;
    const was = before.get(id)!;
    // Either untouched, or exactly the update asked for at the next version: nothing in between.
    expect([
      JSON.stringify(was),
      JSON.stringify({ ...was, description: { S: 'late' }, version: { N: String(Number(was.version.N) + 1) } }),
    ]).toContain(JSON.stringify(mine));
    await expectRecovery();
  });
});

describe('a store failing only the write, after the read went through', () => {
  test.each([
    ['down', 503],
    ['throttle', 429],
    ['blackhole', 503],
  ] as const)('%s: the update is refused with %i and the certificate is byte for byte as it was', async (mode, status) => {
    const before = await snapshotDirect();
    proxy.set({ mode, only: 'UpdateItem' });

    const response = await update('half-written?');

    expect(response.status).toBe(status);
    expect(proxy.calls.forwarded).toContain('GetItem');
    expect(proxy.calls.faulted).toContain('UpdateItem');
    proxy.set({ mode: 'pass' });
    expect(await snapshotDirect()).toBe(before);
    await expectRecovery();
  });

  test('a write the store applied but whose answer was lost is reported as the success it is, not a 409', async () => {
    proxy.set({ mode: 'lose-response', only: 'UpdateItem', times: 1 });

    const response = await update('applied, answer lost');

    proxy.set({ mode: 'pass' });
    expect(response.status).toBe(200);
    expect((await get()).json).toMatchObject({ description: 'applied, answer lost' });
  });
});

describe('a store that is slow but within the timeouts', () => {
  test('only makes requests slower', async () => {
    proxy.set({ mode: 'pass', delayMs: 300 });

    const response = await update('slowly');

    proxy.set({ mode: 'pass' });
    expect(response.status).toBe(200);
    expect((await get()).json).toMatchObject({ description: 'slowly' });
  });
});

/** The table as it is, read around the proxy. */
const snapshotDirect = () => tableSnapshot(store.client, store.tableName);

type Item = Record<string, { S?: string; N?: string }> & { version: { N: string } };
const itemsById = (snapshot: string) => new Map((JSON.parse(snapshot) as Item[]).map((item) => [item.clientCertificateId!.S!, item]));

const expectCleanFailure = (response: RawResponse, elapsed: number, status: number, type: string, message: string) => {
  expect(response.status).toBe(status);
  expect(response.headers['x-amzn-errortype']).toBe(type);
  expect(response.json).toEqual({ message });
  expect(isAwsShapedError(response)).toBe(true);
  expect(response.headers['retry-after'] !== undefined).toBe(status === 429);
  expect(elapsed).toBeLessThan(FUNCTION_TIMEOUT_MS);
};
