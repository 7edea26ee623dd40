import type { Hash, Hmac } from 'node:crypto';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest, SourceData } from '@smithy/types';
import { ApiError } from '../../../lambda/domain/errors.js';
import { decodeQuery } from '../../../lambda/http/query.js';
import { isRegion } from '../base/account.js';
import { isPresignParameter, PRESIGN_PARAMS } from '../base/presign.js';
import {
  credentialDateMismatch,
  incompleteSignature,
  invalidRegion,
  malformedAuthorization,
  malformedCredential,
  missingAuthenticationToken,
  presignedTooLong,
  signatureExpired,
  signatureMismatch,
  signatureNotYetCurrent,
  unrecognizedClient,
  wrongSigningService,
} from '../base/refusals.js';
import { headerLines } from './header-lines.js';

/** An identity the local service lets in when SigV4 checking is on. */
export interface SigV4Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** When set, requests must carry it in `X-Amz-Security-Token`. @default none */
  readonly sessionToken?: string;
  /** The account the key belongs to. @default the account its access key id names (lib/local/front/caller.ts) */
  readonly accountId?: string;
  /**
   * Whether the key may act on other namespaces than its own, or on every one, through the control
   * plane (`?all`, `?account=&region=`). @default false, unless `credentials` is this one key pair, not a list
   */
  readonly allNamespaces?: boolean;
}

export interface SigV4Settings {
  /** The key pairs that may sign: one, or several (one per account a harness uses). */
  readonly credentials: SigV4Credentials | readonly SigV4Credentials[];
  /** The signing service requests must be scoped to. @default 'apigateway' */
  readonly service?: string;
  /** The clock the request dates are checked against, in epoch milliseconds. @default Date.now */
  readonly now?: () => number;
}

/** A request exactly as it arrived: SigV4 signs the bytes the client sent, so nothing may be normalised. */
export interface ReceivedRequest {
  readonly method: string;
  /** The request target as sent: path and query, still percent-encoded. */
  readonly target: string;
  readonly headers: IncomingHttpHeaders;
  /**
   * The header lines as received, names and values in turn (node:http's `rawHeaders`): only they show a
   * second Authorization line. @default one line for each header in `headers`
   */
  readonly rawHeaders?: readonly string[];
  readonly body: Buffer;
}

/**
 * Checks a request's signature, the one `readSignature` read (read again when not given); resolves to
 * the error to answer, or `undefined` to let it through.
 */
export interface RequestVerifier {
  (request: ReceivedRequest, signature?: RequestSignature | ApiError): Promise<ApiError | undefined>;
  /**
   * What a claim's key alone is answered (an unknown key or session token), known before its body is
   * read: a caller's share of the budget for bodies in flight goes by the account its key claims, and
   * a key that signs nothing here could otherwise claim any account. @default none: checked with the body
   */
  readonly identify?: (claim: SignatureClaim) => ApiError | undefined;
}

/** How far a request's date may be from this machine's clock, either way, as most AWS services allow. */
export const CLOCK_SKEW_MINUTES = 15;

/** The longest a presigned URL may live: a SigV4 signing key lasts a week, and the SDK's signer refuses more. */
export const MAX_PRESIGNED_SECONDS = 604_800;

const ALGORITHM = 'AWS4-HMAC-SHA256';
const TERMINATOR = 'aws4_request';
const CONTENT_SHA256 = 'x-amz-content-sha256';
const SIGNATURE_PARAM = 'x-amz-signature';
const SIGV4_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
/** An HTTP token (RFC 9110 5.6.2), as an authentication scheme is. */
const SCHEME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The request target as the router and the handler read it. */
export interface ReceivedTarget {
  /** Still percent-encoded, as routed and as signed. */
  readonly path: string;
  /** The query string as sent, without its `?`: the event's `rawQueryString`. */
  readonly rawQuery: string;
  /** `rawQuery` decoded once (lambda/http/query.ts): the parameters the handler gets. */
  readonly query: URLSearchParams;
}

/**
 * Reads a request target once, for the signature check and the event alike. `undefined` when the
 * router, which reads the target as a WHATWG URL, would see another path or query than the bytes sent
 * (a `#`, a tab, a backslash, a dot segment), when SigV4's path normalisation would sign another path than
 * the one routed (`//`), or when the query's percent-encoding is malformed: what is signed is then
 * exactly what is served.
 */
