import { requiredEnv } from '../config.js';
import { parseTagKeys, withoutTags } from '../domain/tags.js';
import { apiHandler } from '../http/api-handler.js';
import type { ClientCertificateStore } from '../store/client-certificate-store.js';
import { storeFromEnvironment } from '../store/dynamodb-store.js';
import { loadTaggedCertificate } from './lookup.js';

/** UntagResource: `DELETE /tags/{resource_arn}?tagKeys=a&tagKeys=b`, answered 204. */
export const createHandler = (store: ClientCertificateStore, region = requiredEnv('AWS_REGION')) =>
  apiHandler(async ({ pathParameters, query }) => {
    const keys = parseTagKeys(query.getAll('tagKeys'));
    const { value, version } = await loadTaggedCertificate(store, pathParameters.resource_arn, region);
    await store.saveIfVersion({ ...value, tags: withoutTags(value.tags, keys) }, version);
    return { statusCode: 204 };
  });

export const handler = createHandler(storeFromEnvironment());
