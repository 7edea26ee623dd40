import { apiHandler } from '../http/api-handler.js';
import type { ClientCertificateStores } from '../store/client-certificate-store.js';
import { deployedStores } from './deployed-stores.js';
import { loadCertificate } from './lookup.js';

/** GetClientCertificate: `GET /clientcertificates/{clientcertificate_id}`. */
export const createHandler = (stores: ClientCertificateStores) =>
  apiHandler(async ({ namespace, pathParameters }) => {
    const store = stores(namespace);
    const { value } = await loadCertificate(store, pathParameters.clientcertificate_id);
    return { statusCode: 200, representation: { kind: 'ClientCertificate', certificate: value } };
  });

export const handler = createHandler(deployedStores);
