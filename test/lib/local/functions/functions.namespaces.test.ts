import { APIGatewayClient, GenerateClientCertificateCommand, GetClientCertificatesCommand } from '@aws-sdk/client-api-gateway';
import { invocationShares } from '../../../../lib/local/functions/functions.js';
import type { LocalService } from '../../../../lib/local/service.js';
import { statusOf } from '../../../support/sdk.js';
import { startTestService } from '../../../support/service.js';

/**
 * Each namespace has its functions' concurrency to itself, as each AWS account has its own functions:
 * one worker that keeps every slot of a function busy throttles itself, never another worker.
 */

let service: LocalService;
const clients: APIGatewayClient[] = [];

const client = (account: string): APIGatewayClient => {
  const made = new APIGatewayClient({
    endpoint: service.url,
    region: 'us-east-1',
    credentials: { accessKeyId: account, secretAccessKey: 'any' },
    maxAttempts: 1,
  });
  clients.push(made);
  return made;
};

beforeAll(async () => {
  // One invocation of each function at once, none waiting: a second at the same time is throttled.
  service = await startTestService({ functions: { concurrency: 1, maxWaiting: 0 } });
});

afterAll(async () => {
  for (const made of clients) made.destroy();
  await service.close();
});

test("a worker's burst that throttles its own calls leaves another namespace's calls of the same function served", async () => {
  const busy = client('111111111111');
  const other = client('222222222222');
  const ownStatuses: number[] = [];
  const otherStatuses: number[] = [];
  for (let round = 0; round < 3; round++) {
    // A Generate holds its slot for a key generation (tens of milliseconds); the rest of the burst is throttled.
    const burst = Array.from({ length: 6 }, () => statusOf(busy.send(new GenerateClientCertificateCommand({}))));
    const [otherGenerate] = await Promise.all([statusOf(other.send(new GenerateClientCertificateCommand({}))), ...burst]);
    ownStatuses.push(...(await Promise.all(burst)));
    otherStatuses.push(otherGenerate);
    await other.send(new GetClientCertificatesCommand({}));
  }

  expect(ownStatuses).toContain(500); // the burst throttled itself
  expect(otherStatuses).toEqual([201, 201, 201]);
});

test("one account running in region after region takes at most its share of the thread's invocations: another account's still start", () => {
  const shares = invocationShares(100, 10);
  // One key signing for 60 regions, 10 invocations in each: a namespace's own limits allow all 600.
  const started = Array.from({ length: 600 }, () => shares.take('111111111111')).filter((refused) => refused === undefined).length;
  const other = Array.from({ length: 10 }, () => shares.take('222222222222'));
  const refused = shares.take('111111111111');
  shares.give('111111111111');
  const afterwards = shares.take('111111111111');

  expect(started).toBe(10);
  expect(other).toEqual(Array(10).fill(undefined));
  expect(refused).toBe('account 111111111111 has 10 invocations under way, in all its regions');
  expect(afterwards).toBeUndefined();
});
