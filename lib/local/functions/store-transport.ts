import type { MessagePort } from 'node:worker_threads';
import type { AwsCredentialIdentity, HttpAuthScheme, HttpRequest, HttpResponse } from '@smithy/types';
import type { SendStoreRequest } from '../../../lambda/store/deadline.js';

/** What the store's thread posts back for a request (./dynalite.ts, `servePort`). */
type Answer =
  | { readonly id: number; readonly statusCode: number; readonly headers: Record<string, string>; readonly body: string }
  | { readonly id: number; readonly failed: true };

/** What the SDK's NodeHttpHandler rejects with when an answer is late: the store maps it as any failed call. */
class StoreRequestTimedOut extends Error {
  override readonly name = 'TimeoutError';
}

/**
 * The handlers' DynamoDB requests, as the SDK built and signed them, posted to the store's thread on
 * `port` instead of sent over a loopback socket: the same bytes reach the same dynalite handler, and
 * its answer comes back as the HTTP answer would, without two HTTP stacks and a socket in between
 * (of a GetItem's 1.0 ms through the SDK on loopback, 0.4 ms is the SDK's HTTP handler and 0.3
 * dynalite's HTTP exchange). Local service only: Lambda's functions talk to DynamoDB over HTTPS.
 */
export const storePortTransport = (port: MessagePort): SendStoreRequest => {
  let next = 0;
  const waiting = new Map<number, (answer: Answer) => void>();
  port.on('message', (answer: Answer) => waiting.get(answer.id)?.(answer));
  port.unref(); // the thread's own work decides when it may end
  return (request: HttpRequest, { requestTimeout }) =>
    new Promise((resolve, reject) => {
      const id = next++;
      const timer =
        requestTimeout === undefined
          ? undefined
          : setTimeout(() => {
              waiting.delete(id);
              reject(new StoreRequestTimedOut(`no answer from the store within ${requestTimeout} ms`));
            }, requestTimeout);
      waiting.set(id, (answer) => {
        clearTimeout(timer);
        waiting.delete(id);
        if ('failed' in answer) return reject(new Error('the store dropped the request'));
        const response: HttpResponse = { statusCode: answer.statusCode, headers: answer.headers, body: Buffer.from(answer.body) };
        resolve({ response });
      });
      // A string or bytes, as the SDK made it; the store's thread reads either.
      port.postMessage({ id, method: request.method, url: request.path, headers: request.headers, body: request.body ?? '' });
    });
};

/**
 * SigV4 for the requests `storePortTransport` carries: the function's credentials are still resolved
 * (from the environment, as deployed) and named in a well-formed Authorization header, which dynalite
 * requires, but no signature is computed: the request never leaves the process, and nothing on the
 * other side checks one (dynalite checks the header's shape, never its signature). Signing hashed each
 * body and ran an HMAC chain, about 0.3 ms of a PATCH's 2.8 at one client (two store requests).
 */
export const unsignedInProcess: HttpAuthScheme = {
  schemeId: 'aws.auth#sigv4',
  identityProvider: (config) => config.getIdentityProvider('aws.auth#sigv4'),
  signer: {
    sign: async (request, identity, { region }) => {
      const date = new Date().toISOString().replace(/[-:]|\.\d+/g, ''); // 20261207T153000Z
      const scope = `${date.slice(0, 8)}/${String(region)}/dynamodb/aws4_request`;
      request.headers['x-amz-date'] = date;
      request.headers.authorization = `AWS4-HMAC-SHA256 Credential=${(identity as AwsCredentialIdentity).accessKeyId}/${scope}, SignedHeaders=host;x-amz-date, Signature=unsigned`;
      return request;
    },
  },
};
