import { isClientCertificateId } from '../domain/client-certificate.js';
import { notFound } from '../domain/errors.js';
import { apiHandler } from '../http/api-handler.js';
import type { ClientCertificateStores } from '../store/client-certificate-store.js';
import { deployedStores } from './deployed-stores.js';

/** DeleteClientCertificate: `DELETE /clientcertificates/{clientcertificate_id}`, answered 202. */
export const createHandler = (stores: ClientCertificateStores) =>
  apiHandler(async ({ namespace, pathParameters }) => {
    const store = stores(namespace);
    const id = pathParameters.clientcertificate_id ?? '';
    if (!isClientCertificateId(id) || !(await store.delete(id))) throw notFound();
    return { statusCode: 202 };
  });

export const handler = createHandler(deployedStores);
