import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import type { SigV4Credentials } from '../../../../lib/local/front/sigv4.js';
import type { RawResponse } from '../../../support/http.js';
import { send } from '../../../support/http.js';
import { signed } from '../../../support/signing.js';

/**
 * Callers of one service with AUTH=sigv4, as harness workers are, for the control plane's suites:
 * SDK clients and `/_local/` requests signed by a key. `url` is read at each call, so a suite can
 * make these before its service starts.
 */
export const REGION = 'us-east-1';
export const ADMIN: SigV4Credentials = {
  accessKeyId: 'AKIDADMIN',
  secretAccessKey: 'admin-secret',
  accountId: '999999999999',
  allNamespaces: true,
};
export const nsOf = (key: SigV4Credentials, region = REGION): string => `${key.accountId}#${region}`;

export const signedCallers = (url: () => string) => {
  const clients: APIGatewayClient[] = [];
  return {
    sdk: (key: SigV4Credentials, at = url()): APIGatewayClient => {
      const { accessKeyId, secretAccessKey } = key;
      const client = new APIGatewayClient({ endpoint: at, region: REGION, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });
      clients.push(client);
      return client;
    },
    /** A control request signed by `key`; a string body is sent as it is, anything else as JSON. */
    control: async (key: SigV4Credentials, method: string, path: string, body?: unknown, region = REGION): Promise<RawResponse> =>
      send(
        url(),
        await signed(
          url(),
          {
            method,
            path: `/_local/${path}`,
            ...(body === undefined
              ? {}
              : { headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) }),
          },
          { credentials: key, region },
        ),
      ),
    destroy: () => {
      for (const client of clients.splice(0)) client.destroy();
    },
  };
};
