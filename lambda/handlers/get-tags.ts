import { apiHandler } from '../http/api-handler.js';
import type { ClientCertificateStores } from '../store/client-certificate-store.js';
import { deployedStores } from './deployed-stores.js';
import { loadTaggedCertificate } from './lookup.js';

/** GetTags: `GET /tags/{resource_arn}`. */
export const createHandler = (stores: ClientCertificateStores) =>
  apiHandler(async ({ namespace, pathParameters }) => {
    const store = stores(namespace);
    const { value } = await loadTaggedCertificate(store, pathParameters.resource_arn, namespace.region);
    return { statusCode: 200, representation: { kind: 'Tags', tags: value.tags } };
  });

export const handler = createHandler(deployedStores);
