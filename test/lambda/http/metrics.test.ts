import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jest } from '@jest/globals';
import type { ClientCertificate } from '../../../lambda/domain/client-certificate.js';
import { METRIC, METRICS_NAMESPACE, ROUTE_DIMENSION } from '../../../lambda/http/metrics.js';
import type { ClientCertificateStore, ClientCertificateStores } from '../../../lambda/store/client-certificate-store.js';
import { DynamoDbClientCertificateStore, documentClient } from '../../../lambda/store/dynamodb-store.js';
import { operations, routeKey } from '../../../lib/operations.js';
import { invoke, overriding } from '../../support/handlers.js';
import { storeBehindFaultProxy } from '../../support/store-behind-proxy.js';

// The functions' metrics are the embedded-metric-format lines they print: these tests read them from stdout.
const TABLE = 'MetricsTests';

// Each handler's store calls run under its function's role, refused as IAM would what it is not granted.
const behind = storeBehindFaultProxy(TABLE);
/** The store as the function of `operation` has it, on the test's table; `quota` certificates at most. */
const storeOf = (operation: string, quota?: number) => new DynamoDbClientCertificateStore(behind.clientOf(operation), behind.table, quota);

type Factory = (store: ClientCertificateStore) => Parameters<typeof invoke>[0];
let generate: Factory;
let update: Factory;

beforeAll(async () => {
  Object.assign(process.env, {
    TABLE_NAME: TABLE,
    AWS_REGION: 'us-east-1',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_SERVICE_NAME: 'metrics-test',
    POWERTOOLS_METRICS_DISABLED: 'false',
  });
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  // Every request here is in the store's own namespace.
  const inStore =
    (factory: (stores: ClientCertificateStores) => Parameters<typeof invoke>[0]): Factory =>
    (one) =>
      factory(() => one);
  generate = inStore((await import('../../../lambda/handlers/generate-client-certificate.js')).createHandler);
  update = inStore((await import('../../../lambda/handlers/update-client-certificate.js')).createHandler);
});

interface Emf {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

/** Runs `act` and returns the EMF lines it printed to stdout (anything else printed passes through). */
const emfLinesOf = async (act: () => Promise<unknown>): Promise<Emf[]> => {
  const lines: Emf[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: any, ...rest: any[]) => {
    const text = String(chunk);
    if (!text.includes('"_aws"')) return write(chunk, ...rest);
    lines.push(JSON.parse(text));
    return true;
  });
  try {
    await act();
  } finally {
    spy.mockRestore();
  }
  return lines;
};

const metricNames = (emf: Emf): string[] => emf._aws.CloudWatchMetrics[0]!.Metrics.map((m) => m.Name).sort();

const routeOf = (name: string): string => routeKey(operations.find((o) => o.name === name)!);

const newCertificate = async (quota?: number): Promise<ClientCertificate> =>
  (await invoke(generate(storeOf('GenerateClientCertificate', quota)), 'GenerateClientCertificate', { body: {} }))
    .json as unknown as ClientCertificate;

const updateBody = { patchOperations: [{ op: 'replace', path: '/description', value: 'x' }] };

test('a request prints one EMF line: Requests and Latency in the namespace, by service and route', async () => {
  const { clientCertificateId: id } = await newCertificate();

  const lines = await emfLinesOf(() =>
    invoke(update(storeOf('UpdateClientCertificate')), 'UpdateClientCertificate', { id, body: updateBody }),
  );

  expect(lines).toHaveLength(1);
  const [emf] = lines as [Emf];
  expect(emf._aws.CloudWatchMetrics).toEqual([
    {
      Namespace: METRICS_NAMESPACE,
      Dimensions: [['service', ROUTE_DIMENSION]],
      Metrics: expect.arrayContaining([
        { Name: METRIC.requests, Unit: 'Count' },
        { Name: METRIC.latency, Unit: 'Milliseconds' },
      ]),
    },
  ]);
  expect(metricNames(emf)).toEqual([METRIC.latency, METRIC.requests]);
  expect(emf).toMatchObject({ service: 'metrics-test', [ROUTE_DIMENSION]: routeOf('UpdateClientCertificate'), [METRIC.requests]: 1 });
  expect(emf[METRIC.latency]).toEqual(expect.any(Number));
});

test('a write that lost a race is counted as ConflictException', async () => {
  const { clientCertificateId: id } = await newCertificate();
  const store = storeOf('UpdateClientCertificate');
  // Another writer saves between this request's read and its write.
  const racing = overriding(store, {
    load: async (loadId) => {
      const loaded = (await store.load(loadId))!;
      await storeOf('UpdateClientCertificate').saveIfVersion(loaded.value, loaded.version);
      return loaded;
    },
  });

  const lines = await emfLinesOf(() => invoke(update(racing), 'UpdateClientCertificate', { id, body: updateBody }));

  expect(metricNames(lines[0]!)).toEqual(['ConflictException', METRIC.latency, METRIC.requests]);
  expect(lines[0]!.ConflictException).toBe(1);
});

test('a Generate refused by the quota is counted as LimitExceededException', async () => {
  await newCertificate(1);

  const lines = await emfLinesOf(() =>
    invoke(generate(storeOf('GenerateClientCertificate', 1)), 'GenerateClientCertificate', { body: {} }),
  );

  expect(lines[0]).toMatchObject({ [ROUTE_DIMENSION]: routeOf('GenerateClientCertificate'), LimitExceededException: 1 });
});

/** A stand-in DynamoDB answering every request with a 400 of DynamoDB's `type`. */
const refusingStore = async (type: string) => {
  const server = createServer((_, res) => {
    res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: 'refused' }));
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, store: new DynamoDbClientCertificateStore(documentClient({ endpoint }), TABLE) };
};

test('a throttling store is counted as TooManyRequestsException', async () => {
  const { server, store } = await refusingStore('ProvisionedThroughputExceededException');

  const lines = await emfLinesOf(() => invoke(update(store), 'UpdateClientCertificate', { id: 'abc123', body: updateBody }));
  server.close();

  expect(metricNames(lines[0]!)).toEqual([METRIC.latency, METRIC.requests, 'TooManyRequestsException']);
});

test('a store refusing access is counted both as ServiceUnavailableException and as StoreRejected', async () => {
  const { server, store } = await refusingStore('AccessDeniedException');

  const lines = await emfLinesOf(() => invoke(update(store), 'UpdateClientCertificate', { id: 'abc123', body: updateBody }));
  server.close();

  expect(metricNames(lines[0]!)).toEqual([METRIC.latency, METRIC.requests, 'ServiceUnavailableException', METRIC.storeRejected]);
  expect(lines[0]![METRIC.storeRejected]).toBe(1);
});
