import { APIGatewayClient, GetClientCertificateCommand } from '@aws-sdk/client-api-gateway';
import { routeThrottle, tokenBucket } from '../../../../lib/local/front/throttle.js';
import type { LocalService } from '../../../../lib/local/service.js';
import { isAwsShapedError, send } from '../../../support/http.js';
import { startTestService } from '../../../support/service.js';

describe('the token bucket', () => {
  test('lets a full burst through, then refills at the rate', () => {
    let now = 0;
    const take = tokenBucket({ rate: 2, burst: 3 }, () => now);

    const burst = [take(), take(), take(), take()];
    now = 499;
    const tooSoon = take();
    now = 500;
    const refilled = [take(), take()];
    now = 10_000;
    const afterRest = Array.from({ length: 4 }, take);

    expect(burst).toEqual([true, true, true, false]);
    expect(tooSoon).toBe(false);
    expect(refilled).toEqual([true, false]);
    expect(afterRest).toEqual([true, true, true, false]); // never more than the burst
  });

  test('gives every route its own bucket, as default route throttling does, in each namespace', () => {
    const take = routeThrottle({ rate: 1, burst: 1 }, () => 0);

    expect([take('A', 'GET /a'), take('A', 'GET /a'), take('A', 'PATCH /a'), take('B', 'GET /a')]).toEqual([true, false, true, true]);
  });

  test('lets full buckets go once there are many, and keeps those still refilling', () => {
    let now = 0;
    const take = routeThrottle({ rate: 1, burst: 1 }, () => now);
    for (let i = 0; i < 3_000; i++) take(`sprayed ${i}`, 'GET /a');
    now = 1_500;
    take('busy', 'GET /a');
    now = 1_600; // the sprayed buckets are full again, the busy one a tenth refilled
    for (let i = 0; i < 3_000; i++) take(`later ${i}`, 'GET /a');

    expect(take.buckets()).toBe(3_001); // the busy one and the later ones
    expect(take('busy', 'GET /a')).toBe(false); // still its own bucket, not a new full one
  });
});

describe('the local service with THROTTLE_RATE and THROTTLE_BURST', () => {
  // A rate this low refills nothing while the test runs, however slow the machine.
  const burst = 5;
  let service: LocalService;

  beforeAll(async () => {
    service = await startTestService({ throttle: { rate: 0.001, burst } });
  });

  afterAll(async () => {
    await service.close();
  });

  test('answers the request past the burst 429 TooManyRequestsException with Retry-After', async () => {
    const path = '/clientcertificates/abc123';
    const within = [];
    for (let i = 0; i < burst; i++) within.push(await send(service.url, { path }));

    const over = await send(service.url, { path });
    const otherRoute = await send(service.url, { method: 'PATCH', path });

    expect(within.map((r) => r.status)).toEqual(Array(burst).fill(404));
    expect(over.status).toBe(429);
    expect(over.headers['x-amzn-errortype']).toBe('TooManyRequestsException');
    expect(over.headers['retry-after']).toMatch(/^\d+$/);
    expect(over.json).toEqual({ message: 'Too Many Requests' });
    expect(isAwsShapedError(over)).toBe(true);
    expect(otherRoute.status).toBe(404);
  });

  test("throttles each namespace by its own buckets: one caller's flood past the burst leaves another's calls served", async () => {
    const as = (account: string) => ({
      authorization: `AWS4-HMAC-SHA256 Credential=${account}/20261207/us-east-1/apigateway/aws4_request, SignedHeaders=host;x-amz-date, Signature=00`,
      'x-amz-date': '20261207T000000Z',
    });
    const path = '/clientcertificates/abc123';
    const flood = [];
    for (let i = 0; i <= burst; i++) flood.push((await send(service.url, { path, headers: as('222222222222') })).status);

    const other = await send(service.url, { path, headers: as('111111111111') });

    expect(flood).toEqual([...Array(burst).fill(404), 429]);
    expect(other.status).toBe(404);
  });

  test('the AWS SDK sees TooManyRequestsException', async () => {
    const sdk = new APIGatewayClient({
      endpoint: service.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 1,
    });

    await expect(sdk.send(new GetClientCertificateCommand({ clientCertificateId: 'abc123' }))).rejects.toMatchObject({
      name: 'TooManyRequestsException',
      $metadata: { httpStatusCode: 429 },
    });
  });
});