export const readTarget = (target: string): ReceivedTarget | undefined => {
  const at = target.indexOf('?');
  const path = at < 0 ? target : target.slice(0, at);
  const rawQuery = at < 0 ? '' : target.slice(at + 1);
  const url = parseUrl(target);
  if (url === undefined || url.pathname !== path || url.search.slice(1) !== rawQuery || !isNormalPath(path)) return undefined;
  const query = decodeQuery(rawQuery);
  return query === undefined ? undefined : { path, rawQuery, query };
};

/** What a signed request claims: who signed it, when, for what, over which headers. */
export interface SignatureClaim {
  readonly accessKeyId: string;
  readonly scopeDate: string;
  /** A region name (lib/local/front/caller.ts `isRegion`): the caller's region. */
  readonly scopeRegion: string;
  readonly scopeService: string;
  readonly date: Date;
  readonly amzDate: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
  readonly sessionToken: string | undefined;
  /** Presigned URLs only: seconds the URL stays valid. */
  readonly expiresIn?: number;
}

/** No SigV4 signature at all: an anonymous caller; `refusal` is what a service checking signatures answers it. */
export interface Unsigned {
  readonly refusal: ApiError;
}

/** A request's signature, read once for the verifier, the caller's namespace and the control plane alike. */
export type RequestSignature = SignatureClaim | Unsigned;

/** Whether a request carries a SigV4 claim, rather than none. */
export const isSigned = (signature: RequestSignature): signature is SignatureClaim => 'accessKeyId' in signature;

/**
 * Verifies AWS Signature Version 4 as AWS's front end does: the claim read by `readSignature` (read here
 * when not given), the access key, the credential scope, the request date within the clock skew, then
 * the signature itself, recomputed with the AWS SDK's own signer over the request as received and
 * compared in constant time. It answers every input, however hostile, with a value: never a throw.
 */
export const sigv4Verifier = ({ credentials, service = 'apigateway', now = Date.now }: SigV4Settings): RequestVerifier => {
  const keys = new Map([credentials].flat().map((key) => [key.accessKeyId, key]));
  // Loaded only by a service that checks signatures (AUTH=sigv4), and from its start on.
  const signerLoaded = import('@smithy/signature-v4');
  const identify = (claim: SignatureClaim) => checkIdentity(claim, keys.get(claim.accessKeyId));
  const verify = async (request: ReceivedRequest, signature: RequestSignature | ApiError = readSignature(request)) => {
    if (signature instanceof ApiError) return signature;
    if (!isSigned(signature)) return signature.refusal;
    const target = readTarget(request.target);
    if (target === undefined) return signatureMismatch();
    const key = keys.get(signature.accessKeyId);
    return (
      checkIdentity(signature, key) ??
      checkScope(signature, service) ??
      checkDate(signature, now()) ??
      (await checkSignature((await signerLoaded).SignatureV4, request, target, signature, key!))
    );
  };
  return Object.assign(verify, { identify });
};

/**
 * Reads a request's signature strictly, once: an `AWS4-HMAC-SHA256` Authorization header, else a
 * presigned query. Whatever two readers could take for two claims is refused, signatures checked or not,
 * since the caller's namespace comes from it: a second Authorization line; a component repeated, unknown,
 * empty or not one `Name=value` (white space only around the commas); a credential scope of another shape,
 * or whose region is no region name. No signature, or an Authorization of another scheme, is `Unsigned`.
 */
export const readSignature = ({ target, headers, rawHeaders }: SignatureParts): RequestSignature | ApiError => {
  const lines = authorizationLines(headers, rawHeaders);
  const query = readTarget(target)?.query;
  if (lines.length > 0) return claimFromHeaders(lines, headers, query);
  const signatures = [...(query ?? parseUrl(target)?.searchParams ?? [])].filter(([name]) => name.toLowerCase() === SIGNATURE_PARAM);
  // Made only when asked for: most unsigned requests go to a service that checks nothing, and an
  // error's stack is the costliest thing the stand-in made for each of them.
  if (signatures.length === 0)
    return {
      get refusal() {
        return missingAuthenticationToken();
      },
    };
  // Two signatures, or a query the router reads otherwise than the bytes sent: which claim is meant is unknowable.
  if (query === undefined || signatures.length > 1) return signatureMismatch();
  return claimFromQuery(query);
};

