import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APIGatewayClient, GenerateClientCertificateCommand, GetTagsCommand } from '@aws-sdk/client-api-gateway';
import type { LocalService, LocalServiceOptions } from '../../../lib/local/service.js';
import { startLocalService } from '../../../lib/local/service.js';
import { localServiceOptionsFromEnvironment, SettingError } from '../../../lib/local/settings.js';
import { send, sendRaw } from '../../support/http.js';

/**
 * Two services in one process, as two test suites sharing a jest worker would start them: each
 * behaves by its own options, and neither writes them into this process's environment.
 */

let west: LocalService;
let east: LocalService;
const before = { ...process.env };

beforeAll(async () => {
  // Without the key pool, as test services run: the regions and quotas here take no pair from it.
  const common = { port: 0, dataDir: 'memory', accessLog: false, logLevel: 'SILENT', keyPoolSize: 0 } as const;
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

  test('more services in the process add no listener to its stdout or stderr (five would set off MaxListenersExceededWarning)', async () => {
    const listeners = () => [process.stdout, process.stderr].map((stream) => stream.eventNames().map((name) => stream.listenerCount(name)));
    const withTwo = listeners();

    const more = await Promise.all([1, 2, 3].map(() => startLocalService({ port: 0, dataDir: 'memory', accessLog: false })));
    const withFive = listeners();
    await Promise.all(more.map((service) => service.close()));

    expect(withFive).toEqual(withTwo);
  });

  test("neither writes its settings into this process's environment", () => {
    expect(process.env).toEqual(before);
  });
});

