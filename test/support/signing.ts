import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256, parseQuery } from '../../lib/local/sigv4.js';
import type { SigV4Credentials } from '../../lib/local/sigv4.js';
import type { RawRequest } from './http.js';

export interface Signing {
  readonly credentials: SigV4Credentials;
  /** @default 'apigateway' */
  readonly service?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default now */
  readonly date?: Date;
}

const signerFor = ({ credentials, service = 'apigateway', region = 'us-east-1' }: Signing) =>
  new SignatureV4({ credentials, service, region, sha256: NodeSha256 });

const toSign = (baseUrl: string, { method = 'GET', path, headers = {}, body }: RawRequest) => {
  const url = new URL(path, baseUrl);
  return {
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port === '' ? {} : { port: Number(url.port) }),
    path: url.pathname,
    query: queryOf(url.search),
    headers: { host: url.host, ...(headers as Record<string, string>) },
    body,
  };
};

/** The query as SigV4 canonicalises it, the way the local verifier reads it. */
const queryOf = (search: string): Record<string, string | string[]> => parseQuery(search.replace(/^\?/, '')) ?? {};

/** `request` signed in its Authorization header, as the AWS SDK signs. */
export const signed = async (baseUrl: string, request: RawRequest, signing: Signing): Promise<RawRequest> => {
  const { headers } = await signerFor(signing).sign(toSign(baseUrl, request), { signingDate: signing.date });
  return { ...request, headers };
};

/** `request` presigned: the signature in the query, valid for `expiresIn` seconds. */
export const presigned = async (baseUrl: string, request: RawRequest, signing: Signing, expiresIn: number): Promise<RawRequest> => {
  const { query, headers } = await signerFor(signing).presign(toSign(baseUrl, request), { signingDate: signing.date, expiresIn });
  const search = new URLSearchParams(query as Record<string, string>).toString().replaceAll('+', '%20');
  return { ...request, path: `${new URL(request.path, baseUrl).pathname}?${search}`, headers };
};
