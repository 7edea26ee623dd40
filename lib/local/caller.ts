import type { RequestSignature } from './sigv4.js';
import { isSigned } from './sigv4.js';

/** The account API Gateway's local emulators give a request whose access key names none. */
export const DEFAULT_ACCOUNT_ID = '000000000000';

/** An AWS account id: 12 digits. */
export const isAccountId = (text: string): boolean => /^\d{12}$/.test(text);

/**
 * An AWS region name, in lower case as AWS writes them: one the AWS SDK's partition table would accept,
 * from the `regionRegex` of each partition in @aws-sdk/core's util-endpoints/lib/aws/partitions.js.
 */
export const isRegion = (text: string): boolean =>
  /^(?:us|eu|ap|sa|ca|me|af|il|mx|cn|us-gov|us-iso|us-isob|us-isof|eu-isoe|eusc-de)-[a-z]+-\d+$/.test(text);

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
 * The caller of a request, as LocalStack tells them apart, from the one signature `readSignature`
 * read (lib/local/sigv4.ts), the one the verifier checks: the account is the access key's own (a known
 * key's, or a 12-digit access key id, which is taken as the account id itself), else the default
 * account; the region is the one the credential scope names. Unsigned, the default account in the
 * service's region. Unverified unless signatures are checked.
 */
export const callerOf = (
  signature: RequestSignature,
  serviceRegion: string,
  { defaultAccountId = DEFAULT_ACCOUNT_ID, accountsByAccessKey }: CallerSettings = {},
): Caller => {
  if (!isSigned(signature)) return { account: defaultAccountId, region: serviceRegion };
  const { accessKeyId: accessKey, scopeRegion: region } = signature;
  return { accessKey, account: accountsByAccessKey?.get(accessKey) ?? (isAccountId(accessKey) ? accessKey : defaultAccountId), region };
};
