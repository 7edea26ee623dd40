import { requiredEnv } from '../config.js';
import { apiHandler } from '../http/api-handler.js';
import type { ClientCertificateStore } from '../store/client-certificate-store.js';
import { storeFromEnvironment } from '../store/dynamodb-store.js';
import { loadTaggedCertificate } from './lookup.js';

/** GetTags: `GET /tags/{resource_arn}`. */
export const createHandler = (store: ClientCertificateStore, region = requiredEnv('AWS_REGION')) =>
  apiHandler(async ({ pathParameters }) => {
    const { value } = await loadTaggedCertificate(store, pathParameters.resource_arn, region);
    return { statusCode: 200, representation: { kind: 'Tags', tags: value.tags } };
  });

export const handler = createHandler(storeFromEnvironment());
