/**
 * The API's errors as values. Each carries the error type API Gateway reports (`x-amzn-ErrorType`)
 * and its message; the HTTP boundary (lambda/http) maps the type to a status code, once.
 * Every message text the API sends lives in this file.
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

const TAG_CHARACTERS = 'letters, numbers, spaces and + - = . _ : / @';

export const invalidTagKey = (key: string): ApiError =>
  badRequest(`Invalid tag key '${echoed(key)}': 1 to 128 characters from ${TAG_CHARACTERS}`);

export const reservedTagKey = (key: string): ApiError => badRequest(`Invalid tag key '${key}': the prefix 'aws:' is reserved`);

export const invalidTagValue = (key: string): ApiError =>
  badRequest(`Invalid tag value for key '${key}': at most 256 characters from ${TAG_CHARACTERS}`);

export const tooManyTags = (max: number): ApiError =>
  badRequest(`Too many tags: a resource can have at most ${max} tags`);

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

/** A query string whose percent-encoding is not valid UTF-8 (`%zz`, `%FF`). */
export const malformedQueryString = (): ApiError => badRequest('Invalid query string: malformed percent-encoding');

// API Gateway's Java front end names the JSON value's class when a string member gets a boolean or
// a number (recorded for PutIntegration and PutIntegrationResponse, LocalStack's AWS snapshots).
const JAVA_CLASS = { boolean: 'java.lang.Boolean', number: 'com.amazon.coral.value.json.numbers.TruncatingBigNumber' };

/** A boolean or a number where the model has a string. */
export const notAString = (value: boolean | number): ApiError =>
  new ApiError('SerializationException', `class ${JAVA_CLASS[typeof value as 'boolean' | 'number']} can not be converted to an String`);

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

/** `cause`: why the signature could not even be computed, for the log; never sent. */
export const signatureMismatch = (cause?: unknown): ApiError =>
  new ApiError(
    'InvalidSignatureException',
    'The request signature we calculated does not match the signature you provided. ' +
      'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    { cause },
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

/** The date in `Credential=AKID/<date>/...` must be the day of the request's X-Amz-Date (the AWS IAM SigV4 troubleshooting page's text). */
export const credentialDateMismatch = (scopeDate: string, amzDate: string): ApiError =>
  new ApiError(
    'InvalidSignatureException',
    `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${echoed(scopeDate)}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
  );

/** A presigned URL lives a week at most; the text is S3's (aws/aws-cli#5464), the type this API's other signature refusals'. */
export const presignedTooLong = (maxSeconds: number): ApiError =>
  new ApiError(
    'InvalidSignatureException',
    `X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than ${maxSeconds} seconds`,
  );
