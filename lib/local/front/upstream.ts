import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream/promises';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** Another emulator that answers every route this service does not serve (UPSTREAM_URL). */
export interface UpstreamSettings {
  /** `http(s)://host[:port][/prefix]`: a request's path and query are appended to it. */
  readonly url: string;
  /**
   * How long the upstream may stay silent, before its answer's head and between its pieces.
   * @default 30 s, HTTP API's integration timeout, as for our own routes
   */
  readonly timeoutMs?: number;
  /** Connections to the upstream at once; more requests wait for one. @default 64 */
  readonly maxSockets?: number;
}

/** HTTP API's integration timeout, the one our own functions run under. */
export const UPSTREAM_TIMEOUT_MS = 30_000;

/**
 * Headers of one connection, not of the message (RFC 9110 section 7.6.1, and RFC 2616's list): never
 * passed on, in either direction. `host` is kept as the client sent it, since its signature covers it
 * (a signing upstream then verifies it as signed); `content-length` is set to the body sent
 * (it was read whole); `expect` asked this service, which has read the body already.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
const REPLACED = new Set(['content-length', 'expect']);

/**
 * What API Gateway answers when its integration cannot be reached or does not answer in time: its
 * gateway responses INTEGRATION_FAILURE and INTEGRATION_TIMEOUT, both 504 by default; the texts are
 * the recorded `{"message": "Endpoint request timed out"}` and LocalStack's for a network failure,
 * with the type LocalStack sends for both. Written here, not with the API's errors: no operation of
 * the API sends them (lambda/http/responses.ts maps those).
 */
const INTEGRATION_ERROR_TYPE = 'InternalServerErrorException';
export const UPSTREAM_TIMED_OUT = 'Endpoint request timed out';
export const UPSTREAM_UNREACHABLE = 'Network error communicating with endpoint';

const integrationError = (message: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode: 504,
  headers: { 'content-type': 'application/json', 'x-amzn-ErrorType': INTEGRATION_ERROR_TYPE },
  body: JSON.stringify({ message }),
});

/** How a forwarded request ended. */
export type Forwarded =
  /** The upstream's answer was passed on whole: its status, the body's bytes, and for the log its request id and error type. */
  | { readonly status: number; readonly responseBytes: number; readonly requestId: string; readonly errorType?: string }
  /** No answer came from the upstream: this is the one to send, with why, for the log. */
  | { readonly failed: APIGatewayProxyStructuredResultV2; readonly reason: string }
  /** The answer broke off after its head was sent (the upstream or the client went away): the connection is dropped. */
  | { readonly broken: string };

/**
 * Passes requests to the upstream unchanged (method, target, headers, signature included, and body),
 * but for the connection's own headers, and its answers back as they come: status, headers and a
 * streamed body. The body was read whole before, within the payload limit, so a request refused
 * for its size never reaches the upstream.
 */
