import { createHash } from 'node:crypto';
import { ApiError, echoed } from '../../../lambda/domain/errors.js';

/**
 * What the HTTP API in front of the functions answers itself, before any function runs: the local
 * stand-in's refusals. Their types are the API's (lambda/domain/errors.ts), rendered the same way.
 */

/** No route matches the request's method and path. */
export const noSuchRoute = (): ApiError => new ApiError('NotFoundException', 'Not Found');

/** The request could not be parsed as HTTP at all. */
export const malformedHttpRequest = (): ApiError => new ApiError('BadRequestException', 'Bad Request');

export const requestEntityTooLarge = (): ApiError => new ApiError('RequestEntityTooLargeException', 'Request Entity Too Large');

// SigV4 authentication. The texts are those AWS's SigV4 front end sends (recorded from API Gateway and
// sibling services); a client tells them apart by type, a person by text.

export const missingAuthenticationToken = (): ApiError =>
  new ApiError('MissingAuthenticationTokenException', 'Missing Authentication Token');

/** An Authorization header without the `components` a SigV4 one needs, or without a date; `scheme` is its first word. */
export const incompleteSignature = (components: readonly string[], dateMissing: boolean, scheme: string): ApiError =>
  new ApiError(
    'IncompleteSignatureException',
    [
      ...components.map((name) => `Authorization header requires '${name}' parameter.`),
      ...(dateMissing ? ["Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."] : []),
      `Authorization=${echoed(scheme)}`,
    ].join(' '),
  );

/**
 * An `AWS4-HMAC-SHA256` Authorization header with a component that is no single `Name=value`; AWS
 * answers with the header hashed rather than echoed, as it may hold a secret.
 */
export const malformedAuthorization = (authorization: string): ApiError =>
  new ApiError(
    'IncompleteSignatureException',
    `Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '${createHash('sha256').update(authorization, 'latin1').digest('base64')}'.`,
  );

export const malformedCredential = (credential: string): ApiError =>
  new ApiError(
    'IncompleteSignatureException',
    `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${echoed(credential)}'`,
  );

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

/** A credential scope whose region is no region name, `US-EAST-1` included. */
export const invalidRegion = (region: string): ApiError =>
  new ApiError('InvalidSignatureException', `Credential should be scoped to a valid region, not '${echoed(region)}'. `);

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

/**
 * A control request on a namespace other than the caller's, or on every one, by a key not marked for
 * it: IAM's denial shape (`User: ... is not authorized to perform: ...`), with what would allow it.
 */
export const notAuthorizedForNamespace = (accessKey: string, action: string, scope: string): ApiError =>
  new ApiError(
    'AccessDeniedException',
    `User: ${accessKey} is not authorized to perform: ${action} on ${scope}: only keys marked all-namespaces in CREDENTIALS_FILE may act beyond their own namespace`,
  );

// Requests a web page may have made (./origin.ts). LocalStack's CorsEnforcer answers these 403 with
// no body; here the type is AWS's common AccessDeniedException, and the text names what was refused
// and the setting that would allow it.

export const forbiddenOrigin = (origin: string): ApiError =>
  new ApiError(
    'AccessDeniedException',
    `Blocked request from forbidden origin '${echoed(origin)}': ALLOWED_ORIGINS (the allowedOrigins option) lists the origins that may call this service`,
  );

/** A browser's request from another site that names no Origin (a cross-site GET, say). */
export const crossSiteRequest = (site: string): ApiError =>
  new ApiError(
    'AccessDeniedException',
    `Blocked ${echoed(site)} request without an allowed Origin: ALLOWED_ORIGINS (the allowedOrigins option) lists the origins that may call this service`,
  );

/** A Host that is neither loopback nor the service's own address: a DNS-rebinding page names its own. */
export const forbiddenHost = (host: string): ApiError =>
  new ApiError(
    'AccessDeniedException',
    `Blocked request for host '${echoed(host)}', not an address of this service: ALLOWED_HOSTS (the allowedHosts option) lists other host names it may be called by`,
  );
