import { isClientCertificateId } from '../domain/client-certificate.js';
import { notFound } from '../domain/errors.js';
import { apiHandler } from '../http/api-handler.js';
import { renderClientCertificate } from '../http/responses.js';
import type { ClientCertificateStore } from '../store/client-certificate-store.js';
import { storeFromEnvironment } from '../store/dynamodb-store.js';

/** GetClientCertificate: `GET /clientcertificates/{clientcertificate_id}`. */
export const createHandler = (store: ClientCertificateStore) =>
  apiHandler(async ({ pathParameters }) => {
    const id = pathParameters.clientcertificate_id ?? '';
    const found = isClientCertificateId(id) ? await store.load(id) : undefined;
    if (found === undefined) throw notFound();
    return { statusCode: 200, body: renderClientCertificate(found.value) };
  });

export const handler = createHandler(storeFromEnvironment());
