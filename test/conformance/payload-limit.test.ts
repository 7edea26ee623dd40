import { Agent } from 'node:http';
import {
  type APIGatewayClient,
  type APIGatewayServiceException,
  GenerateClientCertificateCommand,
  GetClientCertificateCommand,
  UpdateClientCertificateCommand,
} from '@aws-sdk/client-api-gateway';
import type { ConformanceTarget } from '../support/target.js';
import { describeLocalOnly, openTarget } from '../support/target.js';

/**
 * HTTP API refuses a request over its 10 MB payload limit with 413 before any function runs. The
 * refusal must not cost the client its connection: the SDK keeps connections alive and reuses them.
 * What is checked is the local stand-in for HTTP API, over one plain-HTTP socket: local only.
 */

let target: ConformanceTarget;
let agent: Agent;
let client: APIGatewayClient;

describeLocalOnly('checks the local stand-in for HTTP API with 11 MB', 'a request over the 10 MB payload limit', () => {
  beforeAll(async () => {
    target = await openTarget();
    // One socket only, so the request after the 413 is sent where the 413 came from, if the server allows it.
    agent = new Agent({ keepAlive: true, maxSockets: 1 });
    client = target.sdkClient({ requestHandler: { httpAgent: agent } });
  });

  afterAll(async () => {
    client?.destroy();
    agent?.destroy();
    await target?.close();
  });

  test('is refused with 413, and the next request on the same keep-alive client succeeds', async () => {
    const { clientCertificateId } = await client.send(new GenerateClientCertificateCommand({ description: 'small' }));
    const oversized = 'x'.repeat(11 * 1024 * 1024);

    const refusal = await client
      .send(
        new UpdateClientCertificateCommand({
          clientCertificateId,
          patchOperations: [{ op: 'replace', path: '/description', value: oversized }],
        }),
      )
      .then(
        () => undefined,
        (error: unknown) => error as APIGatewayServiceException,
      );
    const next = await client.send(new GetClientCertificateCommand({ clientCertificateId })).catch((error: unknown) => error);

    expect(refusal?.$metadata.httpStatusCode).toBe(413);
    expect(refusal?.message).toBe('Request Entity Too Large');
    // Today: a ~6 s stall, then ECONNRESET: the server stopped reading the socket it told the client to keep.
    expect(next).toMatchObject({ clientCertificateId, description: 'small' });
  });
});
