import { APIGatewayClient, GenerateClientCertificateCommand, GetTagsCommand } from '@aws-sdk/client-api-gateway';
import type { LocalService } from '../../../lib/local/service.js';
import { startLocalService } from '../../../lib/local/service.js';

/**
 * Two services in one process, as two test suites sharing a jest worker would start them: each
 * behaves by its own options, and neither writes them into this process's environment.
 */

let west: LocalService;
let east: LocalService;
const before = { ...process.env };

beforeAll(async () => {
  const common = { port: 0, dataDir: 'memory', accessLog: false, logLevel: 'SILENT' } as const;
  [west, east] = await Promise.all([
    startLocalService({ ...common, region: 'eu-west-1', quota: 1 }),
    startLocalService({ ...common, region: 'ap-south-1', quota: 2 }),
  ]);
});

afterAll(async () => {
  await Promise.all([west?.close(), east?.close()]);
});

/** A client of `service`, signing for the service's own region: the request's region is the one it signs for. */
const client = (service: LocalService) =>
  new APIGatewayClient({
    endpoint: service.url,
    region: service === west ? 'eu-west-1' : 'ap-south-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

const generate = (service: LocalService) =>
  client(service)
    .send(new GenerateClientCertificateCommand({}))
    .then(
      () => 'created',
      (error: Error) => error.name,
    );

describe('startLocalService, twice in one process', () => {
  test("each knows its certificates by ARNs in its own region, not the other's", async () => {
    const { clientCertificateId: id } = await client(east).send(new GenerateClientCertificateCommand({}));
    const arnIn = (region: string) => `arn:aws:apigateway:${region}::/clientcertificates/${id}`;

    const tags = await client(east).send(new GetTagsCommand({ resourceArn: arnIn('ap-south-1') }));
    const refused = await client(east)
      .send(new GetTagsCommand({ resourceArn: arnIn('eu-west-1') }))
      .then(
        () => 'answered',
        (error: Error) => error.name,
      );

    expect(tags.tags).toEqual({});
    expect(refused).toBe('NotFoundException');
  });

  test('each holds to its own quota', async () => {
    expect([await generate(west), await generate(west)]).toEqual(['created', 'LimitExceededException']);
    // One of its two is taken above.
    expect([await generate(east), await generate(east)]).toEqual(['created', 'LimitExceededException']);
  });

  test("neither writes its settings into this process's environment", () => {
    expect(process.env).toEqual(before);
  });
});

test('a quota that is not a positive integer fails the start, before the handlers would refuse it at their first invocation', async () => {
  await expect(startLocalService({ port: 0, dataDir: 'memory', accessLog: false, quota: 0 })).rejects.toThrow(
    'quota must be a positive integer, got 0',
  );
});
