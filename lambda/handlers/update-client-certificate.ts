import { applyPatch, parsePatchOperations, validatePatchOperations } from '../domain/patch.js';
import { apiHandler } from '../http/api-handler.js';
import type { ClientCertificateStores } from '../store/client-certificate-store.js';
import { deployedStores } from './deployed-stores.js';
import { loadCertificate } from './lookup.js';

/**
 * UpdateClientCertificate: `PATCH /clientcertificates/{clientcertificate_id}`. Validates before it
 * reads, reads once, and writes once, only if nobody else wrote since the read.
 */
export const createHandler = (stores: ClientCertificateStores) =>
  apiHandler(async ({ namespace, pathParameters, body }) => {
    const store = stores(namespace);
    const operations = parsePatchOperations(body);
    validatePatchOperations(operations);
    const { value, version } = await loadCertificate(store, pathParameters.clientcertificate_id);
    const updated = applyPatch(value, operations);
    if (operations.length > 0) await store.saveIfVersion(updated, version);
    return { statusCode: 200, representation: { kind: 'ClientCertificate', certificate: updated } };
  });

export const handler = createHandler(deployedStores);
