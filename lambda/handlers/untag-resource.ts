import { parseTagKeys, withoutTags } from '../domain/tags.js';
import { apiHandler } from '../http/api-handler.js';
import type { ClientCertificateStores } from '../store/client-certificate-store.js';
import { deployedStores } from './deployed-stores.js';
import { loadTaggedCertificate } from './lookup.js';

/** UntagResource: `DELETE /tags/{resource_arn}?tagKeys=a&tagKeys=b`, answered 204. */
export const createHandler = (stores: ClientCertificateStores) =>
  apiHandler(async ({ namespace, pathParameters, query }) => {
    const store = stores(namespace);
    const keys = parseTagKeys(query.getAll('tagKeys'));
    const { value, version } = await loadTaggedCertificate(store, pathParameters.resource_arn, namespace.region);
    await store.saveIfVersion({ ...value, tags: withoutTags(value.tags, keys) }, version);
    return { statusCode: 204 };
  });

export const handler = createHandler(deployedStores);
