import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDbClientCertificateStore, documentClient, STORE_TIMEOUTS } from '../../../lambda/store/dynamodb-store.js';
import { FUNCTION_DEFAULTS } from '../../../lib/operations.js';
import { invoke } from '../../support/handlers.js';

type Factory = typeof import('../../../lambda/handlers/update-client-certificate.js')['createHandler'];
let update: Factory;

beforeAll(async () => {
  Object.assign(process.env, { TABLE_NAME: 'Unused', AWS_REGION: 'us-east-1', POWERTOOLS_LOG_LEVEL: 'SILENT' });
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  update = (await import('../../../lambda/handlers/update-client-certificate.js')).createHandler;
});

/** A stand-in DynamoDB endpoint that answers every request with `respond`. */
const fakeDynamoDb = async (respond: Parameters<typeof createServer>[1]): Promise<{ server: Server; endpoint: string }> => {
  const server = createServer(respond);
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
};

const updateThrough = async (endpoint: string) => {
  const store = new DynamoDbClientCertificateStore(documentClient({ endpoint }), 'ClientCertificates');
  const started = Date.now();
  const response = await invoke(
    update(() => store),
    'UpdateClientCertificate',
    {
      id: 'abc123',
      body: { patchOperations: [{ op: 'replace', path: '/description', value: 'x' }] },
    },
  );
  return { ...response, elapsed: Date.now() - started };
};

test('a throttling store is 429 TooManyRequestsException with Retry-After', async () => {
  let calls = 0;
  const { server, endpoint } = await fakeDynamoDb((_, res) => {
    calls++;
    res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'slow down' }));
  });

  const response = await updateThrough(endpoint);
  server.close();

  expect(response.statusCode).toBe(429);
  expect(response.headers['x-amzn-ErrorType']).toBe('TooManyRequestsException');
  expect(response.headers['Retry-After']).toMatch(/^\d+$/);
  expect(response.json).toEqual({ message: 'Too Many Requests' });
  expect(calls).toBe(STORE_TIMEOUTS.maxAttempts);
});

test('an unreachable store is 503 ServiceUnavailableException with no internals in the body', async () => {
  const { server, endpoint } = await fakeDynamoDb(() => undefined);
  await new Promise((closed) => server.close(closed));

  const response = await updateThrough(endpoint);

  expect(response.statusCode).toBe(503);
  expect(response.headers['x-amzn-ErrorType']).toBe('ServiceUnavailableException');
  expect(response.json).toEqual({ message: 'Service Unavailable' });
});

test('a store that never answers is 503 within the bounded time, well under the Lambda timeout', async () => {
  const { server, endpoint } = await fakeDynamoDb(() => undefined); // accepts, never responds

  const response = await updateThrough(endpoint);
  server.closeAllConnections();
  server.close();

  expect(response.statusCode).toBe(503);
  expect(response.json).toEqual({ message: 'Service Unavailable' });
  const bound = STORE_TIMEOUTS.maxAttempts * STORE_TIMEOUTS.requestTimeout + 2_000;
  expect(response.elapsed).toBeLessThan(bound);
  expect(bound).toBeLessThan(FUNCTION_DEFAULTS.timeoutSeconds * 1000);
});

test('a store answering 500 is 503, not a leak of its error', async () => {
  const { server, endpoint } = await fakeDynamoDb((_, res) => {
    res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'secret detail' }));
  });

  const response = await updateThrough(endpoint);
  server.close();

  expect(response.statusCode).toBe(503);
  expect(JSON.stringify(response.json)).not.toContain('secret');
});

test.each(['AccessDeniedException', 'ValidationException'])(
  'a store refusing the request with %s is 503 ServiceUnavailableException, sent once, nothing leaked',
  async (type) => {
    let calls = 0;
    const { server, endpoint } = await fakeDynamoDb((_, res) => {
      calls++;
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: 'secret detail' }));
    });

    const response = await updateThrough(endpoint);
    server.close();

    expect(response.statusCode).toBe(503);
    expect(response.headers['x-amzn-ErrorType']).toBe('ServiceUnavailableException');
    expect(response.json).toEqual({ message: 'Service Unavailable' });
    expect(calls).toBe(1);
  },
);
