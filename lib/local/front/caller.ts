import type { Caller } from '../base/account.js';
import { DEFAULT_ACCOUNT_ID, isAccountId } from '../base/account.js';
import type { RequestSignature } from './sigv4.js';
import { isSigned } from './sigv4.js';

/** Whose request it is, as far as the local service tells accounts and regions apart. */
export interface CallerSettings {
  /** The account of unsigned requests and of access keys that name none. @default DEFAULT_ACCOUNT_ID */
  readonly defaultAccountId?: string;
  /** Accounts of known access keys (with AUTH=sigv4, every key that may sign). @default none */
  readonly accountsByAccessKey?: ReadonlyMap<string, string>;
}

/**
 * The caller of a request, as LocalStack tells them apart, from the one signature `readSignature`
 * read (lib/local/front/sigv4.ts), the one the verifier checks: the account is the access key's own (a known
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
