// The package's main export: the construct, for a consumer's CDK app.
import './local/base/require-node.js'; // first: an older Node is told why in one line

export type { ClientCertificateApiProps } from './client-certificate-api.js';
export { ClientCertificateApi } from './client-certificate-api.js';
