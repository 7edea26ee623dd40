// Accounts and regions: who a caller is, as every room of the local service names it.

/** The account API Gateway's local emulators give a request whose access key names none. */
export const DEFAULT_ACCOUNT_ID = '000000000000';

/** The account of a namespace `<account>#<region>` (a name without `#`, such as the journal's unverified requests', is one of its own). */
export const accountOf = (namespace: string): string => namespace.split('#')[0]!;

/** An AWS account id: 12 digits. */
export const isAccountId = (text: string): boolean => /^\d{12}$/.test(text);

/** Twice the longest region name AWS has (`ap-southeast-5`, `eu-isoe-west-1`: 14). */
const MAX_REGION_LENGTH = 32;

/**
 * An AWS region name, in lower case as AWS writes them: one the AWS SDK's partition table would accept,
 * from the `regionRegex` of each partition in @aws-sdk/core's util-endpoints/lib/aws/partitions.js,
 * and no longer than a region name could be. The region names a namespace, kept in the store, the
 * journal and every per-namespace table: a caller must not make one of a header's 16 KB.
 */
export const isRegion = (text: string): boolean =>
  text.length <= MAX_REGION_LENGTH &&
  /^(?:us|eu|ap|sa|ca|me|af|il|mx|cn|us-gov|us-iso|us-isob|us-isof|eu-isoe|eusc-de)-[a-z]+-\d+$/.test(text);

/** Who signed a request, and for which region. */
export interface Caller {
  /** The access key id the request is signed with; `undefined` when it is not signed. */
  readonly accessKey?: string;
  readonly account: string;
  readonly region: string;
}
