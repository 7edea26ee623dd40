import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { operations } from '../operations.js';
import { startDynalite } from './dynalite.js';
import type { LambdaHandler, Route } from './http-api.js';
import { httpApiListener } from './http-api.js';

export interface LocalServiceOptions {
  /** @default 3000; 0 picks a free port */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Where dynalite keeps its LevelDB files; `'memory'` keeps nothing on disk. @default '.data' */
  readonly dataDir?: string;
}

export interface LocalService {
  /** `http://HOST:PORT`, the value for `--endpoint-url`. */
  readonly url: string;
  /** Where the handlers' store is: dynalite's endpoint and the certificate table in it. */
  readonly store: { readonly endpoint: string; readonly tableName: string };
  /** Stops taking requests, lets those under way finish, then closes the store. */
  close(): Promise<void>;
}

const TABLE_NAME = 'ClientCertificates';

/**
 * The service on this machine: the same handler modules the stack deploys, behind a stand-in for
 * HTTP API and on dynalite in place of DynamoDB. The handlers read their configuration from the
 * environment at import, exactly as in Lambda, so it is set before they are loaded.
 */
export const startLocalService = async ({
  port = 3000,
  host = '127.0.0.1',
  dataDir = '.data',
}: LocalServiceOptions = {}): Promise<LocalService> => {
  process.env.AWS_REGION ??= 'us-east-1';
  // dynalite ignores credentials, but the SDK will not send a request without some.
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  process.env.POWERTOOLS_SERVICE_NAME ??= 'client-certificate-api';
  const path = dataDir === 'memory' ? undefined : resolve(dataDir);
  if (path !== undefined) mkdirSync(path, { recursive: true });
  const store = await startDynalite(TABLE_NAME, path);

  process.env.TABLE_NAME = TABLE_NAME;
  process.env.DYNAMODB_ENDPOINT = store.endpoint;

  const routes: Route[] = await Promise.all(
    operations.map(async (operation) => {
      const module = (await import(`../../lambda/handlers/${operation.module}.js`)) as { handler: LambdaHandler };
      return { operation, handler: module.handler };
    }),
  );
  const server = createServer(httpApiListener(routes, process.env.AWS_REGION));
  await new Promise<void>((ready, fail) => server.listen(port, host, ready).once('error', fail));
  const { port: boundPort } = server.address() as AddressInfo;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`,
    store: { endpoint: store.endpoint, tableName: TABLE_NAME },
    close: async () => {
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeIdleConnections();
      });
      await store.close();
    },
  };
};
