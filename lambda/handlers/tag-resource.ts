import { requiredEnv } from '../config.js';
import { parseTagResourceInput, withTags } from '../domain/tags.js';
import { apiHandler } from '../http/api-handler.js';
import type { ClientCertificateStore } from '../store/client-certificate-store.js';
import { storeFromEnvironment } from '../store/dynamodb-store.js';
import { loadTaggedCertificate } from './lookup.js';

/** TagResource: `PUT /tags/{resource_arn}`, answered 204. A conditional write, like an update. */
export const createHandler = (store: ClientCertificateStore, region = requiredEnv('AWS_REGION')) =>
  apiHandler(async ({ pathParameters, body }) => {
    const tags = parseTagResourceInput(body);
    const { value, version } = await loadTaggedCertificate(store, pathParameters.resource_arn, region);
    await store.saveIfVersion({ ...value, tags: withTags(value.tags, tags) }, version);
    return { statusCode: 204 };
  });

export const handler = createHandler(storeFromEnvironment());
