import { encodePosition, parsePageRequest } from '../domain/pagination.js';
import { apiHandler } from '../http/api-handler.js';
import type { ClientCertificateStore } from '../store/client-certificate-store.js';
import { storeFromEnvironment } from '../store/dynamodb-store.js';

/** GetClientCertificates: `GET /clientcertificates?position=&limit=`. */
export const createHandler = (store: ClientCertificateStore) =>
  apiHandler(async ({ query }) => {
    const page = parsePageRequest(query.get('limit'), query.get('position'));
    const { items, more } = await store.list(page);
    const last = items.at(-1);
    const position = more && last !== undefined ? encodePosition(last.clientCertificateId) : undefined;
    return {
      statusCode: 200,
      representation: { kind: 'ClientCertificates', items, limit: page.limit, ...(position === undefined ? {} : { position }) },
    };
  });

export const handler = createHandler(storeFromEnvironment());
