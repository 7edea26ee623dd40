import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { MiddlewareObj } from '@middy/core';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { isClientCertificateId } from '../domain/client-certificate.js';
import { ApiError, internalFailure, malformedBody } from '../domain/errors.js';
import type { Namespace } from '../domain/namespace.js';
import { clientCertificateIdOf } from '../domain/tags.js';
import { withDeadline } from '../store/deadline.js';
import { requestMetrics } from './metrics.js';
import { namespaceOf } from './namespace.js';
import { queryParameters } from './query.js';
import type { Representation } from './representations.js';
import { HAL_MEDIA_TYPE, hal, plain, wantsHal } from './representations.js';
import type { HttpResponse } from './responses.js';
import { errorResponse, jsonResponse } from './responses.js';

/** What an operation sees of the HTTP request: decoded path labels, the query and the parsed JSON body. */
export interface ApiRequest {
  /** Whose certificates the request may see: the caller's account, in the function's region. */
  readonly namespace: Namespace;
  readonly pathParameters: Readonly<Record<string, string | undefined>>;
  /** From the raw query string, so repeated parameters (`tagKeys=a&tagKeys=b`) keep every value. */
  readonly query: URLSearchParams;
  /** The JSON body, or `undefined` when the request has none. */
  readonly body: unknown;
}

/** An operation's answer: its success status and what it returns, if anything. */
export interface ApiResult {
  readonly statusCode: number;
  readonly representation?: Representation;
}

export type Operation = (request: ApiRequest) => Promise<ApiResult>;

export const logger = new Logger();

/**
 * Kept back from the function's timeout for answering: the store starts nothing it could not
 * settle by then, so the function answers by itself, with what really happened, before Lambda
 * would kill it.
 */
export const ANSWER_MARGIN_MS = 500;

/**
 * The chain every handler shares: structured logs with the request ids, the JSON body parsed into
 * the request, and every error rendered the way API Gateway renders it. Handlers are only wiring.
 */
export const apiHandler = (operation: Operation) =>
  // No early-timeout answer from middy: it would race the handler, and answer an error while a
  // write it cannot recall is under way. The deadline below bounds the handler instead.
  middy<APIGatewayProxyEventV2, HttpResponse, Error, Context>({ timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(requestIds())
    .use(requestMetrics())
    .use(apiGatewayErrors())
    .handler(async (event, context) => {
      // Lambda always gives the remaining time; a caller that gives none (a script, a test) gets no deadline.
      const due = Date.now() + (context.getRemainingTimeInMillis?.() ?? Infinity) - ANSWER_MARGIN_MS;
      const namespace = namespaceOf(event, context);
      const pathParameters = event.pathParameters ?? {};
      // Whose certificates, and which: the request's log line says who changed what.
      logger.appendKeys({ namespace, clientCertificateId: certificateIdOf(pathParameters, namespace.region) });
      const { statusCode, representation } = await withDeadline(due, () =>
        operation({ namespace, pathParameters, query: queryParameters(event.rawQueryString), body: parseBody(event) }),
      );
      if (representation === undefined) return jsonResponse(statusCode);
      if (representation.kind === 'ClientCertificate')
        logger.appendKeys({ clientCertificateId: representation.certificate.clientCertificateId });
      const halBody = wantsHal(event.headers?.accept) ? hal(representation) : undefined;
      return halBody === undefined ? jsonResponse(statusCode, plain(representation)) : jsonResponse(statusCode, halBody, HAL_MEDIA_TYPE);
    });

type Middleware = MiddlewareObj<APIGatewayProxyEventV2, HttpResponse, Error, Context>;

/** Every response, success or error, names its request in `x-amzn-RequestId`. */
const requestIds = (): Middleware => {
  const requestIdsBefore: Middleware['before'] = (request) => {
    logger.appendKeys({ apiRequestId: request.event.requestContext?.requestId, routeKey: request.event.routeKey });
  };
  const requestIdsAfter: Middleware['after'] = (request) => {
    const response = request.response;
    if (!response) return;
    response.headers['x-amzn-RequestId'] = request.context.awsRequestId;
    logger.info('request', { statusCode: response.statusCode, errorType: response.headers['x-amzn-ErrorType'] });
  };
  return { before: requestIdsBefore, after: requestIdsAfter, onError: requestIdsAfter };
};

/**
 * Turns what was thrown into API Gateway's error response. Domain errors render as themselves;
 * anything else is a bug, logged in full and answered 500 with no detail. Registered after
 * `requestIds` so its onError runs first and the response it sets gets the request id.
 */
const apiGatewayErrors = (): Middleware => ({
  onError: (request) => {
    const error = request.error;
    if (error instanceof ApiError) {
      if (error.cause !== undefined) logger.warn('store failure', { errorType: error.type, cause: error.cause });
      request.response = errorResponse(error);
    } else {
      logger.error('unhandled error', error as Error);
      request.response = errorResponse(internalFailure(error));
    }
  },
});

/**
 * The certificate a request's path names, from its id or its tags ARN: only an id this service could
 * have issued, so no caller-chosen text of any length reaches the logs.
 */
const certificateIdOf = (pathParameters: ApiRequest['pathParameters'], region: string): string | undefined => {
  const { clientcertificate_id: id, resource_arn: arn } = pathParameters;
  const named = id ?? (arn === undefined ? undefined : clientCertificateIdOf(arn, region));
  return named !== undefined && isClientCertificateId(named) ? named : undefined;
};

const parseBody = ({ body, isBase64Encoded }: APIGatewayProxyEventV2): unknown => {
  const text = isBase64Encoded && body !== undefined ? Buffer.from(body, 'base64').toString('utf8') : body;
  if (text === undefined || text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw malformedBody(`could not parse JSON (${(error as Error).message})`);
  }
};