/** What `readSignature` reads of a request. */
export type SignatureParts = Pick<ReceivedRequest, 'target' | 'headers' | 'rawHeaders'>;

/** The Authorization header's lines: node:http keeps only the first in `headers`, `rawHeaders` has them all. */
const authorizationLines = (headers: IncomingHttpHeaders, rawHeaders: readonly string[] | undefined): string[] => {
  if (rawHeaders === undefined) return typeof headers.authorization === 'string' ? [headers.authorization] : [];
  return headerLines(rawHeaders, 'authorization');
};

const COMPONENTS = ['Credential', 'Signature', 'SignedHeaders'];
/** One component: a name, `=`, and a value with no white space, comma or `=` in it. */
const COMPONENT = /^([^\s=,]+)=([^\s=,]+)$/;

/** Without the spaces and tabs HTTP allows around a field value, and this service around a comma. */
const withoutOws = (text: string): string => text.replace(/^[ \t]+|[ \t]+$/g, '');

const claimFromHeaders = (
  lines: readonly string[],
  headers: IncomingHttpHeaders,
  query: URLSearchParams | undefined,
): RequestSignature | ApiError => {
  // Two lines are one header to HTTP, joined with a comma (RFC 9110 5.3), and then a second scheme word with
  // no '=': AWS's answer to that. A reader keeping the first line and one keeping the last see two claims.
  const authorization = lines.map(withoutOws).join(', ');
  if (lines.length > 1) return malformedAuthorization(authorization);
  // The signer leaves every x-amz-signature parameter out of the canonical query: one beside the header would go unsigned.
  if ([...(query?.keys() ?? [])].some((name) => name.toLowerCase() === SIGNATURE_PARAM)) return signatureMismatch();
  const [scheme = '', rest = ''] = authorization.split(/[ \t]+(.*)/s);
  const amzDate = textOf(headers, 'x-amz-date');
  // A first word that is no scheme (`Credential=...,`) leaves the header no reading at all, signed or not.
  if (scheme !== '' && !SCHEME.test(scheme)) return malformedAuthorization(authorization);
  if (scheme.toUpperCase() !== ALGORITHM) return { refusal: incompleteSignature(COMPONENTS, amzDate === undefined, scheme) };
  // `aws4-hmac-sha256` is the same scheme to HTTP, which compares schemes in any case, and no scheme to AWS.
  if (scheme !== ALGORITHM) return incompleteSignature(COMPONENTS, amzDate === undefined, scheme);
  const components = new Map<string, string>();
  for (const part of rest === '' ? [] : rest.split(',')) {
    const [, name, value] = COMPONENT.exec(withoutOws(part)) ?? [];
    if (name === undefined || value === undefined || components.has(name)) return malformedAuthorization(authorization);
    components.set(name, value);
  }
  const missing = COMPONENTS.filter((name) => !components.has(name));
  if (missing.length > 0 || amzDate === undefined) return incompleteSignature(missing, amzDate === undefined, scheme);
  // AWS keeps the last of a repeated component and passes over unknown ones, so two readers may see two credentials:
  // both are refused here, with the text AWS gives a component that is no single key=value pair, the closest it records.
  if (components.size > COMPONENTS.length) return malformedAuthorization(authorization);
  return claimOf(
    components.get('Credential')!,
    components.get('SignedHeaders')!,
    components.get('Signature')!,
    amzDate,
    headers['x-amz-security-token'],
  );
};

