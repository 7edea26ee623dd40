/**
 * The API's errors as values. Each carries the error type API Gateway reports (`x-amzn-ErrorType`)
 * and its message; the HTTP boundary (lambda/http) maps the type to a status code, once.
 * Every message text the API sends lives in this file.
 */
export type ErrorType =
  | 'BadRequestException'
  | 'ValidationException'
  | 'UnauthorizedException'
  | 'MissingAuthenticationTokenException'
  | 'IncompleteSignatureException'
  | 'InvalidSignatureException'
  | 'UnrecognizedClientException'
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

export const notFound = (): ApiError =>
  new ApiError('NotFoundException', `Invalid ${RESOURCE} identifier specified`);

/** A tags ARN that names no resource of this service. */
export const unknownResource = (): ApiError => new ApiError('NotFoundException', 'Invalid resource identifier specified');

export const limitExceeded = (quota: number): ApiError =>
  new ApiError('LimitExceededException', `The maximum number of client certificates (${quota}) has been reached`);

const TAG_CHARACTERS = '[a-zA-Z0-9+-=._:/ @]';

export const invalidTagKey = (key: string): ApiError =>
  badRequest(`Invalid tag key '${echoed(key)}': 1 to 128 characters from ${TAG_CHARACTERS}`);

export const reservedTagKey = (key: string): ApiError => badRequest(`Invalid tag key '${key}': the prefix 'aws:' is reserved`);

export const invalidTagValue = (key: string): ApiError =>
  badRequest(`Invalid tag value for key '${key}': at most 256 characters from ${TAG_CHARACTERS}`);

export const tooManyTags = (max: number): ApiError =>
  badRequest(`Too many tags: a resource can have at most ${max} tags`);

export const invalidLimit = (max: number): ApiError => badRequest(`Invalid limit: must be an integer between 1 and ${max}`);

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
export const missingMember = (at: string): string =>
  `Value null at '${at}' failed to satisfy constraint: Member must not be null`;

export const enumViolation = (value: string, at: string, allowed: readonly string[]): string =>
  `Value '${echoed(value)}' at '${at}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`;

// Two spaces after "path" is what API Gateway sends; clients match on it.
export const unsupportedPatchOp = (path: string, op: string): ApiError =>
  badRequest(`Invalid patch path  '${echoed(path)}' specified for op '${echoed(op)}'. Please choose supported operations`);

export const unsupportedPatchPath = (path: string, op: string, allowed: readonly string[]): ApiError =>
  badRequest(`Invalid patch path  '${echoed(path)}' specified for op '${op}'. Must be one of: [${allowed.join(', ')}]`);

export const missingPatchPath = (): ApiError => badRequest('Invalid patch path null');

export const malformedBody = (detail: string): ApiError => badRequest(`Invalid request body: ${detail}`);

export const tooManyRequests = (cause?: unknown): ApiError =>
  new ApiError('TooManyRequestsException', 'Too Many Requests', { cause });

const SERVICE_UNAVAILABLE = 'Service Unavailable';

export const serviceUnavailable = (cause?: unknown): ApiError =>
  new ApiError('ServiceUnavailableException', SERVICE_UNAVAILABLE, { cause });

/**
 * DynamoDB refused, with a 4xx that is not a failed condition, a request this service built:
 * access denied, a validation error. The caller did nothing wrong and nothing was written, but
 * a retry will not help either: it is answered 503 like an outage, and counted apart so the team
 * that deployed it can alarm on it.
 */
export class StoreRejected extends ApiError {
  constructor(cause: unknown) {
    super('ServiceUnavailableException', SERVICE_UNAVAILABLE, { cause });
  }
}

export const internalFailure = (cause?: unknown): ApiError =>
  new ApiError(
    'InternalFailure',
    'The request processing has failed because of an unknown error, exception or failure.',
    { cause },
  );

// What the HTTP API in front of the functions answers itself, before any function runs.

/** No route matches the request's method and path. */
export const noSuchRoute = (): ApiError => new ApiError('NotFoundException', 'Not Found');

/** The request could not be parsed as HTTP at all. */
export const malformedHttpRequest = (): ApiError => new ApiError('BadRequestException', 'Bad Request');

export const requestEntityTooLarge = (): ApiError =>
  new ApiError('RequestEntityTooLargeException', 'Request Entity Too Large');

// SigV4 authentication. The texts are those AWS's SigV4 front end sends (recorded from API Gateway and
// sibling services); a client tells them apart by type, a person by text.

export const missingAuthenticationToken = (): ApiError =>
  new ApiError('MissingAuthenticationTokenException', 'Missing Authentication Token');

/** An Authorization header that is not a complete `AWS4-HMAC-SHA256` one; `missing` names what is absent. */
export const incompleteSignature = (missing: readonly string[]): ApiError =>
  new ApiError('IncompleteSignatureException', missing.map((part) => `Authorization header requires ${part}.`).join(' '));

export const unrecognizedClient = (): ApiError =>
  new ApiError('UnrecognizedClientException', 'The security token included in the request is invalid.');

export const signatureMismatch = (): ApiError =>
  new ApiError(
    'InvalidSignatureException',
    'The request signature we calculated does not match the signature you provided. ' +
      'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  );

export const wrongSigningService = (service: string): ApiError =>
  new ApiError('InvalidSignatureException', `Credential should be scoped to correct service: '${service}'. `);

/** Dates in SigV4's basic ISO-8601 form, `20260127T132809Z`; `minutes` is the allowed clock skew. */
export const signatureExpired = (signed: string, earliest: string, now: string, minutes: number): ApiError =>
  new ApiError('InvalidSignatureException', `Signature expired: ${signed} is now earlier than ${earliest} (${now} - ${minutes} min.)`);

export const signatureNotYetCurrent = (signed: string, latest: string, now: string, minutes: number): ApiError =>
  new ApiError(
    'InvalidSignatureException',
    `Signature not yet current: ${signed} is still later than ${latest} (${now} + ${minutes} min.)`,
  );
