import type { ClientCertificate } from '../domain/client-certificate.js';
import { newClientCertificateId, parseGenerateInput, VALIDITY_SECONDS } from '../domain/client-certificate.js';
import { serviceUnavailable } from '../domain/errors.js';
import { issueSelfSignedCertificate } from '../domain/pem.js';
import { apiHandler } from '../http/api-handler.js';
import type { ClientCertificateStores, NewClientCertificate } from '../store/client-certificate-store.js';
import { deployedStores } from './deployed-stores.js';

/** Collisions among 36^6 ids are rare; a few retries make a failure vanishingly unlikely. */
const ID_ATTEMPTS = 5;

/**
 * GenerateClientCertificate: `POST /clientcertificates`, answered 201. Deployed, the real clock and
 * random ids; the local service passes a namespace's test clock and seeded ids instead.
 */
export const createHandler = (
  stores: ClientCertificateStores,
  now: () => number = Date.now,
  newId: () => string = newClientCertificateId,
) =>
  apiHandler(async ({ namespace, body }) => {
    const store = stores(namespace);
    const { description, tags } = parseGenerateInput(body);
    const createdDate = Math.floor(now() / 1000);
    const expirationDate = createdDate + VALIDITY_SECONDS;
    // The key pair, the one costly step, is generated while the store claims a place in the quota.
    const pemEncodedCertificate = issueSelfSignedCertificate(createdDate, expirationDate);
    // Watched from now on, so that a failure before the store awaits it is not an unhandled rejection.
    const settled = pemEncodedCertificate.catch(() => undefined);
    try {
      for (let attempt = 0; attempt < ID_ATTEMPTS; attempt++) {
        const certificate: NewClientCertificate = {
          clientCertificateId: newId(),
          ...(description === undefined ? {} : { description }),
          pemEncodedCertificate,
          createdDate,
          expirationDate,
          tags,
        };
        if (await store.create(certificate)) {
          const created: ClientCertificate = { ...certificate, pemEncodedCertificate: await pemEncodedCertificate };
          return { statusCode: 201, representation: { kind: 'ClientCertificate', certificate: created, created: true } };
        }
      }
    } catch (error) {
      // Refused before the key pair was needed (a full quota): answer once it is done all the same, so
      // that no key generation outlives its invocation, and the function's concurrency bounds them all.
      await settled;
      throw error;
    }
    throw serviceUnavailable(new Error(`no free client certificate id after ${ID_ATTEMPTS} attempts`));
  });

export const handler = createHandler(deployedStores);