describe('startLocalService checks its options by the rules the settings are checked by', () => {
  const refusal = async (options: LocalServiceOptions): Promise<unknown> =>
    startLocalService({ port: 0, dataDir: 'memory', accessLog: false, ...options }).then(
      async (service) => {
        await service.close();
        throw new Error('started');
      },
      (error: unknown) => error,
    );

  test.each<[LocalServiceOptions, string]>([
    [
      { host: '' },
      'host must be an address of this machine (unset: 127.0.0.1): an IPv4 address in four decimal parts, an IPv6 address or a host name, got ""',
    ],
    [{ dataDir: '' }, 'dataDir must be a directory for the store, or memory to keep nothing on disk (unset: .data), got ""'],
    [{ region: 'mars' }, 'region must be an AWS region, such as us-east-1 (unset: us-east-1), got "mars"'],
    [
      { functions: { concurrency: 0 } },
      'functions.concurrency must be invocations of each function at once, from 1 to 1000 (unset: 10), got 0',
    ],
    [{ maxConnections: 0 }, 'maxConnections must be a whole number of connections held at once, from 1, got 0'],
    [{ idSeed: '' }, 'idSeed must be a seed of 1 to 256 printable ASCII characters (unset: random ids), got ""'],
    [{ quota: 0 }, 'quota must be a whole number of certificates from 1 to 1000 (unset: 60), got 0'],
    [{ quota: 1.5 }, 'got 1.5'],
    [{ port: 65_536 }, 'port must be a port number from 0 to 65535 (0: any free port), got 65536'],
    [{ defaultAccountId: '123' }, 'defaultAccountId must be an account id of 12 digits (unset: 000000000000), got "123"'],
    [{ functions: { timeoutMs: 0 } }, 'functions.timeoutMs must be milliseconds a function may run, from 1 to 30000, got 0'],
    [
      { functions: { maxWaitMs: -1 } },
      'functions.maxWaitMs must be milliseconds an invocation may wait for a free slot, from 0 to 30000, got -1',
    ],
    [
      { functions: { maxWaiting: Number.NaN } },
      'functions.maxWaiting must be a whole number of invocations that may wait at once, from 0, got NaN',
    ],
    [
      { upstreamUrl: 'file:///etc/passwd' },
      'upstreamUrl must be an http:// or https:// URL of at most 2048 characters, such as http://127.0.0.1:5000, got "file:///etc/passwd"',
    ],
    [{ upstreamUrl: 5000 as unknown as string }, 'upstreamUrl must be an http:// or https:// URL'],
    [{ throttle: { rate: 0, burst: 10 } }, 'throttle.rate must be a positive number of requests a second'],
    [{ throttle: { rate: 10, burst: 0.5 } }, 'throttle.burst must be a whole number of requests from 1, got 0.5'],
    [
      {
        sigv4: {
          credentials: [
            { accessKeyId: 'AKIDONE', secretAccessKey: 's' },
            { accessKeyId: 'AKIDTWO', secretAccessKey: 's' },
          ],
        },
      },
      'sigv4.credentials[0].accountId must be set: with several keys, each names its account',
    ],
    [
      { sigv4: { credentials: { accessKeyId: 'AKID', secretAccessKey: 's', accountId: 'x#eu-west-1' } } },
      'sigv4.credentials.accountId must be an account id of 12 digits, got "x#eu-west-1"',
    ],
    [
      {
        sigv4: {
          credentials: [
            { accessKeyId: 'AKID', secretAccessKey: 'one', accountId: '111111111111' },
            { accessKeyId: 'AKID', secretAccessKey: 'two', accountId: '111111111111', allNamespaces: true },
          ],
        },
      },
      'sigv4.credentials[1]: access key AKID is listed twice',
    ],
    [{ keyPoolSize: '0' as unknown as number }, 'keyPoolSize must be a number, got "0"'],
    [{ journalSize: '10' as unknown as number }, 'journalSize must be a number, got "10"'],
    [{ journalSize: 1e9 }, 'journalSize must be requests kept per namespace, from 0 (none) to 10000'],
    [{ functions: { timeoutMs: '300' as unknown as number } }, 'functions.timeoutMs must be a number, got "300"'],
    [{ port: '0' as unknown as number }, 'port must be a number, got "0"'],
    [{ logLevel: 'LOUD' }, 'logLevel must be one of TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT'],
    [
      { allowedOrigins: ['http://localhost:8080/'] },
      'allowedOrigins must be comma-separated origins, each scheme://host[:port] as a browser sends it (such as http://localhost:8080), or *, got "http://localhost:8080/"',
    ],
    [
      { allowedHosts: [''] },
      'allowedHosts must be comma-separated host names or IP addresses, without ports (such as host.docker.internal), got ""',
    ],
  ])('%j fails the start with a SettingError naming the option', async (options, message) => {
    const error = await refusal(options);

    expect(error).toBeInstanceOf(SettingError);
    expect((error as Error).message).toContain(message);
  });

  test('a dataDir that is a symbolic link to nothing fails the start in one line naming dataDir, and makes nothing', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'data-dir-'));
    const dangling = join(folder, 'store');
    symlinkSync(join(folder, 'gone', 'nowhere'), dangling);

    const error = await refusal({ dataDir: dangling });

    expect(error).toBeInstanceOf(SettingError);
    expect((error as Error).message).toMatch(
      /^dataDir ".*store" cannot hold the store \(ENOENT\): set dataDir to another directory, or memory$/,
    );
    expect(readdirSync(folder)).toEqual(['store']);
    rmSync(folder, { recursive: true });
  });

  test('an option is refused in the words its variable is', async () => {
    const optionMessage = ((await refusal({ region: 'mars' })) as Error).message;
    const variableMessage = (() => {
      try {
        localServiceOptionsFromEnvironment({ AWS_REGION: 'mars' });
      } catch (error) {
        return (error as Error).message;
      }
    })();

    expect(optionMessage.replace(/^region /, '')).toBe(variableMessage?.replace(/^AWS_REGION /, ''));
  });
});

describe('a client that half-closes its connection once its request is sent', () => {
  test('gets its answer, and the request is done once', async () => {
    const service = await startLocalService({ port: 0, dataDir: 'memory', accessLog: false, logLevel: 'SILENT', keyPoolSize: 0 });
    try {
      const { hostname } = new URL(service.url);
      const body = '{"description":"half-closed"}';
      const created = await sendRaw(
        service.url,
        `POST /clientcertificates HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
        { halfClose: true },
      );

      expect(created.status).toBe(201);
      const listed = await send(service.url, { path: '/clientcertificates', headers: { accept: 'application/json' } });
      expect((listed.json as { item: { description?: string }[] }).item.map((item) => item.description)).toEqual(['half-closed']);
    } finally {
      await service.close();
    }
  });
});
