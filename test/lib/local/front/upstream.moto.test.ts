import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import {
  APIGatewayClient,
  CreateDeploymentCommand,
  CreateRestApiCommand,
  CreateStageCommand,
  GenerateClientCertificateCommand,
  GetDeploymentsCommand,
  GetResourcesCommand,
  GetRestApisCommand,
  GetStageCommand,
  GetStagesCommand,
  NotFoundException,
  PutIntegrationCommand,
  PutMethodCommand,
  UpdateStageCommand,
} from '@aws-sdk/client-api-gateway';
import type { LocalService } from '../../../../lib/local/service.js';
import type { RawResponse } from '../../../support/http.js';
import { send } from '../../../support/http.js';
import { failureOf } from '../../../support/sdk.js';
import { startTestService } from '../../../support/service.js';
import { signed } from '../../../support/signing.js';
import { skipMark } from '../../../support/target-settings.js';
import { until } from '../../../support/wait.js';

/** moto's server, the upstream a harness runs beside this service; the machine image's Python has it. */
const motoPresent = (() => {
  try {
    execFileSync('moto_server', ['--help'], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
})();

if (!motoPresent) console.warn('\n!!! moto_server not found on PATH: the tests against moto are SKIPPED (pip install "moto[server]").\n');

const describeIfMoto = motoPresent ? describe : describe.skip;
const title = `this service in front of moto_server${motoPresent ? '' : skipMark('no moto_server on PATH')}`;

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

const KEY = { accessKeyId: '123456789012', secretAccessKey: 'moto-and-local' };

/**
 * CreateStage with `clientCertificateId`, signed as the SDK signs. The API's model has no such member
 * on CreateStage (the SDK drops it); CloudFormation's stage and raw callers send it.
 */
const createStageWith = async (baseUrl: string, restApiId: string, body: Record<string, string>): Promise<RawResponse> =>
  send(
    baseUrl,
    await signed(
      baseUrl,
      {
        method: 'POST',
        path: `/restapis/${restApiId}/stages`,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      },
      { credentials: KEY },
    ),
  );

describeIfMoto(title, () => {
  let moto: ChildProcess;
  let motoUrl: string;
  let service: LocalService;
  let client: APIGatewayClient;
  let motoClient: APIGatewayClient;
  let restApiId: string;
  let deploymentId: string;

  beforeAll(async () => {
    const port = await freePort();
    motoUrl = `http://127.0.0.1:${port}`;
    moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    let up = false;
    const poll = setInterval(() => {
      send(motoUrl, { path: '/moto-api/' }).then(
        () => (up = true),
        () => {},
      );
    }, 200);
    await until('moto_server to answer', () => up, 60_000).finally(() => clearInterval(poll));
    // Signatures are checked here, as AUTH=sigv4 does, then passed on as signed.
    service = await startTestService({ upstreamUrl: motoUrl, sigv4: { credentials: KEY, service: 'apigateway' } });
    client = new APIGatewayClient({ endpoint: service.url, region: 'us-east-1', credentials: KEY });
    motoClient = new APIGatewayClient({ endpoint: motoUrl, region: 'us-east-1', credentials: KEY });

    // What moto needs for a deployment: an API, a method on its root and that method's integration.
    ({ id: restApiId } = (await client.send(new CreateRestApiCommand({ name: 'with-certificates' }))) as { id: string });
    const { items } = await client.send(new GetResourcesCommand({ restApiId }));
    const rootId = items!.find((resource) => resource.path === '/')!.id!;
    await client.send(new PutMethodCommand({ restApiId, resourceId: rootId, httpMethod: 'GET', authorizationType: 'NONE' }));
    await client.send(new PutIntegrationCommand({ restApiId, resourceId: rootId, httpMethod: 'GET', type: 'MOCK' }));
    ({ id: deploymentId } = (await client.send(new CreateDeploymentCommand({ restApiId }))) as { id: string });
  }, 120_000);

  afterAll(async () => {
    client?.destroy();
    motoClient?.destroy();
    await service?.close();
    if (moto !== undefined && moto.exitCode === null) {
      const exited = new Promise((done) => moto.once('exit', done));
      moto.kill();
      await exited;
    }
  });

  test("the REST API and deployment made through this service are moto's: moto lists them when asked directly", async () => {
    const { items } = await motoClient.send(new GetDeploymentsCommand({ restApiId }));

    expect(items!.map(({ id }) => id)).toEqual([deploymentId]);
  });

  test('CreateStage and UpdateStage naming a certificate of this service are forwarded; GetStage answers what moto stored', async () => {
    const { clientCertificateId } = await client.send(new GenerateClientCertificateCommand({ description: 'for a stage' }));

    const created = await createStageWith(service.url, restApiId, {
      stageName: 'created',
      deploymentId,
      clientCertificateId: clientCertificateId!,
    });
    await client.send(new CreateStageCommand({ restApiId, stageName: 'attached', deploymentId }));
    const updated = await client.send(
      new UpdateStageCommand({
        restApiId,
        stageName: 'attached',
        patchOperations: [{ op: 'replace', path: '/clientCertificateId', value: clientCertificateId }],
      }),
    );
    const read = await client.send(new GetStageCommand({ restApiId, stageName: 'created' }));
    const direct = await motoClient.send(new GetStageCommand({ restApiId, stageName: 'created' }));

    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ stageName: 'created', deploymentId });
    expect(updated.stageName).toBe('attached');
    const { $metadata: _, ...stage } = read;
    const { $metadata: __, ...motoStage } = direct;
    expect(stage).toEqual(motoStage);
  });

  test('CreateStage and UpdateStage naming a certificate that does not exist here are NotFoundException, and moto is never asked', async () => {
    const create = await createStageWith(service.url, restApiId, { stageName: 'refused', deploymentId, clientCertificateId: 'nope00' });
    const update = await failureOf(
      client.send(
        new UpdateStageCommand({
          restApiId,
          stageName: 'created',
          patchOperations: [{ op: 'replace', path: '/clientCertificateId', value: 'nope00' }],
        }),
      ),
    );

    expect(create.status).toBe(404);
    expect(create.headers['x-amzn-errortype']).toBe('NotFoundException');
    expect(create.json).toEqual({ message: 'Invalid ClientCertificate identifier specified' });
    expect(update).toBeInstanceOf(NotFoundException);
    expect(update.message).toBe('Invalid ClientCertificate identifier specified');
    const { item } = await motoClient.send(new GetStagesCommand({ restApiId }));
    expect(item!.map(({ stageName }) => stageName)).not.toContain('refused');
  });

  test('a request signed with another secret is refused here and never reaches moto', async () => {
    const stranger = new APIGatewayClient({
      endpoint: service.url,
      region: 'us-east-1',
      credentials: { ...KEY, secretAccessKey: 'wrong' },
    });

    const error = await failureOf(stranger.send(new CreateRestApiCommand({ name: 'never-made' })));
    stranger.destroy();

    expect(error.name).toBe('InvalidSignatureException');
    const { items } = await motoClient.send(new GetRestApisCommand({}));
    expect(items!.map(({ name }) => name)).not.toContain('never-made');
  });
});