const claimFromQuery = (query: URLSearchParams): SignatureClaim | ApiError => {
  // A repeated presign parameter is one the signer would see once, and one in another case one another reader
  // might take for it: refused, not picked from.
  const names = [...query.keys()];
  if (names.some((name) => isPresignParameter(name) && (!PRESIGN_PARAMS.includes(name) || query.getAll(name).length > 1))) {
    return signatureMismatch();
  }
  const [algorithm, credential, signedHeaders, signature, amzDate, expires, sessionToken] = [
    'X-Amz-Algorithm',
    'X-Amz-Credential',
    'X-Amz-SignedHeaders',
    'X-Amz-Signature',
    'X-Amz-Date',
    'X-Amz-Expires',
    'X-Amz-Security-Token',
  ].map((name) => query.get(name) ?? undefined);
  const expiresIn = Number(expires);
  if (algorithm !== ALGORITHM || !credential || !signedHeaders || !signature || !amzDate || !Number.isInteger(expiresIn) || expiresIn < 1) {
    return signatureMismatch();
  }
  if (expiresIn > MAX_PRESIGNED_SECONDS) return presignedTooLong(MAX_PRESIGNED_SECONDS);
  const claim = claimOf(credential, signedHeaders, signature, amzDate, sessionToken);
  return claim instanceof ApiError ? claim : { ...claim, expiresIn };
};

const claimOf = (
  credential: string,
  signedHeaders: string,
  signature: string,
  amzDate: string,
  sessionToken: unknown,
): SignatureClaim | ApiError => {
  const scope = credential.split('/');
  if (scope.length !== 5 || scope.includes('')) return malformedCredential(credential);
  const [accessKeyId = '', scopeDate = '', scopeRegion = '', scopeService = '', terminator] = scope;
  if (!isRegion(scopeRegion)) return invalidRegion(scopeRegion);
  const date = parseAmzDate(amzDate);
  if (terminator !== TERMINATOR || date === undefined || (sessionToken !== undefined && typeof sessionToken !== 'string')) {
    return signatureMismatch();
  }
  return {
    accessKeyId,
    scopeDate,
    scopeRegion,
    scopeService,
    date,
    amzDate,
    signedHeaders: signedHeaders.split(';').map((name) => name.trim().toLowerCase()),
    signature,
    sessionToken,
  };
};

const checkIdentity = (claim: SignatureClaim, key: SigV4Credentials | undefined): ApiError | undefined =>
  key === undefined || claim.sessionToken !== key.sessionToken ? unrecognizedClient() : undefined;

const checkScope = ({ scopeService, scopeDate, amzDate }: SignatureClaim, service: string): ApiError | undefined => {
  if (scopeService !== service) return wrongSigningService(service);
  return scopeDate === amzDate.slice(0, 8) ? undefined : credentialDateMismatch(scopeDate, amzDate);
};

const checkDate = ({ date, amzDate, expiresIn }: SignatureClaim, nowMs: number): ApiError | undefined => {
  const skewMs = CLOCK_SKEW_MINUTES * 60_000;
  if (date.getTime() > nowMs + skewMs) {
    return signatureNotYetCurrent(amzDate, formatAmzDate(nowMs + skewMs), formatAmzDate(nowMs), CLOCK_SKEW_MINUTES);
  }
  // A presigned URL lives for its X-Amz-Expires; a signed header request for the clock skew.
  const lifetimeMs = expiresIn === undefined ? skewMs : expiresIn * 1000;
  if (date.getTime() < nowMs - lifetimeMs) {
    const minutes = Math.round(lifetimeMs / 60_000);
    return signatureExpired(amzDate, formatAmzDate(nowMs - lifetimeMs), formatAmzDate(nowMs), minutes);
  }
  return undefined;
};

