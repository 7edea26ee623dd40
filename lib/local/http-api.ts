import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApiError } from '../../lambda/domain/errors.js';
import {
  internalFailure,
  malformedHttpRequest,
  noSuchRoute,
  requestEntityTooLarge,
  tooManyRequests,
} from '../../lambda/domain/errors.js';
import { errorResponse } from '../../lambda/http/responses.js';
import type { Operation } from '../operations.js';
import { FUNCTION_DEFAULTS, routeKey } from '../operations.js';
import type { RequestVerifier } from './sigv4.js';
import type { ThrottleSettings } from './throttle.js';
import { routeThrottle } from './throttle.js';

/** A Lambda handler taking HTTP API payload 2.0 events, as the handlers under lambda/handlers export. */
export type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

export interface Route {
  readonly operation: Operation;
  readonly handler: LambdaHandler;
}

/** What HTTP API checks itself before a function runs, beyond routing and the payload limit. */
export interface HttpApiSettings {
  /** Verifies each routed request's signature, as IAM authorization does. @default none: signed and unsigned requests alike pass */
  readonly verify?: RequestVerifier;
  /** The stage's default route throttling. @default none: nothing is throttled */
  readonly throttle?: ThrottleSettings;
}

/** HTTP API's payload limit: larger requests are refused before any function runs. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/** HTTP API's limit on the request line and headers together. */
export const MAX_HEADER_BYTES = 10_240;

/** Lambda's limit on what a synchronous invocation returns: past it the invocation fails. */
export const MAX_FUNCTION_RESPONSE_BYTES = 6 * 1024 * 1024;


const TEXT_CONTENT = /^(text\/|application\/([\w.+-]+\+)?(json|xml|javascript|x-www-form-urlencoded)\b)/i;

interface CompiledRoute extends Route {
  readonly pattern: RegExp;
  readonly labels: readonly string[];
}

/**
 * Plays HTTP API in front of the handlers: refuses what HTTP API refuses (oversized payloads, unknown
 * routes, throttled or unauthenticated requests), builds the payload 2.0 event Lambda would receive,
 * invokes the handler and writes its result back, as HTTP API does.
 */
export const httpApiListener = (routes: readonly Route[], region: string, { verify, throttle }: HttpApiSettings = {}) => {
  const compiled = routes.map(compileRoute);
  const takeToken = throttle === undefined ? undefined : routeThrottle(throttle);
  const serve = async (req: IncomingMessage, res: ServerResponse, apiRequestId: string): Promise<void> => {
    // A declared oversized body is refused unread; the connection is closed rather than drained.
    if (Number(req.headers['content-length']) > MAX_PAYLOAD_BYTES) return refuse(res, apiRequestId, requestEntityTooLarge(), true);
    const body = await readBody(req);
    if (body === undefined) return refuse(res, apiRequestId, requestEntityTooLarge(), true);
    const url = parseTarget(req.url);
    if (url === undefined) return refuse(res, apiRequestId, malformedHttpRequest());
    const match = matchRoute(compiled, req.method ?? 'GET', url.pathname);
    if (match === undefined) return refuse(res, apiRequestId, noSuchRoute());
    if (takeToken !== undefined && !takeToken(routeKey(match.route.operation))) return refuse(res, apiRequestId, tooManyRequests());
    const denied = await verify?.({ method: req.method ?? 'GET', target: req.url ?? '/', headers: req.headers, body });
    if (denied !== undefined) return refuse(res, apiRequestId, denied);
    const event = toEvent(req, url, body, match.route, match.pathParameters, apiRequestId);
    try {
      const result = await match.route.handler(event, lambdaContext(match.route.operation, region));
      if (Buffer.byteLength(JSON.stringify(result) ?? '') > MAX_FUNCTION_RESPONSE_BYTES) throw new Error('function response too large');
      send(res, apiRequestId, result as APIGatewayProxyStructuredResultV2);
    } catch {
      // What HTTP API answers when the function itself fails, or Lambda refuses what it returned.
      send(res, apiRequestId, { statusCode: 500, body: '{"message":"Internal Server Error"}' });
    }
  };
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const apiRequestId = randomBytes(10).toString('base64');
    try {
      await serve(req, res, apiRequestId);
    } catch {
      // A bug in this stand-in must cost one request, never the process and every request under way.
      if (res.headersSent) res.destroy();
      else refuse(res, apiRequestId, internalFailure(), true);
    }
  };
};

