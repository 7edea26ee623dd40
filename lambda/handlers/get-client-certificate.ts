import { apiHandler } from '../http/api-handler.js';
import type { ClientCertificateStore } from '../store/client-certificate-store.js';
import { storeFromEnvironment } from '../store/dynamodb-store.js';
import { loadCertificate } from './lookup.js';

/** GetClientCertificate: `GET /clientcertificates/{clientcertificate_id}`. */
export const createHandler = (store: ClientCertificateStore) =>
  apiHandler(async ({ pathParameters }) => {
    const { value } = await loadCertificate(store, pathParameters.clientcertificate_id);
    return { statusCode: 200, representation: { kind: 'ClientCertificate', certificate: value } };
  });

export const handler = createHandler(storeFromEnvironment());
