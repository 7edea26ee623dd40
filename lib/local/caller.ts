import type { IncomingHttpHeaders } from 'node:http';

/** The account API Gateway's local emulators give a request whose access key names none. */
export const DEFAULT_ACCOUNT_ID = '000000000000';

/** An AWS account id: 12 digits. */
export const isAccountId = (text: string): boolean => /^\d{12}$/.test(text);

/** Whose request it is, as far as the local service tells accounts and regions apart. */
export interface CallerSettings {
  /** The account of unsigned requests and of access keys that name none. @default DEFAULT_ACCOUNT_ID */
  readonly defaultAccountId?: string;
  /** Accounts of known access keys (with AUTH=sigv4, every key that may sign). @default none */
  readonly accountsByAccessKey?: ReadonlyMap<string, string>;
}

/** Who signed a request, and for which region. */
export interface Caller {
  /** The access key id the request is signed with; `undefined` when it is not signed. */
  readonly accessKey?: string;
  readonly account: string;
  readonly region: string;
}

/**
 * The caller of a request, as LocalStack tells them apart: the account is the access key's own
 * (a known key's, or a 12-digit access key id, which is taken as the account id itself), else the
 * default account; the region is the one the credential scope names, in the Authorization header
 * or a presigned query, else the service's region. Unverified unless signatures are checked first.
 */
export const callerOf = (
  headers: IncomingHttpHeaders,
  query: URLSearchParams | undefined,
  serviceRegion: string,
  { defaultAccountId = DEFAULT_ACCOUNT_ID, accountsByAccessKey }: CallerSettings = {},
): Caller => {
  const authorization = typeof headers.authorization === 'string' ? headers.authorization : undefined;
  const credential =
    authorization === undefined ? (query?.get('X-Amz-Credential') ?? undefined) : /\bCredential=([^,\s]+)/.exec(authorization)?.[1];
  if (credential === undefined) return { account: defaultAccountId, region: serviceRegion };
  const [accessKey = '', , region = ''] = credential.split('/');
  const account = accountsByAccessKey?.get(accessKey) ?? (isAccountId(accessKey) ? accessKey : defaultAccountId);
  return { accessKey, account, region: REGION.test(region) ? region : serviceRegion };
};

const REGION = /^[a-z0-9-]{1,64}$/;
