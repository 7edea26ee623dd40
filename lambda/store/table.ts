/** The certificate table's partition key: the CDK stack, the local store and the adapter share it. */
export const PARTITION_KEY = 'clientCertificateId';
