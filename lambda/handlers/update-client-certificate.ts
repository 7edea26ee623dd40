import { isClientCertificateId } from '../domain/client-certificate.js';
import { notFound } from '../domain/errors.js';
import { applyPatch, parsePatchOperations, validatePatchOperations } from '../domain/patch.js';
import { apiHandler } from '../http/api-handler.js';
import { renderClientCertificate } from '../http/responses.js';
import type { ClientCertificateStore } from '../store/client-certificate-store.js';
import { storeFromEnvironment } from '../store/dynamodb-store.js';

/**
 * UpdateClientCertificate: `PATCH /clientcertificates/{clientcertificate_id}`. Validates before it
 * reads, reads once, and writes once, only if nobody else wrote since the read.
 */
export const createHandler = (store: ClientCertificateStore) =>
  apiHandler(async ({ pathParameters, body }) => {
    const operations = parsePatchOperations(body);
    validatePatchOperations(operations);
    const id = pathParameters.clientcertificate_id ?? '';
    const current = isClientCertificateId(id) ? await store.load(id) : undefined;
    if (current === undefined) throw notFound();
    const updated = applyPatch(current.value, operations);
    if (operations.length > 0) await store.saveIfVersion(updated, current.version);
    return { statusCode: 200, body: renderClientCertificate(updated) };
  });

export const handler = createHandler(storeFromEnvironment());
