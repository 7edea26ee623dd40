/** The certificate table's partition key: the CDK stack, the local store and the adapter share it. */
export const PARTITION_KEY = 'clientCertificateId';

/** API Gateway's default quota of client certificates per account and region. */
export const DEFAULT_QUOTA = 60;
