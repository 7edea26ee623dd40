/**
 * The API's errors as values. Each carries the error type API Gateway reports (`x-amzn-ErrorType`)
 * and its message; the HTTP boundary (lambda/http) maps the type to a status code, once.
 * Every message text the API sends lives in this file.
 */
export type ErrorType =
  | 'BadRequestException'
  | 'ValidationException'
  | 'UnauthorizedException'
  | 'NotFoundException'
  | 'ConflictException'
  | 'LimitExceededException'
  | 'TooManyRequestsException'
  | 'ServiceUnavailableException'
  | 'InternalFailure';

export class ApiError extends Error {
  constructor(
    readonly type: ErrorType,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = type;
  }
}

const RESOURCE = 'ClientCertificate';

export const badRequest = (message: string): ApiError => new ApiError('BadRequestException', message);

export const notFound = (): ApiError =>
  new ApiError('NotFoundException', `Invalid ${RESOURCE} identifier specified`);

/** A tags ARN that names no resource of this service. */
export const unknownResource = (): ApiError => new ApiError('NotFoundException', 'Invalid resource identifier specified');

export const limitExceeded = (quota: number): ApiError =>
  new ApiError('LimitExceededException', `The maximum number of client certificates (${quota}) has been reached`);

export const tooManyTags = (max: number): ApiError =>
  badRequest(`Too many tags: a resource can have at most ${max} tags`);

export const invalidLimit = (): ApiError => badRequest('Invalid limit: must be an integer between 1 and 500');

export const invalidPosition = (): ApiError => badRequest('Invalid position specified');

export const conflict = (id: string): ApiError =>
  new ApiError('ConflictException', `Concurrent modification of client certificate ${id}; retry the request`);

export const invalidDescription = (): ApiError => badRequest(`Invalid ${RESOURCE} description specified.`);

/** Smithy-style constraint report: every violation at once, 1-based member indexes. */
export const validationFailed = (violations: readonly string[]): ApiError => {
  const n = violations.length;
  return new ApiError(
    'ValidationException',
    `${n} validation error${n === 1 ? '' : 's'} detected: ${violations.join('; ')}`,
  );
};

/** A required member that is absent, in the same Smithy wording. */
export const missingMember = (at: string): string =>
  `Value null at '${at}' failed to satisfy constraint: Member must not be null`;

export const enumViolation = (value: string, at: string, allowed: readonly string[]): string =>
  `Value '${value}' at '${at}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`;

// Two spaces after "path" is what API Gateway sends; clients match on it.
export const unsupportedPatchOp = (path: string, op: string): ApiError =>
  badRequest(`Invalid patch path  '${path}' specified for op '${op}'. Please choose supported operations`);

export const unsupportedPatchPath = (path: string, op: string, allowed: readonly string[]): ApiError =>
  badRequest(`Invalid patch path  '${path}' specified for op '${op}'. Must be one of: [${allowed.join(', ')}]`);

export const missingPatchPath = (): ApiError => badRequest('Invalid patch path null');

export const malformedBody = (detail: string): ApiError => badRequest(`Invalid request body: ${detail}`);

export const tooManyRequests = (cause?: unknown): ApiError =>
  new ApiError('TooManyRequestsException', 'Too Many Requests', { cause });

export const serviceUnavailable = (cause?: unknown): ApiError =>
  new ApiError('ServiceUnavailableException', 'Service Unavailable', { cause });

export const internalFailure = (cause?: unknown): ApiError =>
  new ApiError(
    'InternalFailure',
    'The request processing has failed because of an unknown error, exception or failure.',
    { cause },
  );
