import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ApiError, ErrorType } from '../domain/errors.js';

/** The one map from an error type to its HTTP status. */
export const ERROR_STATUS: Readonly<Record<ErrorType, number>> = {
  BadRequestException: 400,
  ValidationException: 400,
  SerializationException: 400,
  UnauthorizedException: 401,
  MissingAuthenticationTokenException: 403,
  IncompleteSignatureException: 403,
  InvalidSignatureException: 403,
  UnrecognizedClientException: 403,
  AccessDeniedException: 403,
  NotFoundException: 404,
  ConflictException: 409,
  RequestEntityTooLargeException: 413,
  LimitExceededException: 429,
  TooManyRequestsException: 429,
  InternalFailure: 500,
  ServiceUnavailableException: 503,
};

/** Seconds a throttled client is asked to wait. */
const RETRY_AFTER_SECONDS = '1';

export type HttpResponse = APIGatewayProxyStructuredResultV2 & { statusCode: number; headers: Record<string, string> };

export const jsonResponse = (statusCode: number, body?: unknown, contentType = 'application/json'): HttpResponse =>
  body === undefined
    ? { statusCode, headers: {}, body: '' }
    : { statusCode, headers: { 'content-type': contentType }, body: JSON.stringify(body) };

/** API Gateway's error shape: the type in `x-amzn-ErrorType` (the AWS SDK reads it), the text in `message`. */
export const errorResponse = (error: ApiError): HttpResponse => {
  const response = jsonResponse(ERROR_STATUS[error.type], { message: error.message });
  response.headers['x-amzn-ErrorType'] = error.type;
  if (response.statusCode === 429) response.headers['Retry-After'] = RETRY_AFTER_SECONDS;
  return response;
};
