import { APIGatewayClient, GenerateClientCertificateCommand } from '@aws-sdk/client-api-gateway';
import { seededClientCertificateId } from '../../../../lib/local/base/seeded-id.js';
import type { LocalService } from '../../../../lib/local/service.js';
import type { FaultProxy } from '../../../support/fault-proxy.js';
import { startTestServiceBehindProxy } from '../../../support/service.js';
import { until } from '../../../support/wait.js';

/**
 * An invocation takes its namespace's clock and id sequence as it starts: a change made while it is
 * under way is for the invocations after it, and it cannot move the new sequence.
 */

const NAMESPACE = { account: '444444444444', region: 'us-east-1' };

let service: LocalService;
let proxy: FaultProxy;
let client: APIGatewayClient;

beforeAll(async () => {
  ({ service, proxy } = await startTestServiceBehindProxy());
  client = new APIGatewayClient({
    endpoint: service.url,
    region: NAMESPACE.region,
    credentials: { accessKeyId: NAMESPACE.account, secretAccessKey: 'x' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await service.close();
  await proxy.close();
});

test('a Generate under way keeps the clock and ids it started with; the next takes the new ones from their start', async () => {
  service.control.setIdSeed(NAMESPACE, 'before');
  // The store answers slowly: the Generate has drawn its id and read its clock before its first store call.
  proxy.set({ mode: 'pass', delayMs: 1_000 });
  const underWay = client.send(new GenerateClientCertificateCommand({}));
  await until('the Generate reached the store', () => proxy.calls.faulted.length > 0);

  service.control.setClock(NAMESPACE, { time: '2030-01-01T00:00:00Z' });
  service.control.setIdSeed(NAMESPACE, 'after');
  proxy.set({ mode: 'pass' });
  const first = await underWay;
  const next = await client.send(new GenerateClientCertificateCommand({}));

  expect(first.clientCertificateId).toBe(seededClientCertificateId('before', 0));
  expect(Math.abs(first.createdDate!.getTime() - Date.now())).toBeLessThan(60_000);
  expect(next.clientCertificateId).toBe(seededClientCertificateId('after', 0));
  expect(next.createdDate).toEqual(new Date('2030-01-01T00:00:00Z'));
  expect(service.control.ids(NAMESPACE).drawn).toBe(1);
});
