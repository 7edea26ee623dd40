import type { AccessLogEntry } from '../../lib/local/front/http-api.js';
import type { LocalService } from '../../lib/local/service.js';
import type { RawResponse } from '../support/http.js';
import { send, sendRaw } from '../support/http.js';
import { startTestService } from '../support/service.js';
import { storeClient, tableSnapshot } from '../support/table.js';
import { until } from '../support/wait.js';

/**
 * Bursts beyond the functions' concurrency are answered, not timed out: the local runtime runs as
 * many invocations of a function at once as its concurrency allows, as Lambda does, and lets the
 * rest wait while they can still be answered in time. What cannot wait is refused as HTTP API
 * refuses a throttled function, and a refused request writes nothing. Every answer is logged
 * with the status actually sent.
 */

const CONCURRENCY = 10;
const json = { 'content-type': 'application/json', accept: 'application/json' };

const generate = (url: string, description: string) =>
  send(url, { method: 'POST', path: '/clientcertificates', headers: json, body: JSON.stringify({ description }) });
const update = (url: string, id: string, description: string) =>
  send(url, {
    method: 'PATCH',
    path: `/clientcertificates/${id}`,
    headers: json,
    body: JSON.stringify({ patchOperations: [{ op: 'replace', path: '/description', value: description }] }),
  });
const idOf = (response: RawResponse) => (response.json as { clientCertificateId: string }).clientCertificateId;

/** A service whose every answer is written to `log`. */
const loggedService = async (options: Parameters<typeof startTestService>[0] = {}) => {
  const log: AccessLogEntry[] = [];
  const service = await startTestService({ ...options, accessLog: (entry) => log.push(entry) });
  return { service, log };
};

/** Each response has its log line, naming its request ids and the status it was sent with. */
const expectLogged = (responses: readonly RawResponse[], log: readonly AccessLogEntry[]) => {
  const byApiRequestId = new Map(log.map((entry) => [entry.apiRequestId, entry]));
  expect(byApiRequestId.size).toBe(log.length);
  for (const response of responses) {
    const entry = byApiRequestId.get(String(response.headers['apigw-requestid']));
    expect(entry).toMatchObject({ status: response.status, requestId: response.headers['x-amzn-requestid'] ?? '' });
  }
};

describe(`a burst of four times the default concurrency (${CONCURRENCY})`, () => {
  let service: LocalService;
  let log: AccessLogEntry[];

  beforeAll(async () => {
    ({ service, log } = await loggedService());
  });

  afterAll(async () => {
    await service.close();
  });

  test('of Generate: answered 201, one certificate each, or 503 (500 throttled) with none where a slow machine left no time to write', async () => {
    const responses = await Promise.all(Array.from({ length: 4 * CONCURRENCY }, (_, i) => generate(service.url, `burst-${i}`)));
    await new Promise((later) => setTimeout(later, 1_000));

    const created = responses.filter((r) => r.status === 201);
    // On saturated cores some wait out their turn: refused as HTTP API refuses a throttled function.
    const throttled = new Set(log.filter((entry) => entry.integrationError === 'FunctionThrottled').map((entry) => entry.apiRequestId));
    for (const r of responses) {
      if (throttled.has(String(r.headers['apigw-requestid']))) expect(r.status).toBe(500);
      else expect([201, 503]).toContain(r.status);
    }
    // Key generation shares two cores here; on a quiet machine every one is a 201.
    expect(created.length).toBeGreaterThanOrEqual((3 * responses.length) / 4);
    const listed = await send(service.url, { path: '/clientcertificates?limit=500', headers: { accept: 'application/json' } });
    expect((listed.json as { item: { clientCertificateId: string }[] }).item.map((c) => c.clientCertificateId).sort()).toEqual(
      created.map(idOf).sort(),
    );
    expectLogged(responses, log);
  });

  test('of Update on four certificates: each answered 200 or 409, and each certificate is at the version its 200s made', async () => {
    const ids = (await Promise.all(Array.from({ length: 4 }, () => generate(service.url, 'to update')))).map(idOf);
    const { client, tableName } = storeClient(service.store);

    const responses = await Promise.all(Array.from({ length: 4 * CONCURRENCY }, (_, i) => update(service.url, ids[i % 4]!, `update-${i}`)));

    for (const r of responses) expect([200, 409]).toContain(r.status);
    const items = JSON.parse(await tableSnapshot(client, tableName)) as { clientCertificateId: { S: string }; version?: { N: string } }[];
    for (const [i, id] of ids.entries()) {
      const ok = responses.filter((r, n) => n % 4 === i && r.status === 200).length;
      expect(items.find((item) => item.clientCertificateId.S === id)?.version?.N).toBe(String(1 + ok));
    }
    client.destroy();
    expectLogged(responses, log);
  });

  test('of GetClientCertificates: all answered 200', async () => {
    const responses = await Promise.all(Array.from({ length: 4 * CONCURRENCY }, () => send(service.url, { path: '/clientcertificates' })));

    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));
    expectLogged(responses, log);
  });
});

