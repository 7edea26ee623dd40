import type { APIGatewayClientConfig } from '@aws-sdk/client-api-gateway';
import {
  APIGatewayClient,
  DeleteClientCertificateCommand,
  GenerateClientCertificateCommand,
  GetClientCertificateCommand,
  GetClientCertificatesCommand,
  GetTagsCommand,
  TagResourceCommand,
  UpdateClientCertificateCommand,
} from '@aws-sdk/client-api-gateway';
import type { LocalService } from '../../lib/local/service.js';
import { cliPresent, runCli } from '../support/cli.js';
import { failureOf } from '../support/sdk.js';
import { startTestService } from '../support/service.js';
import { certificateArn } from '../support/target.js';

/**
 * Accounts and regions, through the real SDK and CLI: two accounts (each its own key pair, checked
 * with AUTH=sigv4) in two regions, in one service, are four namespaces that share nothing.
 */

const QUOTA = 3;

const KEYS = [
  { accessKeyId: 'AKIDACCOUNTONE', secretAccessKey: 'one-secret', accountId: '111111111111' },
  { accessKeyId: 'AKIDACCOUNTTWO', secretAccessKey: 'two-secret', accountId: '222222222222' },
];
const REGIONS = ['us-east-1', 'eu-west-1'];

let signed: LocalService;
let unchecked: LocalService;
const clients: APIGatewayClient[] = [];

const client = (service: LocalService, region: string, credentials: APIGatewayClientConfig['credentials']): APIGatewayClient => {
  const made = new APIGatewayClient({ endpoint: service.url, region, credentials, maxAttempts: 1 });
  clients.push(made);
  return made;
};

beforeAll(async () => {
  signed = await startTestService({ sigv4: { credentials: KEYS }, quota: QUOTA });
  unchecked = await startTestService({ quota: QUOTA });
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await signed.close();
  await unchecked.close();
});

const ids = async (c: APIGatewayClient): Promise<string[]> =>
  ((await c.send(new GetClientCertificatesCommand({ limit: 500 }))).items ?? []).map((item) => item.clientCertificateId!).sort();

const generate = async (c: APIGatewayClient, tags?: Record<string, string>): Promise<string> =>
  (await c.send(new GenerateClientCertificateCommand({ tags }))).clientCertificateId!;

describe('two accounts in two regions, signed with their own keys', () => {
  // [account one us-east-1, account one eu-west-1, account two us-east-1, account two eu-west-1]
  let namespaces: APIGatewayClient[];
  const made = new Map<APIGatewayClient, string[]>();
  const COUNTS = [1, 2, 3, 2];

  beforeAll(async () => {
    namespaces = KEYS.flatMap((key) => REGIONS.map((region) => client(signed, region, key)));
    for (const [i, c] of namespaces.entries()) {
      made.set(c, (await Promise.all(Array.from({ length: COUNTS[i]! }, () => generate(c, { n: String(i) })))).sort());
    }
  });

  test('each lists exactly its own certificates', async () => {
    for (const c of namespaces) expect(await ids(c)).toEqual(made.get(c));
    expect(new Set([...made.values()].flat()).size).toBe(1 + 2 + 3 + 2);
  });

  test("another namespace's id is not found, to get, update, delete or tag", async () => {
    const [one, oneElsewhere, two] = namespaces as [APIGatewayClient, APIGatewayClient, APIGatewayClient];
    const id = made.get(one)![0]!;
    for (const other of [oneElsewhere, two]) {
      for (const call of [
        other.send(new GetClientCertificateCommand({ clientCertificateId: id })),
        other.send(
          new UpdateClientCertificateCommand({
            clientCertificateId: id,
            patchOperations: [{ op: 'replace', path: '/description', value: 'x' }],
          }),
        ),
        other.send(new DeleteClientCertificateCommand({ clientCertificateId: id })),
      ]) {
        expect((await failureOf(call)).name).toBe('NotFoundException');
      }
    }
    // Named with the ARN of its own region, from the same account's other region, or from the other account.
    const arn = certificateArn(id, 'us-east-1');
    expect((await failureOf(two.send(new TagResourceCommand({ resourceArn: arn, tags: { x: 'y' } })))).name).toBe('NotFoundException');
    expect((await failureOf(oneElsewhere.send(new GetTagsCommand({ resourceArn: arn })))).message).toBe(
      'Invalid resource identifier specified',
    );
    expect((await failureOf(oneElsewhere.send(new GetTagsCommand({ resourceArn: certificateArn(id, 'eu-west-1') })))).name).toBe(
      'NotFoundException',
    );

    expect((await one.send(new GetClientCertificateCommand({ clientCertificateId: id }))).description).toBeUndefined();
    expect((await one.send(new GetTagsCommand({ resourceArn: arn }))).tags).toEqual({ n: '0' });
  });

  test('each has its own quota: one namespace full, the others still generate', async () => {
    const [one, oneElsewhere, , twoElsewhere] = namespaces as APIGatewayClient[] as [
      APIGatewayClient,
      APIGatewayClient,
      APIGatewayClient,
      APIGatewayClient,
    ];
    while ((await ids(one)).length < QUOTA) await generate(one);

    expect((await failureOf(generate(one))).name).toBe('LimitExceededException');
    // The same account in another region, and the other account in it: two certificates each so far.
    expect(await generate(oneElsewhere)).toMatch(/^[a-z0-9]{6}$/);
    expect(await generate(twoElsewhere)).toMatch(/^[a-z0-9]{6}$/);
  });

  test('a key the service does not know is refused', async () => {
    const stranger = client(signed, 'us-east-1', { accessKeyId: '333333333333', secretAccessKey: 'x' });

    expect((await failureOf(stranger.send(new GetClientCertificatesCommand({})))).name).toBe('UnrecognizedClientException');
  });
});

