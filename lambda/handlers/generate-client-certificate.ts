import type { ClientCertificate } from '../domain/client-certificate.js';
import { newClientCertificateId, parseGenerateInput, VALIDITY_SECONDS } from '../domain/client-certificate.js';
import { serviceUnavailable } from '../domain/errors.js';
import { issueSelfSignedCertificate } from '../domain/pem.js';
import { apiHandler } from '../http/api-handler.js';
import type { ClientCertificateStores } from '../store/client-certificate-store.js';
import { deployedStores } from './deployed-stores.js';

/** Collisions among 36^6 ids are rare; a few retries make a failure vanishingly unlikely. */
const ID_ATTEMPTS = 5;

/** GenerateClientCertificate: `POST /clientcertificates`, answered 201. */
export const createHandler = (stores: ClientCertificateStores, now: () => number = Date.now) =>
  apiHandler(async ({ namespace, body }) => {
    const store = stores(namespace);
    const { description, tags } = parseGenerateInput(body);
    const createdDate = Math.floor(now() / 1000);
    const expirationDate = createdDate + VALIDITY_SECONDS;
    const pemEncodedCertificate = await issueSelfSignedCertificate(createdDate, expirationDate);
    for (let attempt = 0; attempt < ID_ATTEMPTS; attempt++) {
      const certificate: ClientCertificate = {
        clientCertificateId: newClientCertificateId(),
        ...(description === undefined ? {} : { description }),
        pemEncodedCertificate,
        createdDate,
        expirationDate,
        tags,
      };
      if (await store.create(certificate))
        return { statusCode: 201, representation: { kind: 'ClientCertificate', certificate, created: true } };
    }
    throw serviceUnavailable(new Error(`no free client certificate id after ${ID_ATTEMPTS} attempts`));
  });

export const handler = createHandler(deployedStores);
