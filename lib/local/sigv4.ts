import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest, SourceData } from '@smithy/types';
import type { Hash, Hmac } from 'node:crypto';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ApiError } from '../../lambda/domain/errors.js';
import {
  incompleteSignature,
  missingAuthenticationToken,
  signatureExpired,
  signatureMismatch,
  signatureNotYetCurrent,
  unrecognizedClient,
  wrongSigningService,
} from '../../lambda/domain/errors.js';

/** The one identity the local service lets in when SigV4 checking is on. */
export interface SigV4Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** When set, requests must carry it in `X-Amz-Security-Token`. @default none */
  readonly sessionToken?: string;
}

export interface SigV4Settings {
  readonly credentials: SigV4Credentials;
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
  readonly body: Buffer;
}

/** Checks a request's signature; resolves to the error to answer, or `undefined` to let it through. */
export type RequestVerifier = (request: ReceivedRequest) => Promise<ApiError | undefined>;

/** How far a request's date may be from this machine's clock, either way, as most AWS services allow. */
export const CLOCK_SKEW_MINUTES = 15;

const ALGORITHM = 'AWS4-HMAC-SHA256';
const TERMINATOR = 'aws4_request';
const CONTENT_SHA256 = 'x-amz-content-sha256';
const SIGV4_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const PRESIGN_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Security-Token'];

