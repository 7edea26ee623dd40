import { randomInt } from 'node:crypto';
import type { APIGatewayClientConfig } from '@aws-sdk/client-api-gateway';
import {
  APIGatewayClient,
  DeleteClientCertificateCommand,
  GetClientCertificatesCommand,
  NotFoundException,
} from '@aws-sdk/client-api-gateway';
import type { AwsCredentialIdentity } from '@smithy/types';
import { clientCertificateArn } from '../../lambda/domain/tags.js';
import { DEFAULT_NAMESPACE, DynamoDbClientCertificateStore, documentClient } from '../../lambda/store/dynamodb-store.js';
import type { LocalService, LocalServiceOptions } from '../../lib/local/service.js';
import type { RawRequest, RawResponse } from './http.js';
import { send as sendRaw } from './http.js';
import { startTestService } from './service.js';
import { signed } from './signing.js';
import type { Signing, TargetSettings } from './target-settings.js';
import { skipMark, targetSettings } from './target-settings.js';

export type { Signing, TargetSettings } from './target-settings.js';

/**
 * Where the conformance suite points, decided here and nowhere else (the settings: ./target-settings.js).
 * Read once, when the first test file loads it: which checks are local-only is known before any runs.
 */
export const settings: TargetSettings = targetSettings();

/** The keys the local service checks signatures against when the suite signs: AWS's documented example pair. */
export const TEST_CREDENTIALS: AwsCredentialIdentity = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

/**
 * The account this run works in, where it chooses: a fresh 12-digit access key id is an account of
 * its own to the local service (as to LocalStack), so a run shares no certificate and no quota with
 * anything else the service holds, other runs and parallel workers included.
 */
export const RUN_ACCOUNT = String(randomInt(100_000_000_000, 1_000_000_000_000));

/** What requests are signed with when nothing checks signatures: the run's own account as the access key id. */
const UNCHECKED_CREDENTIALS: AwsCredentialIdentity = { accessKeyId: RUN_ACCOUNT, secretAccessKey: 'unchecked' };

/** How the SDK reaches a target: where, for which region, signing for which service, as whom. */
export interface ClientTarget {
  readonly url: string;
  readonly region: string;
  readonly signing: Signing;
  /** @default the SDK's default provider chain: environment, shared config and SSO, container or instance role */
  readonly credentials?: AwsCredentialIdentity;
}

/**
 * The AWS SDK v3 API Gateway client configuration for calling this API wherever it runs.
 *
 * A deployment with IAM authorization is an HTTP API, which takes SigV4 signatures for the service
 * `execute-api` only; the API Gateway client signs for `apigateway`, which real API Gateway wants and
 * the deployment refuses (403 InvalidSignatureException). The auth scheme provider names the service
 * to sign for. The SDK's signer reads it from `signingName`: the `name` that the client's own default
 * provider sets is not read by it, so an override setting only `name` still signs for `apigateway`.
 *
 * Without `credentials`, the SDK's default provider chain finds the caller's, as for any AWS call.
 * No retries: a retry would hide what the service answered first (429, 5xx) and, for a 409, the race.
 */
export const apiGatewayClientConfig = ({ url, region, signing, credentials }: ClientTarget): APIGatewayClientConfig => ({
  endpoint: url,
  region,
  ...(credentials === undefined ? {} : { credentials }),
  ...(signing === 'none'
    ? {}
    : {
        httpAuthSchemeProvider: () => [
          {
            schemeId: 'aws.auth#sigv4',
            signingProperties: { name: signing, signingName: signing, region, signingRegion: region },
            propertiesExtractor: (config, context) => ({ signingProperties: { config, context } }),
          },
        ],
      }),
  maxAttempts: 1,
});

