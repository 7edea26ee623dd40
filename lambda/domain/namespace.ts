/**
 * Whose certificates: on API Gateway, client certificates, their ids, tags and quota all belong to
 * one account in one region. Every operation works inside the caller's namespace and sees no other.
 */
export interface Namespace {
  /** The 12-digit AWS account id. */
  readonly account: string;
  readonly region: string;
}