/** What a signed request claims: who signed it, when, for what, over which headers. */
interface Claim {
  readonly accessKeyId: string;
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

/**
 * Verifies AWS Signature Version 4 as AWS's front end does: the Authorization header (or a presigned
 * query), the access key, the signing service, the request date within the clock skew, then the
 * signature itself, recomputed with the AWS SDK's own signer over the request as received and
 * compared in constant time.
 */
export const sigv4Verifier = ({ credentials, service = 'apigateway', now = Date.now }: SigV4Settings): RequestVerifier => {
  return async (request) => {
    const [rawPath = '', rawQuery = ''] = splitTarget(request.target);
    const query = parseQuery(rawQuery);
    if (query === undefined) return signatureMismatch();
    const claim = request.headers.authorization !== undefined ? claimFromHeaders(request.headers) : claimFromQuery(query);
    if (claim === undefined) return missingAuthenticationToken();
    if ('type' in claim) return claim;

    if (claim.accessKeyId !== credentials.accessKeyId || claim.sessionToken !== credentials.sessionToken) {
      return unrecognizedClient();
    }
    if (claim.scopeService !== service) return wrongSigningService(service);
    const dateError = checkDate(claim, now());
    if (dateError !== undefined) return dateError;
    if (!claim.signedHeaders.includes('host')) return signatureMismatch();
    const contentHash = request.headers[CONTENT_SHA256];
    // The signer trusts this header as the body's hash: it must be the hash of the body that came.
    if (contentHash !== undefined && contentHash !== sha256Hex(request.body)) return signatureMismatch();

    const headers: Record<string, string> = {};
    for (const name of claim.signedHeaders) {
      const value = request.headers[name];
      if (value === undefined) return signatureMismatch();
      headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    const unsigned: HttpRequest = {
      method: request.method,
      protocol: 'http:',
      hostname: headers.host ?? '',
      path: rawPath,
      query: claim.expiresIn === undefined ? query : withoutPresignParams(query),
      headers,
      body: request.body,
    };
    const signer = new SignatureV4({ credentials, region: claim.scopeRegion, service, sha256: NodeSha256, applyChecksum: false });
    const options = {
      signingDate: claim.date,
      signingRegion: claim.scopeRegion,
      signingService: claim.scopeService,
      signableHeaders: new Set(claim.signedHeaders),
    };
    const expected =
      claim.expiresIn === undefined
        ? signatureOf((await signer.sign(unsigned, options)).headers.authorization)
        : (await signer.presign(unsigned, { ...options, expiresIn: claim.expiresIn })).query?.['X-Amz-Signature'];
    return sameText(String(expected), claim.signature) ? undefined : signatureMismatch();
  };
};

const claimFromHeaders = (headers: IncomingHttpHeaders): Claim | ApiError => {
  const authorization = headers.authorization ?? '';
  const [algorithm = '', ...rest] = authorization.trim().split(/\s+/);
  const parameters = new Map<string, string>();
  for (const part of rest.join(' ').split(',')) {
    const at = part.indexOf('=');
    if (at > 0) parameters.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  const amzDate = headers['x-amz-date'];
  const missing = [
    ...(algorithm === ALGORITHM && parameters.has('Credential') ? [] : ["'Credential' parameter"]),
    ...(algorithm === ALGORITHM && parameters.has('Signature') ? [] : ["'Signature' parameter"]),
    ...(algorithm === ALGORITHM && parameters.has('SignedHeaders') ? [] : ["'SignedHeaders' parameter"]),
    ...(typeof amzDate === 'string' ? [] : ["existence of either a 'X-Amz-Date' or a 'Date' header"]),
  ];
  if (missing.length > 0) return incompleteSignature(missing);
  return claimOf(parameters.get('Credential')!, parameters.get('SignedHeaders')!, parameters.get('Signature')!, amzDate as string, headers['x-amz-security-token']);
};

const claimFromQuery = (query: Record<string, string | string[]>): Claim | ApiError | undefined => {
  const single = (name: string): string | undefined => {
    const value = query[name];
    return typeof value === 'string' ? value : undefined;
  };
  if (single('X-Amz-Signature') === undefined) return undefined;
  const [credential, signedHeaders, signature, amzDate, expires] = ['X-Amz-Credential', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-Expires'].map(single);
  const expiresIn = Number(expires);
  if (single('X-Amz-Algorithm') !== ALGORITHM || !credential || !signedHeaders || !amzDate || !Number.isInteger(expiresIn) || expiresIn < 1) {
    return signatureMismatch();
  }
  const claim = claimOf(credential, signedHeaders, signature!, amzDate, single('X-Amz-Security-Token'));
  return 'type' in claim ? claim : { ...claim, expiresIn };
};

const claimOf = (credential: string, signedHeaders: string, signature: string, amzDate: string, sessionToken: string | string[] | undefined): Claim | ApiError => {
  const [accessKeyId = '', , scopeRegion = '', scopeService = '', terminator, ...extra] = credential.split('/');
  const date = parseAmzDate(amzDate);
  if (terminator !== TERMINATOR || extra.length > 0 || date === undefined || Array.isArray(sessionToken)) return signatureMismatch();
  return {
    accessKeyId,
    scopeRegion,
    scopeService,
    date,
    amzDate,
    signedHeaders: signedHeaders.split(';').map((name) => name.trim().toLowerCase()),
    signature,
    sessionToken,
  };
};

const checkDate = ({ date, amzDate, expiresIn }: Claim, nowMs: number): ApiError | undefined => {
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

const splitTarget = (target: string): [string, string] => {
  const at = target.indexOf('?');
  return at < 0 ? [target, ''] : [target.slice(0, at), target.slice(at + 1)];
};

/** The query as SigV4 canonicalises it: percent-decoded names and values, repeats as lists; `undefined` if undecodable. */
export const parseQuery = (raw: string): Record<string, string | string[]> | undefined => {
  const query: Record<string, string | string[]> = {};
  try {
    for (const pair of raw.split('&')) {
      if (pair === '') continue;
      const at = pair.indexOf('=');
      const name = decodeURIComponent(at < 0 ? pair : pair.slice(0, at));
      const value = at < 0 ? '' : decodeURIComponent(pair.slice(at + 1));
      const seen = query[name];
      query[name] = seen === undefined ? value : [seen, value].flat();
    }
  } catch {
    return undefined;
  }
  return query;
};

const withoutPresignParams = (query: Record<string, string | string[]>) =>
  Object.fromEntries(Object.entries(query).filter(([name]) => !PRESIGN_PARAMS.includes(name)));

const parseAmzDate = (text: string): Date | undefined => {
  const parts = SIGV4_DATE.exec(text);
  if (parts === null) return undefined;
  const [, y, mo, d, h, mi, s] = parts.map(Number) as number[];
  const date = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
  return formatAmzDate(date.getTime()) === text ? date : undefined;
};

const formatAmzDate = (ms: number): string => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

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