/** The API as the conformance suite sees it, wherever it runs. */
export interface ConformanceTarget extends TargetSettings {
  /** The base URL: the deployment's, or the local service's once it listens. */
  readonly url: string;
  /** Locally, where the service keeps its table. */
  readonly store?: LocalService['store'];
  /** A new `@aws-sdk/client-api-gateway` client for the target, `config` merged over the target's. */
  sdkClient(config?: Partial<APIGatewayClientConfig>): APIGatewayClient;
  /**
   * One request with the global fetch to `url` + `path`, signed as the target requires. Note that
   * fetch sends an any-type `Accept` unless told otherwise: API Gateway then answers in HAL.
   */
  fetch(path: string, init?: TargetRequestInit): Promise<Response>;
  /** One request with node:http(s), with exactly the headers given (no `Accept` unless named), signed as the target requires. */
  request(path: string, init?: Omit<RawRequest, 'path'>): Promise<RawResponse>;
  /** The credentials requests are signed with: fixed locally, the caller's for a URL (dummies when nothing checks). */
  credentials(): Promise<AwsCredentialIdentity>;
  /** A certificate made other than through `sdkClient` or `fetch` (the CLI): deleted at `close` like those. */
  madeCertificate(clientCertificateId: string): void;
  /**
   * Locally, stops the service. Otherwise deletes every certificate this file made and has not
   * deleted, so the next file finds its namespace as empty as this one did.
   */
  close(): Promise<void>;
}

export interface TargetRequestInit extends Omit<RequestInit, 'body' | 'headers'> {
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** The ARN of a client certificate in the target's region, in that region's partition (`arn:aws-cn:` in China). */
export const certificateArn = (clientCertificateId: string, region = settings.region): string =>
  clientCertificateArn(region, clientCertificateId);

/** Whether the target is API Gateway's own endpoint, where other paths are real resources, not unknown routes. */
export const isApiGateway: boolean = /^https:\/\/apigateway\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(settings.url ?? '');

/** `test`, for a check of this service's own answers where API Gateway has other resources: skipped against it. */
export const testUnlessApiGateway = (name: string, fn: jest.ProvidesCallback): void =>
  isApiGateway ? test.skip(`${name}${skipMark('API Gateway itself has this route')}`, fn) : test(name, fn);

/** What the AWS SDKs read as the error's type from `x-amzn-ErrorType`: the part before any `:`. */
export const errorTypeOf = (header: string | string[] | null | undefined): string | undefined =>
  (Array.isArray(header) ? header[0] : (header ?? undefined))?.split(':')[0];

/**
 * Opens the target the settings name: starts the local service (in memory, checking signatures for
 * the signing service when there is one, already holding certificates of other accounts and
 * regions) or checks that the caller's namespace at the URL holds no client certificate. The checks
 * list and count what they make, so their namespace must start empty: locally, and at a URL that
 * does not check signatures, it is the run's own (RUN_ACCOUNT); at a deployment checking them, the
 * caller's account. They delete only what they made.
 */
export const openTarget = async (target: TargetSettings = settings, local: LocalServiceOptions = {}): Promise<ConformanceTarget> => {
  const { signing, region } = target;
  let service: LocalService | undefined;
  if (target.local) {
    const sigv4 = signing === 'none' ? undefined : { credentials: { ...TEST_CREDENTIALS, accountId: RUN_ACCOUNT }, service: signing };
    service = await startTestService(sigv4 === undefined ? local : { ...local, sigv4 });
    await seedOtherNamespaces(service, region);
  }
  const url = service?.url ?? target.url!;
  const clientTarget: ClientTarget = {
    url,
    region,
    signing,
    ...(signing === 'none' ? { credentials: UNCHECKED_CREDENTIALS } : target.local ? { credentials: TEST_CREDENTIALS } : {}),
  };
  // One client whose provider memoizes the credentials and refreshes them when they expire.
  const housekeeping = new APIGatewayClient({ ...apiGatewayClientConfig(clientTarget), maxAttempts: 5 });
  const credentials = () => housekeeping.config.credentials();
  const made = new Set<string>();

  if (!target.local)
    await expectEmpty(housekeeping, url).catch((error: unknown) => {
      housekeeping.destroy();
      throw error;
    });

  const sdkClient = (config: Partial<APIGatewayClientConfig> = {}): APIGatewayClient => {
    const client = new APIGatewayClient({ ...apiGatewayClientConfig(clientTarget), ...config });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'GenerateClientCertificateCommand') {
          made.add((result.output as { clientCertificateId: string }).clientCertificateId);
        }
        return result;
      },
      { step: 'initialize', name: 'conformanceTargetRecordsCertificates' },
    );
    return client;
  };

  const send = async (path: string, init: TargetRequestInit = {}): Promise<Response> => {
    const address = `${url}${path}`;
    const { pathname, search } = new URL(address);
    // Signed even when nothing checks signatures: the access key id names the run's account.
    const request = await signed(
      url,
      { method: init.method ?? 'GET', path: `${pathname}${search}`, headers: init.headers ?? {}, body: init.body },
      { credentials: await credentials(), service: signing === 'none' ? 'apigateway' : signing, region },
    );
    // fetch sets Host from the URL, to the very value signed.
    const { host: _, ...headers } = request.headers as Record<string, string>;
    return fetch(address, { ...init, headers });
  };

  const recordMade = (method: string, path: string, status: number, body: () => unknown) => {
    if (method === 'POST' && path.split('?')[0] === '/clientcertificates' && status === 201) {
      made.add((body() as { clientCertificateId: string }).clientCertificateId);
    }
  };

  return {
    ...target,
    url,
    ...(service === undefined ? {} : { store: service.store }),
    sdkClient,
    request: async (path, { method = 'GET', headers = {}, body } = {}) => {
      const { pathname, search } = new URL(`${url}${path}`);
      const request: RawRequest = { method, path: `${pathname}${search}`, headers, ...(body === undefined ? {} : { body }) };
      // Signed even when nothing checks signatures: the access key id names the run's account.
      const toSend = await signed(url, request, {
        credentials: await credentials(),
        service: signing === 'none' ? 'apigateway' : signing,
        region,
      });
      const response = await sendRaw(url, toSend);
      recordMade(method, path, response.status, () => response.json);
      return response;
    },
    fetch: async (path, init = {}) => {
      const response = await send(path, init);
      if ((init.method ?? 'GET') === 'POST' && path.split('?')[0] === '/clientcertificates' && response.status === 201) {
        made.add(((await response.clone().json()) as { clientCertificateId: string }).clientCertificateId);
      }
      return response;
    },
    credentials,
    madeCertificate: (id) => void made.add(id),
    close: async () => {
      try {
        if (service !== undefined) return await service.close();
        // One at a time, retried: API Gateway's own throttling must not leave certificates behind.
        for (const clientCertificateId of made) {
          await housekeeping.send(new DeleteClientCertificateCommand({ clientCertificateId })).catch((error: unknown) => {
            if (!(error instanceof NotFoundException)) throw error;
          });
        }
      } finally {
        housekeeping.destroy();
      }
    },
  };
};