describe('past what may wait', () => {
  test('a request is refused at once as HTTP API refuses a throttled function, and writes nothing', async () => {
    const { service, log } = await loggedService({ functions: { concurrency: 1, maxWaitMs: 20 } });
    const { client, tableName } = storeClient(service.store);

    const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => generate(service.url, `squeezed-${i}`)));
    await new Promise((later) => setTimeout(later, 1_000));
    const listed = await send(service.url, { path: '/clientcertificates?limit=500', headers: { accept: 'application/json' } });
    const stored = (JSON.parse(await tableSnapshot(client, tableName)) as { version?: unknown }[]).filter(
      (item) => item.version !== undefined,
    );
    client.destroy();
    await service.close();

    const refused = responses.filter((r) => r.status !== 201);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      // HTTP API's own answer to a failed invocation: no error type, its own text.
      expect(r.status).toBe(500);
      expect(r.json).toEqual({ message: 'Internal Server Error' });
      expect(r.headers['x-amzn-errortype']).toBeUndefined();
    }
    expect(stored).toHaveLength(responses.length - refused.length);
    expect((listed.json as { item: unknown[] }).item).toHaveLength(responses.length - refused.length);
    expectLogged(responses, log);
    expect(log.filter((entry) => entry.integrationError === 'FunctionThrottled')).toHaveLength(refused.length);
  });
});

describe('past what may wait in line', () => {
  test('a flood of one function is refused at once past its concurrency and queue, writing nothing for what it refuses', async () => {
    const { service, log } = await loggedService({ functions: { concurrency: 2, maxWaiting: 2 } });

    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => generate(service.url, `flood-${i}`)));
    const listed = await send(service.url, { path: '/clientcertificates?limit=500', headers: { accept: 'application/json' } });
    await service.close();

    const created = responses.filter((r) => r.status === 201);
    expect(responses.length - created.length).toBeGreaterThanOrEqual(10);
    for (const r of responses) if (r.status !== 201) expect(r.json).toEqual({ message: 'Internal Server Error' });
    expect((listed.json as { item: unknown[] }).item).toHaveLength(created.length);
    expectLogged(responses, log);
  });
});

describe('the log', () => {
  test('has one line for a request that breaks off with a bad chunk, and for one with an unknown Expect', async () => {
    const { service, log } = await loggedService();

    const broken = await sendRaw(
      service.url,
      'POST /clientcertificates HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    );
    const expecting = await send(service.url, { path: '/clientcertificates/abc123', headers: { expect: 'foo' } });
    // Each line is written as its exchange ends, the broken one's once its connection is closed.
    await until('both log lines', () => log.length >= 2);
    await service.close();

    expect(broken.status).toBe(400);
    expect(expecting.status).toBe(404);
    expect(log.map((entry) => entry.status).sort()).toEqual([400, 404]);
  });
});
