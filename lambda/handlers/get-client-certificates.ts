import { encodePosition, parsePageRequest } from '../domain/pagination.js';
import { apiHandler } from '../http/api-handler.js';
import { deliverableCount } from '../http/representations.js';
import type { ClientCertificateStores } from '../store/client-certificate-store.js';
import { deployedStores } from './deployed-stores.js';

/** GetClientCertificates: `GET /clientcertificates?position=&limit=`. */
export const createHandler = (stores: ClientCertificateStores) =>
  apiHandler(async ({ namespace, query }) => {
    const store = stores(namespace);
    const page = parsePageRequest(query.get('limit'), query.get('position'));
    const found = await store.list(page);
    // A page of large certificates is cut short of `limit` where it would pass what a function may return.
    const items = found.items.slice(0, deliverableCount(found.items));
    const more = found.more || items.length < found.items.length;
    const last = items.at(-1);
    const position = more && last !== undefined ? encodePosition(last.clientCertificateId) : undefined;
    return {
      statusCode: 200,
      representation: { kind: 'ClientCertificates', items, limit: page.limit, ...(position === undefined ? {} : { position }) },
    };
  });

export const handler = createHandler(deployedStores);
