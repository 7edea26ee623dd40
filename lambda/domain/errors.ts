/**
 * The API's errors as values. Each carries the error type API Gateway reports (`x-amzn-ErrorType`)
 * and its message; the HTTP boundary (lambda/http) maps the type to a status code, once.
 * Every message text the functions send lives in this file; what the HTTP API in front of them
 * answers on its own (routing, size, SigV4) is the local stand-in's, in lib/local/base/refusals.ts.
 */
export type ErrorType =
  | 'BadRequestException'
  | 'ValidationException'
  | 'SerializationException'
  | 'UnauthorizedException'
  | 'MissingAuthenticationTokenException'
  | 'IncompleteSignatureException'
  | 'InvalidSignatureException'
  | 'UnrecognizedClientException'
  | 'AccessDeniedException'
  | 'NotFoundException'
  | 'ConflictException'
  | 'RequestEntityTooLargeException'
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

/**
 * The longest piece of a request a message quotes back, and the most violations one message lists
 * (its count still covers them all). Unbounded, a 6 MB request of bad ops made a 100 MB answer: far
 * past the 6 MB Lambda can return, so on AWS a 5xx, and a memory blow-up on the way.
 */
export const MAX_ECHOED_CHARACTERS = 1_024;
export const MAX_LISTED_VIOLATIONS = 100;

/** A value from the request, as a message quotes it: cut after MAX_ECHOED_CHARACTERS. */
export const echoed = (value: string): string =>
  value.length <= MAX_ECHOED_CHARACTERS ? value : `${value.slice(0, MAX_ECHOED_CHARACTERS)}...`;

export const badRequest = (message: string): ApiError => new ApiError('BadRequestException', message);

export const notFound = (): ApiError => new ApiError('NotFoundException', `Invalid ${RESOURCE} identifier specified`);

/** A tags ARN that names no resource of this service. */
export const unknownResource = (): ApiError => new ApiError('NotFoundException', 'Invalid resource identifier specified');

export const limitExceeded = (quota: number): ApiError =>
  new ApiError('LimitExceededException', `The maximum number of client certificates (${quota}) has been reached`);

// The tag rules' facts come from the check (lambda/domain/tag-rules.ts), so a message cannot drift from it.

export const invalidTagKey = (key: string, maxLength: number, characters: string): ApiError =>
  badRequest(`Invalid tag key '${echoed(key)}': 1 to ${maxLength} characters from ${characters}`);

/** API Gateway's own text, which names no key (recorded in serverless/serverless#9223 and aws/aws-cdk#23737). */
export const reservedTagKey = (prefix: string): ApiError =>
  badRequest(`Invalid tag key. Tag keys cannot start with '${prefix}' (case insensitive)`);

export const invalidTagValue = (key: string, maxLength: number, characters: string): ApiError =>
  badRequest(`Invalid tag value for key '${key}': at most ${maxLength} characters from ${characters}`);

export const tooManyTags = (max: number): ApiError => badRequest(`Too many tags: a resource can have at most ${max} tags`);

export const invalidLimit = (): ApiError => badRequest('Invalid limit: must be an integer');

export const invalidPosition = (): ApiError => badRequest('Invalid position specified');

export const conflict = (id: string): ApiError =>
  new ApiError('ConflictException', `Concurrent modification of client certificate ${id}; retry the request`);

export const invalidDescription = (): ApiError => badRequest(`Invalid ${RESOURCE} description specified.`);

/** Smithy-style constraint report: every violation counted, the first MAX_LISTED_VIOLATIONS listed, 1-based member indexes. */
export const validationFailed = (violations: readonly string[]): ApiError => {
  const n = violations.length;
  return new ApiError(
    'ValidationException',
    `${n} validation error${n === 1 ? '' : 's'} detected: ${violations.slice(0, MAX_LISTED_VIOLATIONS).join('; ')}`,
  );
};

/** A required member that is absent, in the same Smithy wording. */
export const missingMember = (at: string): string => `Value null at '${at}' failed to satisfy constraint: Member must not be null`;

export const enumViolation = (value: string, at: string, allowed: readonly string[]): string =>
  `Value '${echoed(value)}' at '${at}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`;

// Two spaces after "path" is what API Gateway sends; clients match on it.
export const unsupportedPatchOp = (path: string, op: string): ApiError =>
  badRequest(`Invalid patch path  '${echoed(path)}' specified for op '${echoed(op)}'. Please choose supported operations`);

export const unsupportedPatchPath = (path: string, op: string, allowed: readonly string[]): ApiError =>
  badRequest(`Invalid patch path  '${echoed(path)}' specified for op '${op}'. Must be one of: [${allowed.join(', ')}]`);

export const missingPatchPath = (): ApiError => badRequest('Invalid patch path null');

export const malformedBody = (detail: string): ApiError => badRequest(`Invalid request body: ${detail}`);

/** A query string whose percent-encoding is not valid UTF-8 (`%zz`, `%FF`). */
export const malformedQueryString = (): ApiError => badRequest('Invalid query string: malformed percent-encoding');

// API Gateway's Java front end names the JSON value's class when a string member gets a boolean or
// a number (recorded for PutIntegration and PutIntegrationResponse, LocalStack's AWS snapshots).
const JAVA_CLASS = { boolean: 'java.lang.Boolean', number: 'com.amazon.coral.value.json.numbers.TruncatingBigNumber' };

/** A boolean or a number where the model has a string. */
export const notAString = (value: boolean | number): ApiError =>
  new ApiError('SerializationException', `class ${JAVA_CLASS[typeof value as 'boolean' | 'number']} can not be converted to an String`);

export const tooManyRequests = (cause?: unknown): ApiError => new ApiError('TooManyRequestsException', 'Too Many Requests', { cause });

export const serviceUnavailable = (cause?: unknown): ApiError =>
  new ApiError('ServiceUnavailableException', 'Service Unavailable', { cause });

export const internalFailure = (cause?: unknown): ApiError =>
  new ApiError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', { cause });
