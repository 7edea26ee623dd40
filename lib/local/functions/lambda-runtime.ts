import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { decodeQuery } from '../../../lambda/http/query.js';
import type { Operation } from '../../operations.js';
import { FUNCTION_DEFAULTS, routeKey } from '../../operations.js';
import { DEFAULT_ACCOUNT_ID } from '../base/account.js';

/**
 * What Lambda gives a function behind HTTP API: the payload 2.0 event and the invocation's context.
 * The local stand-in, the functions' thread, the bench and the tests all build them here.
 */

/** A Lambda handler taking HTTP API payload 2.0 events, as the handlers under lambda/handlers export. */
export type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

/** A request routed to `operation`, as HTTP API passes it on. */
export interface RoutedRequest {
  readonly operation: Operation;
  /** The route's path parameters, decoded. @default none */
  readonly pathParameters?: Readonly<Record<string, string>>;
  /** The path as requested. @default the route's path with `pathParameters` put in, percent-encoded */
  readonly rawPath?: string;
  /** The query string as requested, without `?`. @default '' */
  readonly rawQueryString?: string;
  /** @default none */
  readonly headers?: IncomingHttpHeaders;
  /** @default none */
  readonly body?: Buffer | string;
  /** HTTP API's own request id (`$context.requestId`). @default a random UUID */
  readonly requestId?: string;
  /** Who signed the request; an IAM authorizer is added for a signed one. @default unsigned */
  readonly caller?: { readonly accessKey?: string | undefined; readonly account: string };
  /** @default 'HTTP/1.1' */
  readonly protocol?: string;
  /** @default '127.0.0.1' */
  readonly sourceIp?: string;
}

/** Bodies of these types are passed as text; any other as base64, as HTTP API does. */
const TEXT_CONTENT = /^(text\/|application\/([\w.+-]+\+)?(json|xml|javascript|x-www-form-urlencoded)\b)/i;

/** The payload 2.0 event HTTP API sends the function of a route with IAM authorization or none. */
export const httpApiEvent = ({
  operation,
  pathParameters = {},
  rawPath = operation.path.replace(/\{(\w+)\+?\}/g, (_, label: string) => encodeURIComponent(pathParameters[label] ?? '')),
  rawQueryString = '',
  headers: incoming = {},
  body: rawBody,
  requestId = randomUUID(),
  caller,
  protocol = 'HTTP/1.1',
  sourceIp = '127.0.0.1',
}: RoutedRequest): APIGatewayProxyEventV2 => {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value !== undefined && name !== 'cookie') headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  // The same reading of the query as the handlers' and the signature check's (lambda/http/query.ts).
  for (const [name, value] of decodeQuery(rawQueryString) ?? []) query[name] = name in query ? `${query[name]},${value}` : value;
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody) : (rawBody ?? Buffer.alloc(0));
  const isText = TEXT_CONTENT.test(headers['content-type'] ?? '');
  const cookie = typeof incoming.cookie === 'string' ? incoming.cookie : undefined;
  const now = new Date();
  const key = routeKey(operation);
  return {
    version: '2.0',
    routeKey: key,
    rawPath,
    rawQueryString,
    ...(cookie ? { cookies: cookie.split(/;\s*/) } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(pathParameters).length > 0 ? { pathParameters: { ...pathParameters } } : {}),
    requestContext: {
      accountId: DEFAULT_ACCOUNT_ID,
      apiId: 'local',
      // What HTTP API adds for a route with IAM authorization: who signed the request.
      ...(caller?.accessKey === undefined ? {} : { authorizer: iamAuthorizer(caller.accessKey, caller.account) }),
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0]!,
      http: { method: operation.method, path: rawPath, protocol, sourceIp, userAgent: headers['user-agent'] ?? '' },
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

/** The request context's `authorizer` of an IAM-authorized route, as for the account's root user. */
const iamAuthorizer = (accessKey: string, accountId: string) => ({
  iam: {
    accessKey,
    accountId,
    callerId: accountId,
    cognitoIdentity: null,
    principalOrgId: null,
    userArn: `arn:aws:iam::${accountId}:root`,
    userId: accountId,
  },
});

/** `27/Nov/2026:13:28:09 +0000`, the Common Log Format time HTTP API puts in requestContext.time. */
const clfTime = (d: Date): string => {
  const [, day, month, year, time] = d.toUTCString().split(' ');
  return `${day}/${month}/${year}:${time} +0000`;
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
  account: string = DEFAULT_ACCOUNT_ID,
): Context => {
  const functionName = `local-${operation.name}`;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${account}:function:${functionName}`,
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
