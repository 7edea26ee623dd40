/**
 * The certificate table's key, shared by the CDK stack, the local store and the adapter: the
 * namespace (account and region) is the partition, so listing one is a Query of it; the
 * certificate id is the sort key.
 */
export const PARTITION_KEY = 'namespace';
export const SORT_KEY = 'clientCertificateId';

/** API Gateway's default quota of client certificates per account and region. */
export const DEFAULT_QUOTA = 60;
