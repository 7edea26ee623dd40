import type { ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/client-api-gateway';
import { APIGatewayClient, GenerateClientCertificateCommand, GetClientCertificatesCommand } from '@aws-sdk/client-api-gateway';
import type { FinalizeRequestMiddleware } from '@smithy/types';
import { failureOf } from '../support/sdk.js';
import type { ConformanceTarget } from '../support/target.js';
import { openTarget, settings, TEST_CREDENTIALS } from '../support/target.js';
import { targetSettings } from '../support/target-settings.js';

/**
 * The signing path the suite takes to a deployment with IAM authorization, proved without one: the
 * local service told to expect `execute-api` signatures (what SIGV4_SERVICE=execute-api does) lets
 * in the target's SDK client and its raw requests, and refuses the API Gateway client as it comes.
 * Always against a local service of its own, whatever the suite's target.
 */

let target: ConformanceTarget;

beforeAll(async () => {
  target = await openTarget(targetSettings({ CONFORMANCE_SIGNING: 'execute-api', AWS_REGION: settings.region }));
});

afterAll(async () => {
  await target?.close();
});

/** The service each request was signed for, read off its Authorization header's credential scope. */
const recordScopes = (client: APIGatewayClient): string[] => {
  const scopes: string[] = [];
  const record: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next) => async (args) => {
    const { authorization } = (args.request as { headers: Record<string, string> }).headers;
    scopes.push(/Credential=[^/]+\/\d{8}\/([^,]+)/.exec(authorization ?? '')?.[1] ?? 'unsigned');
    return next(args);
  };
  client.middlewareStack.addRelativeTo(record, { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'recordScopes' });
  return scopes;
};

describe('a local service expecting execute-api signatures', () => {
  test("the target's SDK client signs for execute-api and is let in", async () => {
    const client = target.sdkClient();
    const scopes = recordScopes(client);

    const generated = await client.send(new GenerateClientCertificateCommand({ description: 'signed for execute-api' }));

    client.destroy();
    expect(generated.$metadata.httpStatusCode).toBe(201);
    expect(scopes).toEqual([`${settings.region}/execute-api/aws4_request`]);
  });

  test("the target's raw requests are signed for execute-api and let in", async () => {
    const response = await target.fetch('/clientcertificates?limit=1', { headers: { accept: 'application/json' } });

    expect(response.status).toBe(200);
    expect(((await response.json()) as { item: unknown[] }).item).toHaveLength(1);
  });

  test('the API Gateway client as it comes signs for apigateway: 403 InvalidSignatureException', async () => {
    const client = new APIGatewayClient({ endpoint: target.url, region: target.region, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    const scopes = recordScopes(client);

    const error = await failureOf(client.send(new GetClientCertificatesCommand({})));

    client.destroy();
    expect(scopes).toEqual([`${settings.region}/apigateway/aws4_request`]);
    expect(error.name).toBe('InvalidSignatureException');
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.message).toBe("Credential should be scoped to correct service: 'execute-api'. ");
  });

  test('an unsigned request is 403 MissingAuthenticationTokenException', async () => {
    const response = await fetch(`${target.url}/clientcertificates`);

    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });
});

describe('the target settings, from the environment', () => {
  test('nothing set: the local service, signing nothing, us-east-1', () => {
    expect(targetSettings({})).toEqual({ url: undefined, local: true, signing: 'none', region: 'us-east-1' });
  });

  test('a URL: that URL without its trailing slash, signed for execute-api by default', () => {
    const url = 'https://abc123.execute-api.eu-west-1.amazonaws.com/';

    expect(targetSettings({ CONFORMANCE_URL: url, AWS_REGION: 'eu-west-1' })).toEqual({
      url: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
      local: false,
      signing: 'execute-api',
      region: 'eu-west-1',
    });
    expect(targetSettings({ CONFORMANCE_URL: url, CONFORMANCE_SIGNING: 'none' }).signing).toBe('none');
  });

  test('a setting out of range fails naming the variable', () => {
    expect(() => targetSettings({ CONFORMANCE_SIGNING: 'iam' })).toThrow(
      "CONFORMANCE_SIGNING must be one of execute-api, apigateway, none, got 'iam'",
    );
    expect(() => targetSettings({ CONFORMANCE_URL: 'localhost:3000' })).toThrow(
      "CONFORMANCE_URL must be an http or https URL, got 'localhost:3000'",
    );
  });
});
