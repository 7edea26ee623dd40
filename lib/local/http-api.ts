import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Operation } from '../operations.js';
import { routeKey } from '../operations.js';

/** A Lambda handler taking HTTP API payload 2.0 events, as the handlers under lambda/handlers export. */
export type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

export interface Route {
  readonly operation: Operation;
  readonly handler: LambdaHandler;
}

/** HTTP API's payload limit: larger requests are refused before any function runs. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/** What the deployed functions are given; the local context mirrors it. */
const FUNCTION_TIMEOUT_MS = 10_000;
const FUNCTION_MEMORY_MB = '512';

const TEXT_CONTENT = /^(text\/|application\/([\w.+-]+\+)?(json|xml|javascript|x-www-form-urlencoded)\b)/i;

interface CompiledRoute extends Route {
  readonly pattern: RegExp;
  readonly labels: readonly string[];
}

/**
 * Plays HTTP API in front of the handlers: matches a route, builds the payload 2.0 event Lambda
 * would receive, invokes the handler in-process and writes its result back, as HTTP API does.
 */
export const httpApiListener = (routes: readonly Route[], region: string) => {
  const compiled = routes.map(compileRoute);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const apiRequestId = randomBytes(10).toString('base64');
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = matchRoute(compiled, req.method ?? 'GET', url.pathname);
    const body = await readBody(req);
    if (body === undefined) {
      // The rest of the body is never read, so the connection cannot carry another request.
      res.shouldKeepAlive = false;
      return send(res, apiRequestId, { statusCode: 413, body: '{"message":"Request Entity Too Large"}' });
    }
    if (match === undefined) return send(res, apiRequestId, { statusCode: 404, body: '{"message":"Not Found"}' });
    const event = toEvent(req, url, body, match.route, match.pathParameters, apiRequestId);
    try {
      const result = await match.route.handler(event, lambdaContext(match.route.operation, region));
      send(res, apiRequestId, result as APIGatewayProxyStructuredResultV2);
    } catch {
      // What HTTP API answers when the function itself fails.
      send(res, apiRequestId, { statusCode: 500, body: '{"message":"Internal Server Error"}' });
    }
  };
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

/** The whole body, or `undefined` once it passes the payload limit. */
const readBody = async (req: IncomingMessage): Promise<Buffer | undefined> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_PAYLOAD_BYTES) {
      req.resume();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
};

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

export const lambdaContext = (operation: Operation, region: string): Context => {
  const deadline = Date.now() + FUNCTION_TIMEOUT_MS;
  const functionName = `local-${operation.name}`;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${functionName}`,
    memoryLimitInMB: FUNCTION_MEMORY_MB,
    awsRequestId: randomUUID(),
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
