import { parseTagResourceInput, withTags } from '../domain/tags.js';
import { apiHandler } from '../http/api-handler.js';
import type { ClientCertificateStores } from '../store/client-certificate-store.js';
import { deployedStores } from './deployed-stores.js';
import { loadTaggedCertificate } from './lookup.js';

/** TagResource: `PUT /tags/{resource_arn}`, answered 204. A conditional write, like an update. */
export const createHandler = (stores: ClientCertificateStores) =>
  apiHandler(async ({ namespace, pathParameters, body }) => {
    const store = stores(namespace);
    const tags = parseTagResourceInput(body);
    const { value, version } = await loadTaggedCertificate(store, pathParameters.resource_arn, namespace.region);
    await store.saveIfVersion({ ...value, tags: withTags(value.tags, tags) }, version);
    return { statusCode: 204 };
  });

export const handler = createHandler(deployedStores);