/** Certificates of the default account and of the run's account in another region, which the checks must never see. */
const seedOtherNamespaces = async ({ store }: LocalService, region: string): Promise<void> => {
  const client = documentClient(store);
  const others = [DEFAULT_NAMESPACE, { account: RUN_ACCOUNT, region: region === 'eu-central-1' ? 'us-east-1' : 'eu-central-1' }];
  try {
    for (const [n, namespace] of others.entries()) {
      const certificate = { clientCertificateId: `other${n}`, pemEncodedCertificate: 'pem', createdDate: 1, expirationDate: 2, tags: {} };
      await new DynamoDbClientCertificateStore(client, store.tableName, undefined, undefined, namespace).create(certificate);
    }
  } finally {
    client.destroy();
  }
};

/** Fails unless the caller's namespace holds no client certificate: the checks list and count what they make. */
const expectEmpty = async (client: APIGatewayClient, url: string): Promise<void> => {
  const { items = [] } = await client.send(new GetClientCertificatesCommand({ limit: 500 }));
  if (items.length === 0) return;
  throw new Error(
    `the target is not empty: ${url} holds ${items.length} client certificate(s) (${items.map((c) => c.clientCertificateId).join(', ')}).\n` +
      'The conformance checks list and count what they make, so they need a namespace holding none: a fresh ' +
      'deployment, or an account and region without client certificates; and, signed as one caller, the files ' +
      'run one at a time (npm run conformance does).',
  );
};

/**
 * `test`, for a check that needs the local service's insides or settings (its store, its
 * configuration): against any other target it is skipped, and reported as skipped, with `reason`.
 */
export const testLocalOnly = (reason: string, name: string, fn: jest.ProvidesCallback, timeout?: number): void =>
  settings.local ? test(name, fn, timeout) : test.skip(`${name}${skipMark(`local only, ${reason}`)}`, fn, timeout);

/** `describe`, for checks that all need the local service: see `testLocalOnly`. */
export const describeLocalOnly = (reason: string, name: string, fn: () => void): void =>
  settings.local ? describe(name, fn) : describe.skip(`${name}${skipMark(`local only, ${reason}`)}`, fn);