/**
 * For the server's `clientError` event: a request that is not even HTTP (or whose headers pass the
 * limit) gets the same JSON error shape as every other refusal, then the connection is closed.
 */
export const answerClientError = (error: Error & { code?: string }, socket: Duplex): void => {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const { statusCode, headers, body } = errorResponse(malformedHttpRequest());
  const head = { ...headers, 'x-amzn-RequestId': randomUUID(), 'content-length': Buffer.byteLength(body ?? ''), connection: 'close' };
  const lines = Object.entries(head).map(([name, value]) => `${name}: ${value}`);
  socket.end(`HTTP/1.1 ${statusCode} Bad Request\r\n${lines.join('\r\n')}\r\n\r\n${body}`);
};

/** Answers a request HTTP API refuses itself, in the API's error shape. */
const refuse = (res: ServerResponse, apiRequestId: string, error: ApiError, close = false): void => {
  const response = errorResponse(error);
  response.headers['x-amzn-RequestId'] = randomUUID();
  if (close) response.headers.connection = 'close';
  send(res, apiRequestId, response);
};

/** The request target as a URL, or `undefined` when it is not one (`//[`, say). */
const parseTarget = (target = '/'): URL | undefined => {
  try {
    return new URL(target, 'http://localhost');
  } catch {
    return undefined;
  }
};

const compileRoute = (route: Route): CompiledRoute => {
  const labels: string[] = [];
  const source = route.operation.path.replace(/\{(\w+)(\+?)\}/g, (_, label: string, greedy: string) => {
    labels.push(label);
    return greedy ? '(.+)' : '([^/]+)';
  });
  return { ...route, pattern: new RegExp(`^${source}$`), labels };
};

const matchRoute = (routes: readonly CompiledRoute[], method: string, path: string) => {
  for (const route of routes) {
    if (route.operation.method !== method) continue;
    const found = route.pattern.exec(path);
    if (found === null) continue;
    const pathParameters = Object.fromEntries(route.labels.map((label, i) => [label, decodeLabel(found[i + 1]!)]));
    return { route, pathParameters };
  }
  return undefined;
};

const decodeLabel = (raw: string): string => {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw; // not valid percent-encoding: passed on as sent
  }
};

/**
 * The whole body, or `undefined` as soon as it passes the payload limit. The stream is not destroyed
 * then (that would take the socket, and the 413, with it): the rest is read and dropped until the
 * refusal closes the connection.
 */
const readBody = (req: IncomingMessage): Promise<Buffer | undefined> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= MAX_PAYLOAD_BYTES) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData).resume();
      chunks.length = 0;
      resolve(undefined);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });

const toEvent = (
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  route: Route,
  pathParameters: Record<string, string>,
  requestId: string,
): APIGatewayProxyEventV2 => {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && name !== 'cookie') headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const isText = TEXT_CONTENT.test(headers['content-type'] ?? '');
  const now = new Date();
  const key = routeKey(route.operation);
  return {
    version: '2.0',
    routeKey: key,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(req.headers.cookie ? { cookies: req.headers.cookie.split(/;\s*/) } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0]!,
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: key,
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: isText ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !isText,
  };
};

/**
 * The context Lambda passes `operation`'s function: a new invocation's, or, given its request id and
 * deadline, the context of one already begun (the functions' thread rebuilds it from those).
 */
export const lambdaContext = (
  operation: Operation,
  region: string,
  awsRequestId: string = randomUUID(),
  deadline = Date.now() + FUNCTION_DEFAULTS.timeoutSeconds * 1000,
): Context => {
  const functionName = `local-${operation.name}`;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${functionName}`,
    memoryLimitInMB: String(FUNCTION_DEFAULTS.memorySize),
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};

const send = (res: ServerResponse, apiRequestId: string, result: APIGatewayProxyStructuredResultV2): void => {
  const body = result.body === undefined ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  const headers: Record<string, string | number | string[]> = {
    'content-type': 'application/json',
    ...result.headers,
    'content-length': body.length,
    'apigw-requestid': apiRequestId,
  };
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  if (body.length === 0 && !result.headers?.['content-type']) delete headers['content-type'];
  res.writeHead(result.statusCode ?? 200, headers);
  res.end(body);
};

/** `27/Nov/2026:13:28:09 +0000`, the Common Log Format time HTTP API puts in requestContext.time. */
const clfTime = (d: Date): string => {
  const [, day, month, year, time] = d.toUTCString().split(' ');
  return `${day}/${month}/${year}:${time} +0000`;
};