describe('without signature checks, as LocalStack: the access key id names the account', () => {
  const aws = async (accessKeyId: string | undefined, region: string, ...args: string[]): Promise<Record<string, unknown>> => {
    const credentials = accessKeyId === undefined ? {} : { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: 'anything' };
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      ...credentials,
    };
    const unsigned = accessKeyId === undefined ? ['--no-sign-request'] : [];
    const { exitCode, stdout, stderr } = await runCli(
      ['apigateway', ...args, '--endpoint-url', unchecked.url, '--region', region, '--output', 'json', ...unsigned],
      env,
    );
    if (exitCode !== 0) throw new Error(stderr);
    return JSON.parse(stdout || '{}') as Record<string, unknown>;
  };
  const listed = async (accessKeyId: string | undefined, region: string): Promise<unknown[]> =>
    ((await aws(accessKeyId, region, 'get-client-certificates')).items as { clientCertificateId: string }[]).map(
      (c) => c.clientCertificateId,
    );

  (cliPresent ? test : test.skip)('the CLI with a 12-digit access key id, another, another region and unsigned: four lists', async () => {
    const mine = (await aws('444444444444', 'us-east-1', 'generate-client-certificate')).clientCertificateId;
    const theirs = (await aws('555555555555', 'us-east-1', 'generate-client-certificate')).clientCertificateId;
    const elsewhere = (await aws('444444444444', 'ap-south-1', 'generate-client-certificate')).clientCertificateId;
    const anonymous = (await aws(undefined, 'us-east-1', 'generate-client-certificate')).clientCertificateId;

    expect(await listed('444444444444', 'us-east-1')).toEqual([mine]);
    expect(await listed('555555555555', 'us-east-1')).toEqual([theirs]);
    expect(await listed('444444444444', 'ap-south-1')).toEqual([elsewhere]);
    // Unsigned, and any key that is not 12 digits: the default account, in the service's region.
    expect(await listed(undefined, 'us-east-1')).toEqual([anonymous]);
    expect(await listed('AKIAIOSFODNN7EXAMPLE', 'us-east-1')).toEqual([anonymous]);
  });

  test('the SDK signing with a 12-digit access key id works in that account', async () => {
    const c = client(unchecked, 'us-west-2', { accessKeyId: '666666666666', secretAccessKey: 'anything' });
    const id = await generate(c);

    expect(await ids(c)).toEqual([id]);
    expect(await ids(client(unchecked, 'us-west-2', { accessKeyId: '777777777777', secretAccessKey: 'anything' }))).toEqual([]);
  });
});
