// The package's main export: the construct, for a consumer's CDK app.
export type { ClientCertificateApiProps } from './client-certificate-api.js';
export { ClientCertificateApi } from './client-certificate-api.js';