/** Recomputes the signature over the request as received, with the SDK's signer, and compares. */
const checkSignature = async (
  Signer: typeof SignatureV4,
  request: ReceivedRequest,
  target: ReceivedTarget,
  claim: SignatureClaim,
  credentials: SigV4Credentials,
): Promise<ApiError | undefined> => {
  const headers = signedHeaderValues(request.headers, claim.signedHeaders);
  // The signer trusts this header as the body's hash: it must be the hash of the body that came.
  const contentHash = request.headers[CONTENT_SHA256];
  if (headers === undefined || (contentHash !== undefined && contentHash !== sha256Hex(request.body))) return signatureMismatch();
  const unsigned: HttpRequest = {
    method: request.method,
    protocol: 'http:',
    hostname: headers.host ?? '',
    path: target.path,
    query: signerQuery(target.query, claim.expiresIn !== undefined),
    headers,
    body: request.body,
  };
  const signer = new Signer({
    credentials,
    region: claim.scopeRegion,
    service: claim.scopeService,
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const options = {
    signingDate: claim.date,
    signingRegion: claim.scopeRegion,
    signingService: claim.scopeService,
    signableHeaders: new Set(claim.signedHeaders),
  };
  try {
    const expected =
      claim.expiresIn === undefined
        ? await signedHeaderSignature(signer, unsigned, options)
        : await presignedSignature(signer, unsigned, { ...options, expiresIn: claim.expiresIn }, target.query);
    return expected !== undefined && sameText(expected, claim.signature) ? undefined : signatureMismatch();
  } catch (error) {
    // What the SDK's signer cannot sign cannot have been signed: refused, never a 500.
    return signatureMismatch(error);
  }
};

type SigningOptions = Parameters<SignatureV4['sign']>[1] & Parameters<SignatureV4['presign']>[1];

const signedHeaderSignature = async (signer: SignatureV4, unsigned: HttpRequest, options: SigningOptions): Promise<string> =>
  signatureOf((await signer.sign(unsigned, options)).headers.authorization);

/**
 * The signer writes a presigned URL's own parameters afresh (X-Amz-SignedHeaders sorted, for one): the
 * ones that came must be exactly those, or the canonical query would not be the one received.
 */
const presignedSignature = async (
  signer: SignatureV4,
  unsigned: HttpRequest,
  options: SigningOptions,
  received: URLSearchParams,
): Promise<string | undefined> => {
  const { query = {} } = await signer.presign(unsigned, options);
  const rewritten = PRESIGN_PARAMS.some((name) => name !== 'X-Amz-Signature' && (query[name] ?? null) !== received.get(name));
  return rewritten ? undefined : String(query['X-Amz-Signature']);
};

/**
 * The values of the headers the claim says it signed, or `undefined` when one is absent, is no header
 * name at all, or is named like an Object.prototype member (`constructor`): host is always among them.
 */
const signedHeaderValues = (headers: IncomingHttpHeaders, names: readonly string[]): Record<string, string> | undefined => {
  if (!names.includes('host')) return undefined;
  const values: [string, string][] = [];
  for (const name of names) {
    const value = HEADER_NAME.test(name) && !(name in Object.prototype) ? textOf(headers, name) : undefined;
    if (value === undefined) return undefined;
    values.push([name, value]);
  }
  return Object.fromEntries(values);
};

/** A header's value as one string (repeats joined as HTTP API joins them); only the request's own headers count. */
const textOf = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value: unknown = Object.hasOwn(headers, name) ? headers[name] : undefined;
  if (typeof value === 'string') return value;
  return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value.join(',') : undefined;
};

/** The query in the signer's shape, every value a list; a presigned URL's own parameters left for the signer to add. */
const signerQuery = (query: URLSearchParams, presigned: boolean): Record<string, string[]> => {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of query) {
    if (presigned && PRESIGN_PARAMS.includes(name)) continue;
    const values = grouped.get(name);
    if (values === undefined) grouped.set(name, [value]);
    else values.push(value);
  }
  return Object.fromEntries(grouped);
};

const parseUrl = (target: string): URL | undefined => {
  try {
    return new URL(target, 'http://localhost');
  } catch {
    return undefined;
  }
};

/** A path SigV4's normalisation leaves as it is: no empty segment but a trailing one, no `.` or `..`. */
const isNormalPath = (path: string): boolean =>
  path.startsWith('/') &&
  path
    .slice(1)
    .split('/')
    .every((segment, i, all) => (segment !== '' || i === all.length - 1) && segment !== '.' && segment !== '..');

const parseAmzDate = (text: string): Date | undefined => {
  const parts = SIGV4_DATE.exec(text);
  if (parts === null) return undefined;
  const [, y, mo, d, h, mi, s] = parts.map(Number) as number[];
  const date = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
  return formatAmzDate(date.getTime()) === text ? date : undefined;
};

const formatAmzDate = (ms: number): string =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

const signatureOf = (authorization: string | undefined): string => /Signature=([0-9a-f]+)/.exec(authorization ?? '')?.[1] ?? '';

const sameText = (a: string, b: string): boolean => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

const sha256Hex = (body: Buffer): string => createHash('sha256').update(body).digest('hex');

/** SHA-256, or HMAC-SHA256 when given a key, from node:crypto, in the shape the SigV4 signer expects. */
export class NodeSha256 {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }

  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }
}

const bytes = (data: SourceData): Buffer =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);