export const upstreamForwarder = ({ url, timeoutMs = UPSTREAM_TIMEOUT_MS, maxSockets = 64 }: UpstreamSettings) => {
  const base = new URL(url);
  const secure = base.protocol === 'https:';
  const agent = new (secure ? HttpsAgent : HttpAgent)({ keepAlive: true, maxSockets });
  const send = secure ? httpsRequest : httpRequest;
  const prefix = base.pathname.replace(/\/$/, '');

  return (req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<Forwarded> =>
    new Promise<Forwarded>((resolve) => {
      let outgoing: ClientRequest;
      // Silence before the answer's head is a timeout the client can still be told of.
      const timer = setTimeout(() => {
        outgoing.destroy();
        resolve({ failed: integrationError(UPSTREAM_TIMED_OUT), reason: 'upstream timed out' });
      }, timeoutMs);
      outgoing = send({
        protocol: base.protocol,
        hostname: base.hostname.replace(/^\[|\]$/g, ''),
        port: base.port,
        method: req.method,
        path: `${prefix}${req.url ?? '/'}`,
        agent,
        headers: requestHeaders(req, body),
      });
      let answered = false;
      // Once the answer has begun, its breaking off is the pipeline's to report.
      outgoing.on('error', () => {
        clearTimeout(timer);
        if (!answered) resolve({ failed: integrationError(UPSTREAM_UNREACHABLE), reason: 'upstream unreachable' });
      });
      outgoing.once('response', (answer) => {
        answered = true;
        clearTimeout(timer);
        // Past the head, silence can only end the connection: the status is already the upstream's.
        outgoing.setTimeout(timeoutMs, () => outgoing.destroy());
        res.writeHead(answer.statusCode ?? 502, answerHeaders(answer.rawHeaders) as unknown as OutgoingHttpHeaders);
        let responseBytes = 0;
        answer.on('data', (chunk: Buffer) => (responseBytes += chunk.length));
        pipeline(answer, res).then(
          () =>
            resolve({
              status: answer.statusCode ?? 502,
              responseBytes,
              requestId: String(answer.headers['x-amzn-requestid'] ?? ''),
              ...(typeof answer.headers['x-amzn-errortype'] === 'string' ? { errorType: answer.headers['x-amzn-errortype'] } : {}),
            }),
          (error: Error) => resolve({ broken: `upstream answer broke off (${(error as NodeJS.ErrnoException).code ?? error.message})` }),
        );
      });
      outgoing.end(body);
    });
};

/** The request's own headers as sent (names, order, repeats, `Host` among them), without the connection's. */
const requestHeaders = (req: IncomingMessage, body: Buffer): string[] => {
  const headers = endToEnd(req.rawHeaders);
  if (body.length > 0 || req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined)
    headers.push('Content-Length', String(body.length));
  return headers;
};

/** The answer's headers as the upstream sent them, without the connection's; Node frames the body itself. */
const answerHeaders = (rawHeaders: readonly string[]): string[] => {
  const kept = endToEnd(rawHeaders);
  const length = rawHeaders.findIndex((name, i) => i % 2 === 0 && name.toLowerCase() === 'content-length');
  if (length >= 0) kept.push(rawHeaders[length]!, rawHeaders[length + 1]!);
  return kept;
};

/** `rawHeaders` without the hop-by-hop ones, those `Connection` names among them. */
const endToEnd = (rawHeaders: readonly string[]): string[] => {
  const named = new Set<string>();
  for (let i = 0; i < rawHeaders.length; i += 2)
    if (rawHeaders[i]!.toLowerCase() === 'connection')
      for (const token of rawHeaders[i + 1]!.split(',')) named.add(token.trim().toLowerCase());
  const kept: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    if (!HOP_BY_HOP.has(name) && !REPLACED.has(name) && !named.has(name)) kept.push(rawHeaders[i]!, rawHeaders[i + 1]!);
  }
  return kept;
};

/** Paths that stay this service's whatever the method, with an upstream or without: the client certificates'. */
export const isCertificatePath = (path: string): boolean => /^\/clientcertificates(\/|$)/.test(path);

/**
 * Whether a tag operation's ARN names something other than a client certificate: with an upstream,
 * the tags of its resources (a REST API's, a stage's) are its own to answer.
 */
export const isForeignArn = (arn: string | undefined): boolean =>
  arn !== undefined && !/^arn:[^:]+:apigateway:[^:]*::\/clientcertificates\//.test(arn);

/**
 * The client certificates a stage request names, each of which must exist in the caller's namespace
 * before it is forwarded: CreateStage's `clientCertificateId`, every `replace /clientCertificateId`
 * value of UpdateStage. None when the request is neither, names none (an empty value detaches one)
 * or is not JSON: the upstream then answers it as it would.
 */
export const stageCertificateIds = (method: string, path: string, body: Buffer): string[] => {
  const create = method === 'POST' && /^\/restapis\/[^/]+\/stages\/?$/.test(path);
  const update = method === 'PATCH' && /^\/restapis\/[^/]+\/stages\/[^/]+\/?$/.test(path);
  if (!create && !update) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return [];
  }
  if (typeof parsed !== 'object' || parsed === null) return [];
  const named = (value: unknown): string[] => (typeof value === 'string' && value !== '' ? [value] : []);
  if (create) return named((parsed as { clientCertificateId?: unknown }).clientCertificateId);
  const operations = (parsed as { patchOperations?: unknown }).patchOperations;
  if (!Array.isArray(operations)) return [];
  return operations.flatMap((operation: unknown) =>
    typeof operation === 'object' &&
    operation !== null &&
    (operation as { op?: unknown }).op === 'replace' &&
    (operation as { path?: unknown }).path === '/clientCertificateId'
      ? named((operation as { value?: unknown }).value)
      : [],
  );
};
